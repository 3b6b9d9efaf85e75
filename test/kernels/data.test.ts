// Data-movement kernels: gather_rows (f32 rows by index) and gather_rows_u8 (byte rows,
// converted and normalised). Both are exact operations, so every comparison is bit for bit:
//   gather_rows copies bits;
//   gather_rows_u8 computes f32(f32(u8)·a) + b in f32. In JS, Math.fround(u·a) is that product
//   correctly rounded (u·a is exact in f64: 8 × 24 bits), and Math.fround(p + b) of two f32s
//   summed in f64 is the correctly rounded f32 sum (f64 has more than 2·24 + 2 bits), so the
//   emulation is exact and the kernels must match it bit for bit, in both builds.

import { describe, expect, it } from 'vitest';
import { getRuntime } from '../helpers/runtime.js';
import { makeRng, randomArray } from '../helpers/rng.js';
import { expectBitIdentical } from '../helpers/compare.js';

describe('gather_rows / gather_rows_u8', () => {
  for (const rowLen of [1, 3, 15, 16, 17, 33, 784]) {
    it(`rowLen=${rowLen}: picks the indexed rows (with repeats) and nothing else`, async () => {
      const rt = await getRuntime();
      const mark = rt.arena.mark();
      try {
        const count = 20, rows = 13;
        const rng = makeRng(rowLen);
        const src = Float32Array.from(randomArray(rng, count * rowLen, -3, 3));
        const bytes = Uint8Array.from({ length: count * rowLen }, () => Math.floor(rng() * 256));
        bytes[0] = 0; bytes[1 % bytes.length] = 255;
        const idx = Int32Array.from({ length: rows }, (_, r) => (r === 0 ? 0 : r === 1 ? count - 1 : Math.floor(rng() * count)));
        idx[rows - 1] = idx[2]!; // a repeated index
        const srcp = rt.arena.allocF32(src.length); rt.arena.f32(srcp, src.length).set(src);
        const bp = rt.arena.alloc(bytes.length + 1); rt.arena.u8(bp + 1, bytes.length).set(bytes); // odd address on purpose
        const ip = rt.arena.alloc(rows * 4); rt.arena.i32(ip, rows).set(idx);
        const a = Math.fround(1 / 255), b = Math.fround(-0.1307);

        const want = new Float32Array(rows * rowLen);
        const wantU8 = new Float32Array(rows * rowLen);
        for (let r = 0; r < rows; r++) {
          for (let j = 0; j < rowLen; j++) {
            want[r * rowLen + j] = src[idx[r]! * rowLen + j]!;
            wantU8[r * rowLen + j] = Math.fround(Math.fround(bytes[idx[r]! * rowLen + j]! * a) + b);
          }
        }
        for (const [name, k] of [['naive', rt.naive], ['simd', rt.simd!]] as const) {
          const n = rows * rowLen;
          const dp = rt.arena.allocF32(n + 4);
          rt.arena.f32(dp, n + 4).fill(NaN);
          k.gather_rows(dp, srcp, ip, rows, rowLen);
          expectBitIdentical(rt.arena.f32(dp, n), want, `${name} gather_rows`);
          expect(rt.arena.f32(dp + n * 4, 4).every(Number.isNaN), `${name} gather_rows wrote past the end`).toBe(true);
          rt.arena.f32(dp, n + 4).fill(NaN);
          k.gather_rows_u8(dp, bp + 1, ip, rows, rowLen, a, b);
          expectBitIdentical(rt.arena.f32(dp, n), wantU8, `${name} gather_rows_u8`);
          expect(rt.arena.f32(dp + n * 4, 4).every(Number.isNaN), `${name} gather_rows_u8 wrote past the end`).toBe(true);
        }
      } finally { rt.arena.release(mark); }
    });
  }

  it('rows = 0 writes nothing', async () => {
    const rt = await getRuntime();
    const mark = rt.arena.mark();
    try {
      const dp = rt.arena.allocF32(4);
      rt.arena.f32(dp, 4).fill(NaN);
      for (const k of [rt.naive, rt.simd!]) {
        k.gather_rows(dp, dp, dp, 0, 4);
        k.gather_rows_u8(dp, dp, dp, 0, 4, 1, 0);
      }
      expect(rt.arena.f32(dp, 4).every(Number.isNaN)).toBe(true);
    } finally { rt.arena.release(mark); }
  });
});
