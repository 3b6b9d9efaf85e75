// Pixel helpers: resizing, tile grids, tensor → tiles, min-max normalisation, the XML checker.
import { describe, expect, it } from 'vitest';
import { makeRng, randomArray } from '../helpers/rng.js';
import { resizeGray } from '../../src/image/resize.js';
import { GAP_COLOR, tileGrid } from '../../src/image/grid.js';
import { featureMapTiles, filterTiles, scaleToAtLeast } from '../../src/image/tensor-tiles.js';
import { normalizeMinMax, toByte, upscaleNearest } from '../../src/image/image.js';
import { parseXml } from './xml.js';

// Resampling sums a handful of f64 products and stores f32: the only error is the final
// rounding to f32, ≤ 2^-24 relative for values in [0, 1], so 1e-6 absolute is a safe bound.
const F32_TOL = 1e-6;

describe('resizeGray', () => {
  it('area-averages 2×2 blocks exactly when halving (56×56 → 28×28)', () => {
    const rng = makeRng(11);
    const H = 56, W = 56;
    const src = Float32Array.from(randomArray(rng, H * W, 0, 1));
    const out = resizeGray(src, H, W, 28, 28);
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        const want = (src[2 * y * W + 2 * x]! + src[2 * y * W + 2 * x + 1]! + src[(2 * y + 1) * W + 2 * x]! + src[(2 * y + 1) * W + 2 * x + 1]!) / 4;
        expect(Math.abs(out[y * 28 + x]! - want), `(${y},${x})`).toBeLessThanOrEqual(F32_TOL);
      }
    }
  });

  it('keeps the mean for a non-integer shrink (37×23 → 28×28 in y, 23 → 10 in x)', () => {
    const rng = makeRng(12);
    const src = Float32Array.from(randomArray(rng, 37 * 23, 0, 1));
    const out = resizeGray(src, 37, 23, 28, 10);
    const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
    // Area weights sum to 1 per output and every source pixel contributes exactly its area,
    // so the means agree up to f32 rounding of each output (≤ 1e-6 each, averaged).
    expect(Math.abs(mean(out) - mean(src))).toBeLessThanOrEqual(F32_TOL);
  });

  it('leaves a same-size image unchanged and a constant image constant', () => {
    const src = Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
    expect(Array.from(resizeGray(src, 2, 3, 2, 3))).toEqual(Array.from(src));
    const c = new Float32Array(9 * 7).fill(0.25);
    for (const v of resizeGray(c, 9, 7, 28, 28)) expect(Math.abs(v - 0.25)).toBeLessThanOrEqual(F32_TOL);
    for (const v of resizeGray(c, 9, 7, 4, 3)) expect(Math.abs(v - 0.25)).toBeLessThanOrEqual(F32_TOL);
  });

  it('interpolates bilinearly with half-pixel centres when growing (1×2 → 1×4)', () => {
    const out = resizeGray(Float32Array.from([0, 1]), 1, 2, 1, 4);
    // Output centres map to source x = -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1).
    const want = [0, 0.25, 0.75, 1];
    want.forEach((w, i) => expect(Math.abs(out[i]! - w), `x=${i}`).toBeLessThanOrEqual(F32_TOL));
  });

  it('rejects a size mismatch with a message naming it', () => {
    expect(() => resizeGray(new Float32Array(10), 3, 3, 2, 2)).toThrow(/10 values, expected 3·3 = 9/);
    expect(() => resizeGray(new Float32Array(9), 3, 3, 0, 2)).toThrow(/outH must be a positive integer/);
  });
});

describe('normalizeMinMax / upscaleNearest / toByte', () => {
  it('maps min→0 and max→1 and a constant to the given value', () => {
    const n = normalizeMinMax([2, 4, 3]);
    expect(Array.from(n)).toEqual([0, 1, 0.5]);
    expect(Array.from(normalizeMinMax([0, 0, 0]))).toEqual([0, 0, 0]);
    expect(Array.from(normalizeMinMax([7, 7], 0.5))).toEqual([0.5, 0.5]);
    expect(Array.from(normalizeMinMax([NaN, 1, 3]))).toEqual([0, 0, 1]);
  });

  it('upscales each pixel into a scale×scale block', () => {
    const img = upscaleNearest({ data: Float32Array.from([1, 2, 3, 4, 5, 6]), height: 1, width: 2, channels: 3 }, 2);
    expect(img.height).toBe(2);
    expect(img.width).toBe(4);
    expect(Array.from(img.data)).toEqual([1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6, 1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6]);
  });

  it('quantises with clamping and NaN → 0', () => {
    expect([-1, 0, 0.5, 1, 2, NaN].map(toByte)).toEqual([0, 0, 128, 255, 255, 0]);
  });
});

