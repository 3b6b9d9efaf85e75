// Loss kernels (one implementation, exported by both builds): against the f64 reference, at
// extreme logits, and dz against a finite-difference gradient of the loss the kernel returns.
//
// Tolerances:
//   returned loss vs f64: relative 1e-12. The kernel computes in f64 from the same f32
//     inputs; its table-free exp/log1p are within a few f64 ulps (2^-52), summed over ≤ 320
//     terms: ≤ ~1e-13 relative, so 1e-12 leaves a factor 10.
//   p and dz vs f64: each is an f64 value rounded once to f32 (≤ 2^-24 relative) after a few
//     f64 ulps of error, so rtol 2^-23 with atol 1e-30 (for values that underflow).
//   (STYLE.md allows rtol 1e-5 for softmax cross-entropy; computing in f64 earns the tighter one.)
//   naive vs SIMD build: identical bits (the same function is exported by both).
//   dz vs finite differences of the returned loss (wasm, f32 logits): see the test's comment.

import { describe, expect, it } from 'vitest';
import { getRuntime } from '../helpers/runtime.js';
import { makeRng, randomArray } from '../helpers/rng.js';
import { expectBitIdentical, expectWithin, relTol } from '../helpers/compare.js';
import type { Runtime } from '../../src/runtime/load.js';
import { softmaxXentRef, sigmoidBceRef, argmaxRowsRef } from '../reference/loss.js';
import { putF32 as put, putI32 } from '../helpers/memory.js';

const EPS = 2 ** -24;


function xent(rt: Runtime, z: Float32Array, labels: ArrayLike<number>, rows: number, N: number, scale: number) {
  const zp = put(rt, z), lp = putI32(rt, labels);
  const out = [];
  for (const k of [rt.naive, rt.simd!]) {
    const pp = rt.arena.allocF32(rows * N), dzp = rt.arena.allocF32(rows * N);
    const loss = k.softmax_xent(pp, dzp, zp, lp, rows, N, scale);
    out.push({ loss, p: rt.arena.f32(pp, rows * N).slice(), dz: rt.arena.f32(dzp, rows * N).slice() });
  }
  expect(out[1]!.loss, 'simd build loss equals naive').toBe(out[0]!.loss);
  expectBitIdentical(out[1]!.p, out[0]!.p, 'simd build p vs naive');
  expectBitIdentical(out[1]!.dz, out[0]!.dz, 'simd build dz vs naive');
  return { ...out[0]!, zp, lp };
}

