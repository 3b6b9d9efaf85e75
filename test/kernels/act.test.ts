// Activation kernels: f64 reference ↔ naive wasm ↔ SIMD wasm, for n around the 4-lane width
// (tails) and for long arrays, plus special values and an accuracy sweep of tanh/sigmoid.
//
// Tolerances:
//   SIMD vs naive: bit-identical for every kernel here (same IEEE operations in the same order
//     lane by lane; tanh/sigmoid use the same exp formula in both builds, see assembly/act/*.ts).
//   relu, mul, relu_backward: exact (one rounding at most: x·mask), so rtol 2^-24 is used
//     for mul and tol 0 for relu.
//   tanh/sigmoid forward: the kernel's stated bound, |err| ≤ 4·2^-24·|y| + 2^-126 (relative
//     error measured at ≤ 3·2^-24 over 2^20 points; 2^-126 covers results that fall below the
//     smallest normal, where exp returns 0 or a subnormal).
//   tanh/sigmoid backward: rtol 1e-6, atol 1e-7 (STYLE.md elementwise), justified: each result
//     is two or three f32 roundings of values bounded by |dy| ≤ 1 and |y| ≤ 1; the worst case is
//     1 − y² cancelling, where the rounding of y² (≤ 2^-24 ≈ 6e-8 absolute) stays under atol.
//   softmax forward: rtol 1e-5 (STYLE.md). Derivation: y_j = e_j / s with the rounding of
//     x_j − m (≤ 2^-24·|x_j − m| relative in e_j), exp (≤ 3·2^-24), the N-term sum and the
//     division: ≤ (2R + N + 5)·2^-24 with R = max|x − m| ≤ 8 and N ≤ 16 here, i.e. < 3e-6.
//   leaky_relu forward/backward: one rounding (alpha·x) at most: rtol 2^-24.
//   elu forward: x > 0 exact; else alpha·(e^x − 1) with e^x ≤ 4·2^-24 relative (act/math.ts), the
//     subtraction exact-ish (Sterbenz for e^x ≥ 1/2) and the product: |err| ≤ alpha·(4·2^-24·e^x)
//     + 2·2^-24·|y| + 2^-126, absolute near 0 where e^x − 1 cancels.
//   elu backward: dy·(y + alpha): two roundings: 2·2^-24·|dx|.
//   softmax backward: dx_j = y_j·(dy_j − d) where d is an N-term f32 dot product; the
//     difference can cancel, so the bound is absolute: (N + 2)·2^-23·|y_j|·(|dy_j| + S_r),
//     S_r = Σ_k |dy_k·y_k| (the dot-product bound plus the subtraction and the product).

import { describe, expect, it } from 'vitest';
import { getRuntime } from '../helpers/runtime.js';
import { makeRng, randomArray } from '../helpers/rng.js';
import { expectBitIdentical, expectWithin, relTol } from '../helpers/compare.js';
import { loadRuntime, type Runtime } from '../../src/runtime/load.js';
import type { Kernels } from '../../src/runtime/abi.js';
import {
  reluForwardRef, reluBackwardRef, tanhForwardRef, tanhBackwardRef, sigmoidForwardRef,
  sigmoidBackwardRef, softmaxForwardRef, softmaxBackwardRef, mulRef, sigmoid,
  leakyReluForwardRef, leakyReluBackwardRef, eluForwardRef, eluBackwardRef,
} from '../reference/act.js';
import { putF32 as put } from '../helpers/memory.js';

const SIZES = [1, 3, 4, 5, 8, 13, 1000, 1003];
const EPS = 2 ** -24;