describe('tileGrid', () => {
  it('places tiles row-major with gaps of the gap colour and reports their rectangles', () => {
    const t = (v: number) => ({ data: new Float32Array(2 * 3).fill(v), height: 2, width: 3, channels: 1 as const });
    const g = tileGrid([t(0.1), t(0.2), t(0.3)], { columns: 2, scale: 2, gap: 1 });
    // Tiles are 6 wide × 4 high after scaling: width = 1 + 2·(6 + 1) = 15, height = 1 + 2·(4 + 1) = 11.
    expect([g.image.width, g.image.height, g.columns, g.rows]).toEqual([15, 11, 2, 2]);
    expect(g.rects).toEqual([
      { x: 1, y: 1, width: 6, height: 4 },
      { x: 8, y: 1, width: 6, height: 4 },
      { x: 1, y: 6, width: 6, height: 4 },
    ]);
    const px = (x: number, y: number) => Array.from(g.image.data.subarray((y * 15 + x) * 3, (y * 15 + x) * 3 + 3));
    const f32 = (v: number) => Math.fround(v);
    expect(px(1, 1)).toEqual([f32(0.1), f32(0.1), f32(0.1)]);
    expect(px(13, 4)).toEqual([f32(0.2), f32(0.2), f32(0.2)]);
    expect(px(6, 9)).toEqual([f32(0.3), f32(0.3), f32(0.3)]);
    // Gap between tiles, the outer margin, and the empty fourth cell are all gap colour.
    for (const [x, y] of [[7, 2], [0, 0], [10, 8], [14, 10]] as const) {
      expect(px(x, y), `gap at ${x},${y}`).toEqual(GAP_COLOR.map(f32));
    }
  });

  it('rejects tiles of different sizes', () => {
    const a = { data: new Float32Array(4), height: 2, width: 2, channels: 1 as const };
    const b = { data: new Float32Array(6), height: 2, width: 3, channels: 1 as const };
    expect(() => tileGrid([a, b])).toThrow(/tile 1: size 2x3 differs from tile 0's 2x2/);
    expect(() => tileGrid([])).toThrow(/no tiles/);
  });
});

describe('filterTiles / featureMapTiles', () => {
  it('reads HWIO filters: one gray tile per output channel, min-max normalised', () => {
    const KH = 2, KW = 3, C = 1, OC = 2;
    const w = new Float32Array(KH * KW * C * OC);
    // Filter oc=0 holds kh·KW + kw; filter oc=1 holds its negation, so its normalised tile is reversed.
    for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
      w[((kh * KW + kw) * C + 0) * OC + 0] = kh * KW + kw;
      w[((kh * KW + kw) * C + 0) * OC + 1] = -(kh * KW + kw);
    }
    const t = filterTiles(w, KH, KW, C, OC);
    expect(t.tiles.length).toBe(2);
    expect(Array.from(t.tiles[0]!.data)).toEqual([0, 1, 2, 3, 4, 5].map((v) => Math.fround(v / 5)));
    expect(Array.from(t.tiles[1]!.data)).toEqual([5, 4, 3, 2, 1, 0].map((v) => Math.fround(v / 5)));
  });

  it('shows C = 3 filters as RGB tiles and other C as one tile per (oc, c)', () => {
    const rng = makeRng(3);
    const rgb = filterTiles(Float32Array.from(randomArray(rng, 3 * 3 * 3 * 4)), 3, 3, 3, 4);
    expect(rgb.tiles.map((t) => t.channels)).toEqual([3, 3, 3, 3]);
    const wide = filterTiles(Float32Array.from(randomArray(rng, 3 * 3 * 2 * 5)), 3, 3, 2, 5);
    expect(wide.tiles.length).toBe(10);
    expect(wide.columns).toBe(2);
    expect(wide.labels[3]).toBe('oc 1, c 1');
  });

  it('gives each feature-map channel its own tile; a constant channel is black', () => {
    const H = 2, W = 2, C = 3;
    const a = new Float32Array(H * W * C);
    for (let p = 0; p < H * W; p++) { a[p * C] = p; a[p * C + 1] = 0; a[p * C + 2] = 10 - p; }
    const t = featureMapTiles(a, H, W, C);
    expect(Array.from(t.tiles[0]!.data)).toEqual([0, 1, 2, 3].map((v) => Math.fround(v / 3)));
    expect(Array.from(t.tiles[1]!.data)).toEqual([0, 0, 0, 0]);
    expect(Array.from(t.tiles[2]!.data)).toEqual([3, 2, 1, 0].map((v) => Math.fround(v / 3)));
  });

  it('rejects a data length that does not match the dims', () => {
    expect(() => filterTiles(new Float32Array(24), 5, 5, 1, 1)).toThrow(/24 values, expected KH·KW·C·OC \(HWIO\) = 5·5·1·1 = 25/);
    expect(() => featureMapTiles(new Float32Array(8), 2, 2, 0)).toThrow(/C must be a positive integer/);
  });

  it('picks an integer scale so a tile is at least the asked width', () => {
    expect([scaleToAtLeast(5, 64), scaleToAtLeast(28, 72), scaleToAtLeast(100, 64)]).toEqual([13, 3, 1]);
  });
});

describe('parseXml (the test helper that checks SVG well-formedness)', () => {
  it('accepts well-formed input and decodes entities', () => {
    const r = parseXml('<svg a="1"><g><text x=\'2\'>a &amp; b &#60;</text><rect/></g></svg>\n');
    expect(r.name).toBe('svg');
    expect(r.children[0]!.children[0]!.text).toBe('a & b <');
    expect(r.children[0]!.children[1]!.name).toBe('rect');
  });

  it.each([
    ['<svg><g></svg>', /mismatched/],
    ['<svg><g>', /unclosed <g>/],
    ['<svg></svg></svg>', /nothing open/],
    ['<svg>a & b</svg>', /bare '&'/],
    ['<svg>a > b</svg>', /raw '>'/],
    ['<svg a="1" a="2"/>', /duplicate attribute/],
    ['<svg a=1/>', /not quoted/],
    ['<svg/><svg/>', /second root/],
    ['<svg>&nbsp;</svg>', /unknown entity/],
  ])('rejects %s', (src, re) => {
    expect(() => parseXml(src)).toThrow(re);
  });
});
