// The second set of optimizer kernels (nesterov, adamw, rmsprop with and without momentum) and
// grad_sumsq: f64 reference ↔ naive ↔ SIMD over several steps, sizes around the lane width,
// with and without weight decay.
//
// Tolerances (as test/kernels/optim.test.ts, each step from the SAME f32 state on both sides):
//   nesterov vs f64: rtol 1e-6, atol 1e-7 (4–5 f32 roundings on operands of similar size).
//   adamw, rmsprop vs f64: rtol 1e-5, atol 1e-7 (~10 roundings including a division by
//     sqrt(v) + eps, which can be small and amplifies the relative error of the step); the
//     RMSProp momentum buffer adds 1e-5 of |mu·b| + |gg/d|, since those two terms can cancel.
//   SIMD vs naive for the updates: bit-identical (same IEEE operations lane by lane, no FMA).
//   grad_sumsq: squares are exact in f64, only the additions round, so each build is within
//     n·2^-53 ≈ n·1.1e-16 relative of the exact sum; we allow 4·n·2^-53 against a compensated
//     sum. SIMD and naive add in different orders, so they are compared with that bound, not bits.

import { describe, expect, it } from 'vitest';
import { getRuntime } from '../helpers/runtime.js';
import { makeRng, randomArray } from '../helpers/rng.js';
import { expectBitIdentical, expectWithin, relTol } from '../helpers/compare.js';
import type { Kernels } from '../../src/runtime/abi.js';
import { adamwRef, nesterovRef, rmspropRef, sumsqRef } from '../reference/optim.js';
import { putF32 as put } from '../helpers/memory.js';

const SIZES = [1, 3, 4, 5, 8, 13, 1001];
const STEPS = 5;
const f = Math.fround;