describe('softmax_xent', () => {
  for (const [rows, N] of [[1, 2], [1, 10], [32, 10], [7, 13], [3, 1]] as const) {
    it(`matches the f64 reference, rows=${rows} N=${N}`, async () => {
      const rt = await getRuntime();
      const mark = rt.arena.mark();
      try {
        const rng = makeRng(rows * 31 + N);
        const z = Float32Array.from(randomArray(rng, rows * N, -5, 5));
        const labels = Int32Array.from({ length: rows }, () => Math.floor(rng() * N));
        const scale = 1 / rows;
        const got = xent(rt, z, labels, rows, N, Math.fround(scale));
        const ref = softmaxXentRef(z, labels, rows, N, Math.fround(scale));
        expect(Math.abs(got.loss - ref.loss)).toBeLessThanOrEqual(1e-12 * Math.abs(ref.loss) + 1e-300);
        expectWithin(got.p, ref.p, relTol(ref.p, 2 * EPS, 1e-30), 'p vs f64');
        expectWithin(got.dz, ref.dz, relTol(ref.dz, 2 * EPS, 1e-30), 'dz vs f64');
      } finally { rt.arena.release(mark); }
    });
  }

  it('skips p and dz when their pointers are 0, returning the same loss', async () => {
    const rt = await getRuntime();
    const mark = rt.arena.mark();
    try {
      const z = Float32Array.from(randomArray(makeRng(4), 40, -3, 3));
      const labels = [1, 9, 0, 4];
      const full = xent(rt, z, labels, 4, 10, 1);
      const before = rt.arena.f32(0, 4).slice(); // bytes 0..15 are never handed out
      expect(rt.naive.softmax_xent(0, 0, full.zp, full.lp, 4, 10, 1)).toBe(full.loss);
      const dzp = rt.arena.allocF32(40);
      expect(rt.naive.softmax_xent(0, dzp, full.zp, full.lp, 4, 10, 1)).toBe(full.loss);
      expectBitIdentical(rt.arena.f32(dzp, 40), full.dz, 'dz with p skipped');
      expectBitIdentical(rt.arena.f32(0, 4), before, 'nothing written at offset 0');
    } finally { rt.arena.release(mark); }
  });

  it('is finite at logits ±1000, ±1e30 and ±3e38, and agrees with f64 there', async () => {
    const rt = await getRuntime();
    const mark = rt.arena.mark();
    try {
      const N = 4;
      const z = Float32Array.from([
        1000, -1000, 0, 999,      // label 1: loss ≈ 2000
        1000, -1000, 0, 999,      // label 0: loss ≈ log(1 + e^-1)
        1e30, -1e30, 5, -5,       // label 1: loss 2e30
        3e38, -3e38, 3e38, 0,     // label 1: loss 6e38 (only representable because it is f64)
        -1000, -1000, -1000, -1000, // all equal: loss log 4
      ]);
      const labels = [1, 0, 1, 1, 2];
      const got = xent(rt, z, labels, 5, N, 1);
      const ref = softmaxXentRef(z, labels, 5, N, 1);
      expect(Number.isFinite(got.loss)).toBe(true);
      for (const v of [...got.p, ...got.dz]) expect(Number.isFinite(v)).toBe(true);
      expect(Math.abs(got.loss - ref.loss)).toBeLessThanOrEqual(1e-12 * ref.loss);
      expectWithin(got.p, ref.p, relTol(ref.p, 2 * EPS, 1e-30), 'p at extremes');
      expectWithin(got.dz, ref.dz, relTol(ref.dz, 2 * EPS, 1e-30), 'dz at extremes');
      expect(got.dz[4 * 3 + 0]).toBeCloseTo(0.5, 6); // two tied maxima share the probability
    } finally { rt.arena.release(mark); }
  });

  it('flags a label outside [0, N) with a NaN loss', async () => {
    const rt = await getRuntime();
    const mark = rt.arena.mark();
    try {
      const z = Float32Array.from(randomArray(makeRng(9), 20, -1, 1));
      expect(Number.isNaN(xent(rt, z, [3, 10], 2, 10, 1).loss)).toBe(true);
      expect(Number.isNaN(xent(rt, z, [-1, 0], 2, 10, 1).loss)).toBe(true);
    } finally { rt.arena.release(mark); }
  });

  for (const [what, lo, hi, h] of [['moderate', -4, 4, 2 ** -10], ['±1000', -1000, 1000, 2 ** -6]] as const) {
    it(`dz (scale 1) equals the finite-difference gradient of the returned loss, ${what} logits`, async () => {
      // Central differences on the f32 logits: z_j ± h with h a power of two at least the ulp of
      // every |z| (≤ 2^-21 for |z| ≤ 4, ≤ 2^-13 for |z| ≤ 1000), so z ± h is exact in f32.
      // Error sources: the returned loss is f64 with ~1e-15 relative error, so the quotient is
      // off by ≤ 2e-15·|L|/(2h): ≈ 1e-11 (|L| ≈ 10, h = 2^-10) and ≈ 2e-10 (|L| ≈ 3000, h = 2^-6).
      // Truncation is h²/6·|∂³L| with |∂³L| ≤ 1 for softmax: 1.6e-7 at h = 2^-10; at ±1000 the
      // logits are hundreds apart, the softmax is one-hot to e^-100 and ∂³L vanishes.
      // dz itself is f32-rounded (≤ 2^-24 relative). So |a − n| ≤ 1e-5 + 1e-4·|a| has margin
      // and still catches a wrong sign, scale or a missing one-hot term (errors of order 0.1–1).
      const rt = await getRuntime();
      const mark = rt.arena.mark();
      try {
        const rows = 3, N = 10;
        const rng = makeRng(what.length);
        const z = Float32Array.from(randomArray(rng, rows * N, lo, hi));
        const labels = [2, 7, 0];
        const base = xent(rt, z, labels, rows, N, 1);
        const zv = () => rt.arena.f32(base.zp, rows * N);
        let worst = 0;
        for (let i = 0; i < rows * N; i++) {
          const z0 = z[i]!;
          zv()[i] = z0 + h;
          const up = rt.naive.softmax_xent(0, 0, base.zp, base.lp, rows, N, 1);
          zv()[i] = z0 - h;
          const dn = rt.naive.softmax_xent(0, 0, base.zp, base.lp, rows, N, 1);
          zv()[i] = z0;
          expect(Math.fround(z0 + h), 'perturbation exact in f32').toBe(z0 + h);
          const fd = (up - dn) / (2 * h);
          const a = base.dz[i]!;
          const err = Math.abs(a - fd);
          const tol = 1e-5 + 1e-4 * Math.abs(a);
          if (!(err <= tol)) throw new Error(`dz[${i}] = ${a}, finite difference ${fd}, err ${err} > ${tol}`);
          worst = Math.max(worst, err / tol);
        }
        console.log(`softmax_xent ${what}: worst FD err/tol ${worst.toExponential(2)}`);
      } finally { rt.arena.release(mark); }
    });
  }
});