/** Calls `run(k, outPtr)` on both builds; returns [naive, simd] copies of the n outputs. */
function both(rt: Runtime, n: number, run: (k: Kernels, out: number) => void): [Float32Array, Float32Array] {
  const res: Float32Array[] = [];
  for (const k of [rt.naive, rt.simd!]) {
    const p = rt.arena.allocF32(n + 4);
    rt.arena.f32(p, n + 4).fill(NaN);
    run(k, p);
    const guard = rt.arena.f32(p + n * 4, 4);
    for (let i = 0; i < 4; i++) expect(Number.isNaN(guard[i]), `wrote past the end (slot n+${i})`).toBe(true);
    res.push(rt.arena.f32(p, n).slice());
  }
  return res as [Float32Array, Float32Array];
}

/** Inputs away from 0 by at least `gap` (ReLU's kink), so the f64 reference sees the same side. */
function awayFromZero(rng: () => number, n: number, lo: number, hi: number, gap = 1e-3): Float32Array {
  const x = Float32Array.from(randomArray(rng, n, lo, hi));
  for (let i = 0; i < n; i++) if (Math.abs(x[i]!) < gap) x[i] = gap * (i % 2 ? -1 : 1);
  return x;
}

/** |got − want| ≤ 4·2^-24·|want| + 2^-126: the tanh/sigmoid bound stated in assembly/act/math.ts. */
const approxTol = (want: ArrayLike<number>) => Array.from(want, (w) => 4 * EPS * Math.abs(w) + 2 ** -126);

