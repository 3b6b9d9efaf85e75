// Output-size and padding math for conv and pooling, shared by the layers and the ops API.
//
// 'valid': no padding, OH = floor((H − KH) / SH) + 1.
// 'same' (TensorFlow convention): OH = ceil(H / SH), total padding
//   max((OH − 1)·SH + KH − H, 0), with the odd extra row/column at the bottom/right.
// A number p pads p rows/columns on every side: OH = floor((H + 2p − KH) / SH) + 1.
//
// Size limits (wasm32): the kernels take i32 sizes and compute i32 element indices, and every
// tensor must fit the one memory, so windowGeom refuses, before anything touches memory, a
// geometry where any of these reaches 2^31 / 4 = 2^29 elements (2 GiB of f32):
//   input B·H·W·C, output B·OH·OW·OC, and for a conv (not `pool`) the weights KH·KW·C·OC and
//   the SIMD conv scratch conv2d_scratch_bytes / 4 = OCp·Kp + OCp + MB·(Kp + OCp), with Kp, OCp
//   = KH·KW·C, OC rounded up to 4 and MB ≤ 64 (assembly/conv2d/simd.ts: im2col is done in
//   blocks of 64 output pixels, never for the whole output), and every i32 field of the Geom2d
//   and the padded extents (OH−1)·SH + KH, (OW−1)·SW + KW (the range of the kernels' ih, iw).

import type { Geom2d } from '../runtime/abi.js';
import { shown } from '../util/format.js';

export type Padding = 'same' | 'valid' | number;

export interface Window2d {
  kernel: readonly [number, number];
  stride: readonly [number, number];
  padding: Padding;
  /**
   * What slides the window (default 'conv'). A conv tap in the padding reads zero, so a conv
   * window may lie wholly in the padding (the classic NumPy exercise pads 2 around a 2x2
   * kernel), and its weights and scratch are size-checked. A pooling window in the padding
   * would have nothing to pool, so 'pool' requires padding < kernel, and has no weights.
   */
  kind?: 'conv' | 'pool';
}

function checkPositiveInts(what: string, values: readonly number[], label: string): void {
  for (const v of values) {
    if (!Number.isInteger(v) || v < 1) {
      throw new RangeError(`${label}: ${what} must be positive integers, got [${values.join(', ')}]`);
    }
  }
}

/** Output size along one axis and the padding before it. */
export function outputSize(inSize: number, k: number, s: number, padding: Padding): { out: number; padBefore: number } {
  if (padding === 'valid') return { out: Math.floor((inSize - k) / s) + 1, padBefore: 0 };
  if (padding === 'same') {
    const out = Math.ceil(inSize / s);
    const total = Math.max((out - 1) * s + k - inSize, 0);
    return { out, padBefore: Math.floor(total / 2) };
  }
  return { out: Math.floor((inSize + 2 * padding - k) / s) + 1, padBefore: padding };
}

export function checkPadding(padding: unknown, label: string): asserts padding is Padding {
  if (padding === 'same' || padding === 'valid') return;
  if (typeof padding === 'number' && Number.isInteger(padding) && padding >= 0) return;
  throw new TypeError(`${label}: padding must be 'same', 'valid' or a non-negative integer, got ${shown(padding)}`);
}

/**
 * Geometry of a conv (OC = output channels) or pooling (OC = C) window over input
 * [B, H, W, C]. Throws, naming `label`, when the window does not fit the input.
 */
export function windowGeom(input: readonly [number, number, number, number], OC: number, win: Window2d, label: string): Geom2d {
  const [B, H, W, C] = input;
  checkPositiveInts('input dimensions [B, H, W, C]', input, label);
  checkPositiveInts('kernel size', win.kernel, label);
  checkPositiveInts('strides', win.stride, label);
  checkPositiveInts('output channels', [OC], label);
  checkPadding(win.padding, label);
  const [KH, KW] = win.kernel;
  const [SH, SW] = win.stride;
  const h = outputSize(H, KH, SH, win.padding);
  const w = outputSize(W, KW, SW, win.padding);
  if (h.out < 1 || w.out < 1) {
    throw new RangeError(`${label}: a ${KH}x${KW} window with ${JSON.stringify(win.padding)} padding and stride ` +
      `${SH}x${SW} does not fit an input of ${H}x${W} (needs at least ${KH}x${KW} after padding)`);
  }
  const pool = win.kind === 'pool';
  if (pool && typeof win.padding === 'number' && (win.padding >= KH || win.padding >= KW)) {
    throw new RangeError(`${label}: padding ${win.padding} must be smaller than the kernel ${KH}x${KW}`);
  }
  const g: Geom2d = { B, H, W, C, OH: h.out, OW: w.out, OC, KH, KW, SH, SW, PT: h.padBefore, PL: w.padBefore };
  checkAddressable(g, pool, label);
  return g;
}

/** Elements (f32) below which every byte offset and i32 element index of a tensor stays below 2^31. */
export const MAX_TENSOR_ELEMENTS = 2 ** 29;
const I32_LIMIT = 2 ** 31;
/**
 * Output pixels per im2col block in the SIMD conv (BLOCK in assembly/conv2d/simd.ts; the
 * kernel-table test holds this copy to it through conv2d_scratch_bytes).
 */
export const CONV_SIMD_BLOCK = 64;

/** DIRECT_SCRATCH_CAP of assembly/conv2d/direct.ts: the direct kernels' most scratch, in f32. */
export const DIRECT_SCRATCH_CAP = 2 ** 20;