describe('sigmoid_bce', () => {
  it('matches the f64 reference, including logits ±1000 and ±1e30', async () => {
    const rt = await getRuntime();
    const mark = rt.arena.mark();
    try {
      const rng = makeRng(11);
      const n = 37;
      const z = Float32Array.from(randomArray(rng, n, -8, 8));
      z.set([1000, -1000, 1e30, -1e30, 0, 3e38, -3e38], 0);
      const t = Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? rng() : i % 3 === 1 ? 1 : 0));
      const zp = put(rt, z), tp = put(rt, t);
      const scale = Math.fround(1 / n);
      const res = [];
      for (const k of [rt.naive, rt.simd!]) {
        const dzp = rt.arena.allocF32(n);
        res.push({ loss: k.sigmoid_bce(dzp, zp, tp, n, scale), dz: rt.arena.f32(dzp, n).slice() });
      }
      expect(res[1]!.loss).toBe(res[0]!.loss);
      expectBitIdentical(res[1]!.dz, res[0]!.dz, 'simd build dz vs naive');
      const ref = sigmoidBceRef(z, t, scale);
      expect(Number.isFinite(res[0]!.loss)).toBe(true);
      expect(Math.abs(res[0]!.loss - ref.loss)).toBeLessThanOrEqual(1e-12 * ref.loss);
      expectWithin(res[0]!.dz, ref.dz, relTol(ref.dz, 2 * EPS, 1e-30), 'bce dz vs f64');
      expect(rt.naive.sigmoid_bce(0, zp, tp, n, scale)).toBe(res[0]!.loss); // dz = 0 skips
    } finally { rt.arena.release(mark); }
  });
});

describe('argmax_rows', () => {
  it('returns the first maximum of each row, in both builds', async () => {
    const rt = await getRuntime();
    const mark = rt.arena.mark();
    try {
      const rows = 50, N = 10;
      const rng = makeRng(12);
      // Few distinct values, so most rows have ties.
      const x = Float32Array.from({ length: rows * N }, () => Math.floor(rng() * 4));
      x.set([-Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity], 0);
      const xp = put(rt, x);
      const want = argmaxRowsRef(x, rows, N);
      let tiedRows = 0;
      for (let r = 0; r < rows; r++) {
        let c = 0;
        for (let j = 0; j < N; j++) if (x[r * N + j] === x[r * N + want[r]!]) c++;
        if (c > 1) tiedRows++;
      }
      expect(tiedRows).toBeGreaterThan(20);
      for (const k of [rt.naive, rt.simd!]) {
        const op = rt.arena.alloc(rows * 4);
        k.argmax_rows(op, xp, rows, N);
        expect(Array.from(rt.arena.i32(op, rows))).toEqual(Array.from(want));
      }
    } finally { rt.arena.release(mark); }
  });
});
