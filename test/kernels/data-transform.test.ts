// standardize_channels and gather_rows_shift (assembly/data): both are exact operations, so every
// comparison is bit for bit, in both builds, against a TypeScript emulation:
//   standardize_channels computes f32(f32(x − m) / s). For two f32 operands, the f64 difference
//   and quotient rounded to f32 (Math.fround) are the correctly rounded f32 results (f64 carries
//   more than 2·24 + 2 bits), so Math.fround(Math.fround(x − m) / s) is exact emulation.
//   gather_rows_shift copies bits and writes fill values; the shift of each sample comes from
//   sampleShift (src/train/augment.ts), the TypeScript twin of the kernel's hash.

import { describe, expect, it } from 'vitest';
import { getRuntime } from '../helpers/runtime.js';
import { makeRng, randomArray } from '../helpers/rng.js';
import { expectBitIdentical } from '../helpers/compare.js';
import { writeGeom } from '../../src/runtime/abi.js';
import { sampleShift, shiftKey } from '../../src/train/augment.js';

const geomOf = (H: number, W: number, C: number) => ({ B: 0, H, W, C, OH: 0, OW: 0, OC: 0, KH: 0, KW: 0, SH: 0, SW: 0, PT: 0, PL: 0 });

describe('standardize_channels', () => {
  for (const C of [1, 3, 4, 5, 8]) {
    for (const pixels of [1, 3, 7, 64]) {
      it(`C=${C}, ${pixels} pixels: (x − mean[c]) / std[c], naive and SIMD bit-identical to the f32 emulation, in place and not`, async () => {
        const rt = await getRuntime();
        const mark = rt.arena.mark();
        try {
          const rng = makeRng(C * 100 + pixels);
          const n = C * pixels;
          const x = Float32Array.from(randomArray(rng, n, -2, 3));
          const mean = Float32Array.from(randomArray(rng, C, -1, 1));
          const std = Float32Array.from(randomArray(rng, C, 0.05, 2));
          const want = x.map((v, i) => Math.fround(Math.fround(v - mean[i % C]!) / std[i % C]!));
          const xp = rt.arena.allocF32(n); const mp = rt.arena.allocF32(C); const sp = rt.arena.allocF32(C);
          rt.arena.f32(mp, C).set(mean); rt.arena.f32(sp, C).set(std);
          const yp = rt.arena.allocF32(n + 4);
          for (const [name, k] of [['naive', rt.naive], ['simd', rt.simd!]] as const) {
            rt.arena.f32(xp, n).set(x);
            rt.arena.f32(yp, n + 4).fill(NaN);
            k.standardize_channels(yp, xp, n, C, mp, sp);
            expectBitIdentical(rt.arena.f32(yp, n), want, `${name} y`);
            expect(rt.arena.f32(yp + 4 * n, 4).every(Number.isNaN), `${name} wrote past the end`).toBe(true);
            expectBitIdentical(rt.arena.f32(xp, n), x, `${name} left x alone`);
            k.standardize_channels(xp, xp, n, C, mp, sp);
            expectBitIdentical(rt.arena.f32(xp, n), want, `${name} in place`);
          }
        } finally { rt.arena.release(mark); }
      });
    }
  }
});

/** The reference: sample s of src (H×W×C images) moved by sampleShift(key, s, m), fill[c] outside. */
function shiftedRef(src: Float32Array, s: number, H: number, W: number, C: number, fill: Float32Array, key: number, m: number): Float32Array {
  const { dy, dx } = sampleShift(key, s, m);
  const out = new Float32Array(H * W * C);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      for (let c = 0; c < C; c++) {
        const sy = y - dy, sx = x - dx;
        out[(y * W + x) * C + c] = sy >= 0 && sy < H && sx >= 0 && sx < W ? src[s * H * W * C + (sy * W + sx) * C + c]! : fill[c]!;
      }
    }
  }
  return out;
}