describe('elementwise activations: f64 reference ↔ naive ↔ SIMD', () => {
  for (const n of SIZES) {
    it(`relu forward/backward, n=${n}`, async () => {
      const rt = await getRuntime();
      const mark = rt.arena.mark();
      try {
        const rng = makeRng(10 + n);
        const x = awayFromZero(rng, n, -3, 3);
        const dy = Float32Array.from(randomArray(rng, n));
        const xp = put(rt, x), dyp = put(rt, dy);
        const [yn, ys] = both(rt, n, (k, p) => k.relu_forward(p, xp, n));
        expectWithin(yn, reluForwardRef(x), 0, 'naive relu vs f64');
        expectBitIdentical(ys, yn, 'simd relu vs naive');
        const yp = put(rt, yn);
        const [dn, ds] = both(rt, n, (k, p) => k.relu_backward(p, dyp, yp, n));
        expectWithin(dn, reluBackwardRef(dy, yn), 0, 'naive relu backward vs f64');
        expectBitIdentical(ds, dn, 'simd relu backward vs naive');
      } finally { rt.arena.release(mark); }
    });

    it(`tanh and sigmoid forward/backward, n=${n}`, async () => {
      const rt = await getRuntime();
      const mark = rt.arena.mark();
      try {
        const rng = makeRng(20 + n);
        const x = Float32Array.from(randomArray(rng, n, -6, 6));
        const dy = Float32Array.from(randomArray(rng, n));
        const xp = put(rt, x), dyp = put(rt, dy);
        for (const [name, fwdRef, bwdRef] of [
          ['tanh', tanhForwardRef, tanhBackwardRef],
          ['sigmoid', sigmoidForwardRef, sigmoidBackwardRef],
        ] as const) {
          const fwd = `${name}_forward` as const, bwd = `${name}_backward` as const;
          const [yn, ys] = both(rt, n, (k, p) => k[fwd](p, xp, n));
          const want = fwdRef(x);
          expectWithin(yn, want, approxTol(want), `naive ${name} vs f64`);
          expectBitIdentical(ys, yn, `simd ${name} vs naive`);
          const yp = put(rt, yn);
          const [dn, ds] = both(rt, n, (k, p) => k[bwd](p, dyp, yp, n));
          const dwant = bwdRef(dy, yn);
          expectWithin(dn, dwant, relTol(dwant, 1e-6, 1e-7), `naive ${name} backward vs f64`);
          expectBitIdentical(ds, dn, `simd ${name} backward vs naive`);
        }
      } finally { rt.arena.release(mark); }
    });

    it(`leaky_relu and elu forward/backward, n=${n}`, async () => {
      const rt = await getRuntime();
      const mark = rt.arena.mark();
      try {
        const rng = makeRng(40 + n);
        const x = awayFromZero(rng, n, -6, 4);
        const dy = Float32Array.from(randomArray(rng, n));
        const xp = put(rt, x), dyp = put(rt, dy);
        for (const alpha of [0.3, 0.01, 1, 1.7]) {
          const a32 = Math.fround(alpha);
          const [ln, ls] = both(rt, n, (k, p) => k.leaky_relu_forward(p, xp, n, alpha));
          const lw = leakyReluForwardRef(x, a32);
          expectWithin(ln, lw, relTol(lw, EPS, 0), `naive leaky_relu(${alpha}) vs f64`);
          expectBitIdentical(ls, ln, `simd leaky_relu(${alpha}) vs naive`);
          const lyp = put(rt, ln);
          const [lbn, lbs] = both(rt, n, (k, p) => k.leaky_relu_backward(p, dyp, lyp, n, alpha));
          const lbw = leakyReluBackwardRef(dy, ln, a32);
          expectWithin(lbn, lbw, relTol(lbw, EPS, 0), `naive leaky_relu backward vs f64`);
          expectBitIdentical(lbs, lbn, `simd leaky_relu(${alpha}) backward vs naive`);

          const [en, es] = both(rt, n, (k, p) => k.elu_forward(p, xp, n, alpha));
          const ew = eluForwardRef(x, a32);
          const etol = Array.from(x, (v, i) => (v > 0 ? 0 : a32 * 4 * EPS * Math.exp(v) + 2 * EPS * Math.abs(ew[i]!) + 2 ** -126));
          expectWithin(en, ew, etol, `naive elu(${alpha}) vs f64`);
          expectBitIdentical(es, en, `simd elu(${alpha}) vs naive`);
          const eyp = put(rt, en);
          const [ebn, ebs] = both(rt, n, (k, p) => k.elu_backward(p, dyp, eyp, n, alpha));
          const ebw = eluBackwardRef(dy, en, a32);
          expectWithin(ebn, ebw, relTol(ebw, 2 * EPS, 1e-30), `naive elu backward vs f64`);
          expectBitIdentical(ebs, ebn, `simd elu(${alpha}) backward vs naive`);
        }
      } finally { rt.arena.release(mark); }
    });

    it(`mul (dropout mask), n=${n}`, async () => {
      const rt = await getRuntime();
      const mark = rt.arena.mark();
      try {
        const rng = makeRng(30 + n);
        const x = Float32Array.from(randomArray(rng, n, -5, 5));
        const mask = Float32Array.from(x, (_, i) => (rng() < 0.5 ? 0 : Math.fround(1 / 0.7)) + (i % 7 === 0 ? 0.3 : 0));
        const xp = put(rt, x), mp = put(rt, mask);
        const [yn, ys] = both(rt, n, (k, p) => k.mul(p, xp, mp, n));
        const want = mulRef(x, mask);
        // One f32 rounding of an exact f64 product: ≤ 2^-24 relative.
        expectWithin(yn, want, relTol(want, EPS, 0), 'naive mul vs f64');
        expectBitIdentical(ys, yn, 'simd mul vs naive');
      } finally { rt.arena.release(mark); }
    });
  }

  it('in place (y = x, dx = dy) gives the same result as out of place', async () => {
    const rt = await getRuntime();
    const mark = rt.arena.mark();
    try {
      const n = 1003;
      const rng = makeRng(5);
      const x = Float32Array.from(randomArray(rng, n, -4, 4));
      for (const k of [rt.naive, rt.simd!]) {
        for (const fwd of ['relu_forward', 'tanh_forward', 'sigmoid_forward'] as const) {
          const xp = put(rt, x), yp = rt.arena.allocF32(n);
          k[fwd](yp, xp, n);
          k[fwd](xp, xp, n);
          expectBitIdentical(rt.arena.f32(xp, n), rt.arena.f32(yp, n), `${fwd} in place`);
        }
      }
    } finally { rt.arena.release(mark); }
  });
});