/**
 * f32 slots of scratch the SIMD conv asks for (conv2d_scratch_bytes / 4). The im2col path (see
 * the scratch layout in assembly/conv2d/simd.ts): packed weights, padded bias, one im2col block
 * and one padded dY block, OCp·Kp + OCp + MB·(Kp + OCp) with Kp, OCp = KH·KW·C, OC rounded up
 * to 4 and MB = min(CONV_SIMD_BLOCK, B·OH·OW). With C = 1 and SW = 1 the direct kernels
 * (assembly/conv2d/direct*.ts) take forward and backward_filter, and with SH = 1 and OC < 16
 * backward_input too; they need the padded image, dy transposed and the filter's partial sums,
 * or dy padded, and take the geometry only while that is at most DIRECT_SCRATCH_CAP floats.
 * backward_input with unit strides, C ≥ 2 and OC ≤ 32 takes the batch-lanes kernel
 * (assembly/conv2d/input-lanes.ts) under the same cap.
 */
export function convScratchFloats(g: Geom2d): number {
  const other = convScratchFloatsIm2colDirect(g);
  // backward_input's batch-lanes kernel (lanesInputApplies in assembly/conv2d/simd.ts): the
  // filter transposed to [KH·KW][OC][C rounded up to 4], then dy of 16 (C ≤ 3) or 8 samples
  // transposed, or (same place, input-pixels.ts) one sample's dy with padded columns.
  if (g.SH !== 1 || g.SW !== 1 || g.OC > 32) return other;
  const dLanes = g.OH * g.OW * g.OC * 4 * (g.C <= 3 ? 4 : 2);
  const dPixels = g.C === 1
    ? g.OC * (g.OH + 2 * (g.KH - 1)) * (Math.ceil(g.W / 4) * 4 + g.PL + 2 * (g.KW - 1)) // direct-input.ts
    : g.OH * (g.OW + 2 * (g.KW - 1) + 3) * g.OC;
  const lanes = g.KH * g.KW * g.OC * Math.ceil(g.C / 4) * 4 + Math.max(dLanes, dPixels);
  return lanes > DIRECT_SCRATCH_CAP ? other : Math.max(other, lanes);
}

function convScratchFloatsIm2colDirect(g: Geom2d): number {
  const up4 = (n: number) => Math.ceil(n / 4) * 4;
  const Kp = up4(g.KH * g.KW * g.C);
  const OCp = up4(g.OC);
  const MB = Math.min(CONV_SIMD_BLOCK, g.B * g.OH * g.OW);
  const im2col = OCp * Kp + OCp + MB * (Kp + OCp);
  if (g.C !== 1 || g.SW !== 1) return im2col;
  const OV = Math.ceil(g.OW / 4);
  const padded = up4(((g.OH - 1) * g.SH + g.KH) * (4 * OV + g.KW - 1));
  const filter = padded + g.OH * OV * g.OC * 4 + (g.KH * g.KW * g.OC + g.OC) * 4;
  const inputDirect = g.SH === 1 && g.OC < 16;
  const input = inputDirect ? g.OC * (g.OH + 2 * (g.KH - 1)) * (up4(g.W) + g.PL + 2 * (g.KW - 1)) : 0;
  const direct = Math.max(filter, input);
  if (direct > DIRECT_SCRATCH_CAP) return im2col; // too big: the im2col path takes it
  return inputDirect ? direct : Math.max(direct, im2col); // else backward_input takes im2col
}

function checkAddressable(g: Geom2d, pool: boolean, label: string): void {
  const { B, H, W, C, OH, OW, OC, KH, KW, SH, SW } = g;
  const sizes: [string, number, string][] = [
    ['input', B * H * W * C, `[B, H, W, C] = [${B}, ${H}, ${W}, ${C}]`],
    ['output', B * OH * OW * OC, `[B, OH, OW, OC] = [${B}, ${OH}, ${OW}, ${OC}]`],
  ];
  if (!pool) {
    const Kp = Math.ceil((KH * KW * C) / 4) * 4;
    const OCp = Math.ceil(OC / 4) * 4;
    const MB = Math.min(CONV_SIMD_BLOCK, B * OH * OW);
    sizes.push(['weights', KH * KW * C * OC, `[KH, KW, C, OC] = [${KH}, ${KW}, ${C}, ${OC}]`]);
    sizes.push(['conv scratch', convScratchFloats(g), `(packed weights [${Kp}][${OCp}] and ${MB}-pixel im2col blocks)`]);
  }
  for (const [what, n, shape] of sizes) {
    if (n >= MAX_TENSOR_ELEMENTS) {
      throw new RangeError(`${label}: the ${what} ${shape} would hold ${n} f32 values (${4 * n} bytes); ` +
        `wasm32 kernels address less than 2^31 bytes, so it must be below 2^29 = ${MAX_TENSOR_ELEMENTS} values`);
    }
  }
  // Reached only with huge strides, padding or pooling windows (the products above bound the rest).
  const extents: [string, number][] = [
    ['padded input height (OH−1)·SH + KH', (OH - 1) * SH + KH], ['padded input width (OW−1)·SW + KW', (OW - 1) * SW + KW],
    ['top padding', g.PT], ['left padding', g.PL], ['vertical stride', SH], ['horizontal stride', SW],
  ];
  for (const [what, v] of extents) {
    if (v >= I32_LIMIT) throw new RangeError(`${label}: the ${what} is ${v}; the kernels index with i32, so it must be below 2^31`);
  }
}