describe('gather_rows_shift', () => {
  const shapes: [number, number, number][] = [[28, 28, 1], [5, 7, 3], [4, 4, 4], [1, 1, 2]];
  for (const [H, W, C] of shapes) {
    for (const m of [0, 1, 2, 5]) {
      it(`${H}x${W}x${C}, maxShift ${m}: each row is its sample moved by sampleShift, blank pixels filled, both builds`, async () => {
        const rt = await getRuntime();
        const mark = rt.arena.mark();
        try {
          const rng = makeRng(H * 1000 + W * 10 + C + m);
          const count = 30, rows = 17, size = H * W * C;
          const src = Float32Array.from(randomArray(rng, count * size, -3, 3));
          const fill = Float32Array.from({ length: C }, (_, c) => -10 - c); // not a value src holds
          const idx = Int32Array.from({ length: rows }, () => Math.floor(rng() * count));
          idx[rows - 1] = idx[0]!; // a repeat moves the same way
          const key = shiftKey(7, 3);
          const sp = rt.arena.allocF32(src.length); rt.arena.f32(sp, src.length).set(src);
          const fp = rt.arena.allocF32(C); rt.arena.f32(fp, C).set(fill);
          const ip = rt.arena.alloc(rows * 4); rt.arena.i32(ip, rows).set(idx);
          const gp = rt.arena.alloc(64); writeGeom(rt.arena.memory, gp, geomOf(H, W, C));
          const want = new Float32Array(rows * size);
          for (let r = 0; r < rows; r++) want.set(shiftedRef(src, idx[r]!, H, W, C, fill, key, m), r * size);
          const dp = rt.arena.allocF32(rows * size + 4);
          for (const [name, k] of [['naive', rt.naive], ['simd', rt.simd!]] as const) {
            rt.arena.f32(dp, rows * size + 4).fill(NaN);
            k.gather_rows_shift(dp, sp, ip, rows, gp, fp, key, m);
            expectBitIdentical(rt.arena.f32(dp, rows * size), want, `${name}`);
            expect(rt.arena.f32(dp + 4 * rows * size, 4).every(Number.isNaN), `${name} wrote past the end`).toBe(true);
            if (m === 0) {
              k.gather_rows(dp, sp, ip, rows, size);
              expectBitIdentical(rt.arena.f32(dp, rows * size), want, `${name}: maxShift 0 is gather_rows`);
            }
          }
        } finally { rt.arena.release(mark); }
      });
    }
  }

  it('sampleShift: every shift in [−2, 2]² occurs about equally often, and keys differ by seed and epoch', () => {
    const counts = new Map<string, number>();
    const N = 25_000;
    const key = shiftKey(0, 0);
    let outside = 0;
    for (let s = 0; s < N; s++) {
      const { dy, dx } = sampleShift(key, s, 2);
      if (Math.abs(dy) > 2 || Math.abs(dx) > 2) outside++;
      counts.set(`${dy},${dx}`, (counts.get(`${dy},${dx}`) ?? 0) + 1);
    }
    expect(outside).toBe(0);
    expect(counts.size).toBe(25);
    // Expected 1000 each; a binomial(25000, 1/25) has σ ≈ 31, so ±150 is ~5σ.
    for (const [k, c] of counts) expect(Math.abs(c - N / 25), `shift ${k}`).toBeLessThan(150);
    const keys = new Set([shiftKey(0, 0), shiftKey(0, 1), shiftKey(1, 0), shiftKey(1, 1)]);
    expect(keys.size).toBe(4);
    // Different epochs move the same sample differently (most of the time).
    let same = 0;
    for (let s = 0; s < 1000; s++) {
      const a = sampleShift(shiftKey(0, 0), s, 2), b = sampleShift(shiftKey(0, 1), s, 2);
      if (a.dx === b.dx && a.dy === b.dy) same++;
    }
    expect(same).toBeLessThan(100); // 1/25 = 40 expected
  });
});