describe('more optimizer updates: f64 reference ↔ naive ↔ SIMD', () => {
  for (const n of SIZES) {
    for (const wd of [0, 1e-2]) {
      it(`nesterov, n=${n}, wd=${wd}`, async () => {
        const rt = await getRuntime();
        const mark = rt.arena.mark();
        try {
          const rng = makeRng(n * 17 + (wd ? 1 : 0));
          const w0 = Float32Array.from(randomArray(rng, n));
          const z = new Float32Array(n);
          const wn = put(rt, w0), vn = put(rt, z), ws = put(rt, w0), vs = put(rt, z);
          const lr = f(0.05), mu = f(0.9);
          for (let step = 0; step < STEPS; step++) {
            const g = Float32Array.from(randomArray(rng, n));
            const gp = put(rt, g);
            const bw = rt.arena.f32(wn, n).slice(), bv = rt.arena.f32(vn, n).slice();
            rt.naive.nesterov_update(wn, vn, gp, n, lr, mu, f(wd));
            rt.simd!.nesterov_update(ws, vs, gp, n, lr, mu, f(wd));
            const want = nesterovRef(bw, bv, g, lr, mu, f(wd));
            expectWithin(rt.arena.f32(vn, n), want.v, relTol(want.v, 1e-6, 1e-7), `naive nesterov v step ${step}`);
            expectWithin(rt.arena.f32(wn, n), want.w, relTol(want.w, 1e-6, 1e-7), `naive nesterov w step ${step}`);
            expectBitIdentical(rt.arena.f32(vs, n), rt.arena.f32(vn, n), `simd nesterov v step ${step}`);
            expectBitIdentical(rt.arena.f32(ws, n), rt.arena.f32(wn, n), `simd nesterov w step ${step}`);
          }
        } finally { rt.arena.release(mark); }
      });

      it(`adamw, n=${n}, wd=${wd}`, async () => {
        const rt = await getRuntime();
        const mark = rt.arena.mark();
        try {
          const rng = makeRng(n * 19 + (wd ? 1 : 0));
          const w0 = Float32Array.from(randomArray(rng, n));
          const z = new Float32Array(n);
          const [wn, mn, vn] = [put(rt, w0), put(rt, z), put(rt, z)], [ws, ms, vs] = [put(rt, w0), put(rt, z), put(rt, z)];
          const lr = f(1e-2), b1 = f(0.7), b2 = f(0.9), eps = f(1e-7);
          for (let t = 1; t <= STEPS; t++) {
            const g = Float32Array.from(randomArray(rng, n), (v, i) => (i % 5 === 0 ? v * 1e-6 : v));
            const gp = put(rt, g);
            const bc1 = f(1 - b1 ** t), bc2 = f(1 - b2 ** t);
            const bw = rt.arena.f32(wn, n).slice(), bm = rt.arena.f32(mn, n).slice(), bv = rt.arena.f32(vn, n).slice();
            const k = (x: Kernels, w: number, m: number, v: number) => x.adamw_update(w, m, v, gp, n, lr, b1, b2, eps, bc1, bc2, f(wd));
            k(rt.naive, wn, mn, vn);
            k(rt.simd!, ws, ms, vs);
            // The kernel rounds d = 1 − lr·wd to f32 once; the reference takes that same factor.
            const want = adamwRef(bw, bm, bv, g, { lr, b1, b2, eps, bc1, bc2, wd: (1 - f(1 - f(lr * f(wd)))) / lr });
            expectWithin(rt.arena.f32(mn, n), want.m, relTol(want.m, 1e-5, 1e-7), `naive adamw m step ${t}`);
            expectWithin(rt.arena.f32(vn, n), want.v, relTol(want.v, 1e-5, 1e-7), `naive adamw v step ${t}`);
            expectWithin(rt.arena.f32(wn, n), want.w, relTol(want.w, 1e-5, 1e-7), `naive adamw w step ${t}`);
            for (const [a, b, what] of [[ws, wn, 'w'], [ms, mn, 'm'], [vs, vn, 'v']] as const) {
              expectBitIdentical(rt.arena.f32(a, n), rt.arena.f32(b, n), `simd adamw ${what} step ${t}`);
            }
          }
        } finally { rt.arena.release(mark); }
      });

      for (const mu of [0, 0.8]) {
        it(`rmsprop, momentum ${mu}, n=${n}, wd=${wd}`, async () => {
          const rt = await getRuntime();
          const mark = rt.arena.mark();
          try {
            const rng = makeRng(n * 23 + (wd ? 1 : 0) + mu * 10);
            const w0 = Float32Array.from(randomArray(rng, n));
            const z = new Float32Array(n);
            const [wn, vn, bn] = [put(rt, w0), put(rt, z), mu ? put(rt, z) : 0];
            const [ws, vs, bs] = [put(rt, w0), put(rt, z), mu ? put(rt, z) : 0];
            const lr = f(1e-2), rho = f(0.9), eps = f(1e-7);
            for (let step = 0; step < STEPS; step++) {
              const g = Float32Array.from(randomArray(rng, n), (v, i) => (i % 5 === 0 ? v * 1e-6 : v));
              const gp = put(rt, g);
              const bw = rt.arena.f32(wn, n).slice(), bv = rt.arena.f32(vn, n).slice();
              const bb = mu ? rt.arena.f32(bn, n).slice() : undefined;
              rt.naive.rmsprop_update(wn, vn, bn, gp, n, lr, rho, eps, f(mu), f(wd));
              rt.simd!.rmsprop_update(ws, vs, bs, gp, n, lr, rho, eps, f(mu), f(wd));
              const want = rmspropRef(bw, bv, bb, g, lr, rho, eps, f(mu), f(wd));
              expectWithin(rt.arena.f32(vn, n), want.v, relTol(want.v, 1e-5, 1e-7), `naive rmsprop v step ${step}`);
              expectWithin(rt.arena.f32(wn, n), want.w, relTol(want.w, 1e-5, 1e-7), `naive rmsprop w step ${step}`);
              expectBitIdentical(rt.arena.f32(ws, n), rt.arena.f32(wn, n), `simd rmsprop w step ${step}`);
              expectBitIdentical(rt.arena.f32(vs, n), rt.arena.f32(vn, n), `simd rmsprop v step ${step}`);
              if (mu) {
                // b = mu·b + gg/d can cancel to far below its two terms (one of which is up to
                // 1/sqrt(1 − rho) ≈ 3.2): the bound adds 1e-5 of the terms' magnitudes.
                const terms = Float64Array.from(bb!, (x, i) => Math.abs(f(mu) * x) + Math.abs((want.b![i]! - f(mu) * x)));
                const tol = relTol(want.b!, 1e-5, 1e-7).map((t, i) => t + 1e-5 * terms[i]!);
                expectWithin(rt.arena.f32(bn, n), want.b!, tol, `naive rmsprop b step ${step}`);
                expectBitIdentical(rt.arena.f32(bs, n), rt.arena.f32(bn, n), `simd rmsprop b step ${step}`);
              }
            }
          } finally { rt.arena.release(mark); }
        });
      }
    }
  }

  it('nesterov differs from plain momentum by exactly the look-ahead term', async () => {
    // From v = 0 the first Nesterov step is w − lr·g·(1 + mu); plain momentum's is w − lr·g.
    const rt = await getRuntime();
    const mark = rt.arena.mark();
    try {
      const w = put(rt, [1, 1]), v = put(rt, [0, 0]), g = put(rt, [1, -2]);
      rt.simd!.nesterov_update(w, v, g, 2, 0.5, 0.5, 0);
      expect([...rt.arena.f32(w, 2)]).toEqual([1 - 0.75, 1 + 1.5]);
    } finally { rt.arena.release(mark); }
  });

  for (const n of [0, 1, 3, 4, 7, 1001, 16384]) {
    it(`grad_sumsq, n=${n}: both builds within 4·n·2^-53 of a compensated f64 sum`, async () => {
      const rt = await getRuntime();
      const mark = rt.arena.mark();
      try {
        const rng = makeRng(n + 5);
        // Magnitudes from 1e-4 to 1e2, so the sum mixes very different terms.
        const g = Float32Array.from(randomArray(rng, n), (v, i) => v * 10 ** ((i % 7) - 4));
        const p = put(rt, g);
        const want = sumsqRef(g);
        const tol = 4 * Math.max(n, 1) * 2 ** -53 * want;
        for (const [name, k] of [['naive', rt.naive], ['simd', rt.simd!]] as const) {
          const got = k.grad_sumsq(p, n);
          if (!(Math.abs(got - want) <= tol)) throw new Error(`${name} grad_sumsq n=${n}: got ${got}, want ${want}, |diff| ${Math.abs(got - want)} > ${tol}`);
        }
        if (n > 0) expect(rt.simd!.grad_sumsq(p, n)).toBeGreaterThan(0);
      } finally { rt.arena.release(mark); }
    });
  }
});