describe('tanh / sigmoid accuracy (shared exp approximation)', () => {
  it('stays within 4·2^-24 relative of f64 over 2^20 points in [−20, 20] and a log sweep to 1e-10', async () => {
    const rt = await getRuntime();
    const mark = rt.arena.mark();
    try {
      const n = 1 << 20;
      const x = new Float32Array(2 * n);
      for (let i = 0; i < n; i++) x[i] = -20 + (40 * i) / n;
      for (let i = 0; i < n; i++) x[n + i] = (i % 2 ? -1 : 1) * 10 ** (-10 + (10.5 * i) / n);
      const xp = put(rt, x);
      const yp = rt.arena.allocF32(2 * n);
      let worst = 0;
      for (const [name, ref] of [['tanh', Math.tanh], ['sigmoid', sigmoid]] as const) {
        rt.simd![`${name}_forward`](yp, xp, 2 * n);
        const y = rt.arena.f32(yp, 2 * n);
        for (let i = 0; i < 2 * n; i++) {
          const want = ref(x[i]!);
          const err = Math.abs(y[i]! - want);
          const tol = 4 * EPS * Math.abs(want) + 2 ** -126;
          if (!(err <= tol)) throw new Error(`${name}(${x[i]}): got ${y[i]} want ${want}, err ${err} > ${tol}`);
          worst = Math.max(worst, err / (EPS * Math.abs(want) + 2 ** -126));
        }
      }
      console.log(`tanh/sigmoid: worst error ${worst.toFixed(2)}·2^-24 relative (bound 4)`);
      expect(worst).toBeLessThan(4);
    } finally { rt.arena.release(mark); }
  });

  it('special values: ±0, ±inf, NaN, huge and subnormal-range inputs', async () => {
    const rt = await getRuntime();
    const mark = rt.arena.mark();
    try {
      const x = Float32Array.from([0, -0, Infinity, -Infinity, NaN, 1e30, -1e30, 88, -88, -87.4, -87.3, -103, 1e-30, -1e-30, 0.625, -0.625]);
      const n = x.length;
      const xp = put(rt, x);
      const [tn, ts] = both(rt, n, (k, p) => k.tanh_forward(p, xp, n));
      const [sn, ss] = both(rt, n, (k, p) => k.sigmoid_forward(p, xp, n));
      expectBitIdentical(ts, tn, 'simd tanh specials vs naive');
      expectBitIdentical(ss, sn, 'simd sigmoid specials vs naive');
      expect(Object.is(tn[0], 0) && Object.is(tn[1], -0), 'tanh(±0) = ±0').toBe(true);
      expect([tn[2], tn[3], tn[5], tn[6]]).toEqual([1, -1, 1, -1]);
      expect(Number.isNaN(tn[4]) && Number.isNaN(sn[4]), 'NaN stays NaN').toBe(true);
      expect([sn[0], sn[2], sn[3], sn[5], sn[6]]).toEqual([0.5, 1, 0, 1, 0]);
      const finite = [0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
      const pick = (a: ArrayLike<number>) => finite.map((i) => a[i]!);
      const tw = tanhForwardRef(x), sw = sigmoidForwardRef(x);
      expectWithin(pick(tn), pick(tw), approxTol(pick(tw)), 'tanh specials vs f64');
      expectWithin(pick(sn), pick(sw), approxTol(pick(sw)), 'sigmoid specials vs f64');
    } finally { rt.arena.release(mark); }
  });

  it('uses no static data: correct with tensors in the first KiB of a fresh memory', async () => {
    // AssemblyScript's Mathf.exp reads a table that asc places at byte 1024 of the imported
    // memory; a fresh arena hands out offset 16 first, so a tensor there would overwrite it.
    // With exp's table, this test failed (sigmoid off by 1e12 relative). Now: no tables at all.
    const rt = await loadRuntime({ build: 'simd' });
    const n = 4096;
    const xp = rt.arena.allocF32(n); // offset 16: covers bytes [16, 16400)
    expect(xp).toBe(16);
    const x = Float32Array.from(randomArray(makeRng(3), n, -20, 20));
    for (const k of [rt.naive, rt.simd!]) {
      for (const [fwd, ref] of [['tanh_forward', tanhForwardRef], ['sigmoid_forward', sigmoidForwardRef]] as const) {
        rt.arena.f32(xp, n).set(x);
        k[fwd](xp, xp, n);
        const want = ref(x);
        expectWithin(rt.arena.f32(xp, n), want, approxTol(want), `${fwd} over low memory`);
      }
      rt.arena.f32(xp, n).set(x);
      const yp = rt.arena.allocF32(n);
      k.softmax_forward(yp, xp, n / 8, 8);
      const want = softmaxForwardRef(x, n / 8, 8);
      expectWithin(rt.arena.f32(yp, n), want, relTol(want, 1e-5, 0), 'softmax over low memory');
    }
  });
});

describe('softmax: f64 reference ↔ naive ↔ SIMD', () => {
  for (const [rows, N] of [[1, 1], [3, 2], [4, 10], [32, 10], [5, 13], [2, 16]] as const) {
    it(`forward and backward, rows=${rows} N=${N}`, async () => {
      const rt = await getRuntime();
      const mark = rt.arena.mark();
      try {
        const n = rows * N;
        const rng = makeRng(rows * 100 + N);
        const x = Float32Array.from(randomArray(rng, n, -4, 4));
        const dy = Float32Array.from(randomArray(rng, n));
        const xp = put(rt, x), dyp = put(rt, dy);
        const [yn, ys] = both(rt, n, (k, p) => k.softmax_forward(p, xp, rows, N));
        const want = softmaxForwardRef(x, rows, N);
        expectWithin(yn, want, relTol(want, 1e-5, 0), 'naive softmax vs f64');
        expectBitIdentical(ys, yn, 'simd softmax vs naive');
        for (let r = 0; r < rows; r++) {
          let s = 0;
          for (let j = 0; j < N; j++) s += yn[r * N + j]!;
          expect(Math.abs(s - 1), `row ${r} sums to 1`).toBeLessThan((N + 2) * EPS);
        }
        const yp = put(rt, yn);
        const [dn, ds] = both(rt, n, (k, p) => k.softmax_backward(p, dyp, yp, rows, N));
        const ref = softmaxBackwardRef(dy, yn, rows, N);
        const tol = Array.from(ref.dx, (_, i) => {
          const r = Math.floor(i / N);
          return (N + 2) * 2 ** -23 * Math.abs(yn[i]!) * (Math.abs(dy[i]!) + ref.dotAbs[r]!) + 1e-30;
        });
        const ratio = expectWithin(dn, ref.dx, tol, 'naive softmax backward vs f64');
        expectBitIdentical(ds, dn, 'simd softmax backward vs naive');
        expect(ratio).toBeLessThanOrEqual(1);
      } finally { rt.arena.release(mark); }
    });
  }

  it('is stable for logits of ±1000 and ±1e30 (no NaN/Inf, one-hot where one logit dominates)', async () => {
    const rt = await getRuntime();
    const mark = rt.arena.mark();
    try {
      const x = Float32Array.from([1000, -1000, 0, 999, /* row 2 */ 1e30, -1e30, 3e38, -3e38]);
      const xp = put(rt, x);
      const [yn, ys] = both(rt, 8, (k, p) => k.softmax_forward(p, xp, 2, 4));
      expectBitIdentical(ys, yn, 'simd vs naive');
      for (const v of yn) expect(Number.isFinite(v)).toBe(true);
      const want = softmaxForwardRef(x, 2, 4);
      expectWithin(yn, want, relTol(want, 1e-6, 1e-30), 'extreme softmax vs f64');
    } finally { rt.arena.release(mark); }
  });
});
