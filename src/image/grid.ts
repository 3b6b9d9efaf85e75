// Lays equally sized tiles out on a grid, upscaled by an integer factor, with a coloured gap
// between and around them. The result is always RGB (the gap colour is not gray, so it
// reads as a border next to any gray tile). Tile i sits at row ⌊i/columns⌋, column i mod columns.
//
//   x(col) = gap + col·(tileWidth·scale + gap),  y(row) = gap + row·(tileHeight·scale + gap)
//   width  = gap + columns·(tileWidth·scale + gap), height likewise with rows.

import { checkImage, isPositiveInt, type ImageF32 } from './image.js';

/** RGB in [0, 1]. A muted slate blue: distinct from every gray level a tile can show. */
export const GAP_COLOR: readonly [number, number, number] = [0x5a / 255, 0x64 / 255, 0x82 / 255];

export interface GridOptions {
  /** Tiles per row; default ⌈√n⌉ (a near-square grid). */
  columns?: number;
  /** Integer nearest-neighbour upscale of each tile; default 1. */
  scale?: number;
  /** Gap in output pixels between tiles and around the edge; default 2. */
  gap?: number;
  gapColor?: readonly [number, number, number];
}

export interface TileRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Grid {
  image: ImageF32;
  /** Where each tile landed, in output pixels. */
  rects: TileRect[];
  columns: number;
  rows: number;
}

export function tileGrid(tiles: readonly ImageF32[], opts: GridOptions = {}): Grid {
  if (tiles.length === 0) throw new RangeError('tileGrid: no tiles given');
  const first = tiles[0]!;
  tiles.forEach((t, i) => {
    checkImage(t, `tile ${i}`);
    if (t.height !== first.height || t.width !== first.width) {
      throw new RangeError(`tile ${i}: size ${t.height}x${t.width} differs from tile 0's ${first.height}x${first.width}`);
    }
  });
  const scale = opts.scale ?? 1;
  const gap = opts.gap ?? 2;
  const columns = Math.min(tiles.length, opts.columns ?? Math.ceil(Math.sqrt(tiles.length)));
  if (!isPositiveInt(scale)) throw new RangeError(`tileGrid: scale must be a positive integer, got ${scale}`);
  if (!Number.isInteger(gap) || gap < 0) throw new RangeError(`tileGrid: gap must be an integer ≥ 0, got ${gap}`);
  if (!isPositiveInt(columns)) throw new RangeError(`tileGrid: columns must be a positive integer, got ${opts.columns}`);
  const gapColor = opts.gapColor ?? GAP_COLOR;

  const rows = Math.ceil(tiles.length / columns);
  const tw = first.width * scale;
  const th = first.height * scale;
  const W = gap + columns * (tw + gap);
  const H = gap + rows * (th + gap);
  const data = new Float32Array(H * W * 3);
  for (let p = 0; p < H * W; p++) {
    data[p * 3] = gapColor[0];
    data[p * 3 + 1] = gapColor[1];
    data[p * 3 + 2] = gapColor[2];
  }
  const rects: TileRect[] = [];
  tiles.forEach((t, i) => {
    const x0 = gap + (i % columns) * (tw + gap);
    const y0 = gap + Math.floor(i / columns) * (th + gap);
    rects.push({ x: x0, y: y0, width: tw, height: th });
    for (let oy = 0; oy < th; oy++) {
      const sy = Math.floor(oy / scale);
      for (let ox = 0; ox < tw; ox++) {
        const s = (sy * t.width + Math.floor(ox / scale)) * t.channels;
        const d = ((y0 + oy) * W + x0 + ox) * 3;
        if (t.channels === 1) {
          const v = t.data[s]!;
          data[d] = v;
          data[d + 1] = v;
          data[d + 2] = v;
        } else {
          data[d] = t.data[s]!;
          data[d + 1] = t.data[s + 1]!;
          data[d + 2] = t.data[s + 2]!;
        }
      }
    }
  });
  return { image: { data, height: H, width: W, channels: 3 }, rects, columns, rows };
}
