// Turns weight and activation tensors into image tiles for looking at.
//
// Conv filters, HWIO [KH][KW][C][OC], element (kh, kw, c, oc) at ((kh·KW + kw)·C + c)·OC + oc:
//   C = 1  → one gray KH×KW tile per output channel oc;
//   C = 3  → one RGB tile per oc (the filter's three input channels as R, G, B);
//   other C → one gray tile per (oc, c) pair, oc-major, meant for a grid with C columns.
//   Each tile is min-max normalised on its own (all its channels together for RGB), so the
//   pattern is visible whatever the filter's scale; a constant filter shows as mid gray (0.5).
// Feature maps, one image's activations [H][W][C], element (h, w, c) at (h·W + w)·C + c:
//   one gray H×W tile per channel c, min-max normalised per tile; a constant map (a ReLU
//   channel that is all zeros, say) shows as black (0).

import { isPositiveInt, normalizeMinMax, type ImageF32 } from './image.js';

export interface TensorTiles {
  tiles: ImageF32[];
  /** Suggested grid width (C for the per-(oc, c) filter layout, otherwise undefined). */
  columns?: number;
  /** One caption per tile, e.g. "oc 3" or "oc 3, c 1". */
  labels: string[];
}

function checkTensor(len: number, dims: Record<string, number>, what: string, layout: string): void {
  const parts = Object.entries(dims);
  for (const [name, v] of parts) {
    if (!isPositiveInt(v)) throw new RangeError(`${what}: ${name} must be a positive integer, got ${v}`);
  }
  const n = parts.reduce((a, [, v]) => a * v, 1);
  if (len !== n) {
    throw new RangeError(
      `${what}: data has ${len} values, expected ${layout} = ${parts.map(([, v]) => v).join('·')} = ${n}`,
    );
  }
}

export function filterTiles(data: Float32Array, KH: number, KW: number, C: number, OC: number): TensorTiles {
  checkTensor(data.length, { KH, KW, C, OC }, 'filters', 'KH·KW·C·OC (HWIO)');
  const at = (kh: number, kw: number, c: number, oc: number) => data[((kh * KW + kw) * C + c) * OC + oc]!;
  const tiles: ImageF32[] = [];
  const labels: string[] = [];
  if (C === 1 || C === 3) {
    for (let oc = 0; oc < OC; oc++) {
      const raw = new Float32Array(KH * KW * C);
      for (let kh = 0; kh < KH; kh++) {
        for (let kw = 0; kw < KW; kw++) {
          for (let c = 0; c < C; c++) raw[(kh * KW + kw) * C + c] = at(kh, kw, c, oc);
        }
      }
      tiles.push({ data: normalizeMinMax(raw, 0.5), height: KH, width: KW, channels: C });
      labels.push(`oc ${oc}`);
    }
    return { tiles, labels };
  }
  for (let oc = 0; oc < OC; oc++) {
    for (let c = 0; c < C; c++) {
      const raw = new Float32Array(KH * KW);
      for (let kh = 0; kh < KH; kh++) {
        for (let kw = 0; kw < KW; kw++) raw[kh * KW + kw] = at(kh, kw, c, oc);
      }
      tiles.push({ data: normalizeMinMax(raw, 0.5), height: KH, width: KW, channels: 1 });
      labels.push(`oc ${oc}, c ${c}`);
    }
  }
  return { tiles, columns: C, labels };
}

export function featureMapTiles(data: Float32Array, H: number, W: number, C: number): TensorTiles {
  checkTensor(data.length, { H, W, C }, 'featureMaps', 'H·W·C (HWC)');
  const tiles: ImageF32[] = [];
  const labels: string[] = [];
  for (let c = 0; c < C; c++) {
    const raw = new Float32Array(H * W);
    for (let p = 0; p < H * W; p++) raw[p] = data[p * C + c]!;
    tiles.push({ data: normalizeMinMax(raw, 0), height: H, width: W, channels: 1 });
    labels.push(`c ${c}`);
  }
  return { tiles, labels };
}

/** The smallest integer scale that makes a size-px tile at least minPx wide (1 for big tiles). */
export function scaleToAtLeast(size: number, minPx: number): number {
  return Math.max(1, Math.ceil(minPx / size));
}
