// Optimizer kernels: f64 reference ↔ naive ↔ SIMD over several steps, sizes around the lane
// width, with and without weight decay.
//
// Tolerances (STYLE.md elementwise):
//   naive vs f64: sgd and momentum rtol 1e-6, atol 1e-7; adam rtol 1e-5, atol 1e-7.
//     Each step starts both sides from the SAME f32 state, so only one step's rounding is
//     compared. sgd/momentum do 3–4 f32 roundings on values of similar size (≤ ~4·2^-24
//     relative of the operands, well under 1e-6 of |w| ~ 0.1..1 plus atol 1e-7 for w near 0).
//     Adam rounds ~10 times, including a division by sqrt(v̂) + eps that can be small, which
//     amplifies relative error in the step; 1e-5 covers it (observed ratios are logged).
//   SIMD vs naive: bit-identical (same IEEE operations in the same order; f32x4.div/sqrt are
//     correctly rounded like the scalar ones; no FMA).

import { describe, expect, it } from 'vitest';
import { getRuntime } from '../helpers/runtime.js';
import { makeRng, randomArray } from '../helpers/rng.js';
import { expectBitIdentical, expectWithin, relTol } from '../helpers/compare.js';
import type { Runtime } from '../../src/runtime/load.js';
import type { Kernels } from '../../src/runtime/abi.js';
import { sgdRef, momentumRef, adamRef } from '../reference/optim.js';
import { putF32 as put } from '../helpers/memory.js';

const SIZES = [1, 3, 4, 5, 8, 13, 1001];
const STEPS = 5;
const f = Math.fround;


/** State tensors for one build, all starting from the same values. */
function stateFor(rt: Runtime, init: Float32Array[]): number[] {
  return init.map((a) => put(rt, a));
}

describe('optimizer updates: f64 reference ↔ naive ↔ SIMD', () => {
  for (const n of SIZES) {
    for (const wd of [0, 1e-3]) {
      it(`sgd, n=${n}, wd=${wd}`, async () => {
        const rt = await getRuntime();
        const mark = rt.arena.mark();
        try {
          const rng = makeRng(n * 7 + (wd ? 1 : 0));
          const w0 = Float32Array.from(randomArray(rng, n));
          const [wn] = stateFor(rt, [w0]), [ws] = stateFor(rt, [w0]);
          const lr = f(0.05);
          let worst = 0;
          for (let step = 0; step < STEPS; step++) {
            const g = Float32Array.from(randomArray(rng, n));
            const gp = put(rt, g);
            const before = rt.arena.f32(wn!, n).slice();
            rt.naive.sgd_update(wn!, gp, n, lr, f(wd));
            rt.simd!.sgd_update(ws!, gp, n, lr, f(wd));
            const want = sgdRef(before, g, lr, f(wd));
            worst = Math.max(worst, expectWithin(rt.arena.f32(wn!, n), want, relTol(want, 1e-6, 1e-7), `naive sgd step ${step}`));
            expectBitIdentical(rt.arena.f32(ws!, n), rt.arena.f32(wn!, n), `simd sgd step ${step}`);
          }
          expect(worst).toBeLessThan(1);
        } finally { rt.arena.release(mark); }
      });

      it(`momentum, n=${n}, wd=${wd}`, async () => {
        const rt = await getRuntime();
        const mark = rt.arena.mark();
        try {
          const rng = makeRng(n * 11 + (wd ? 1 : 0));
          const w0 = Float32Array.from(randomArray(rng, n));
          const v0 = new Float32Array(n);
          const [wn, vn] = stateFor(rt, [w0, v0]), [ws, vs] = stateFor(rt, [w0, v0]);
          const lr = f(0.05), mu = f(0.9);
          for (let step = 0; step < STEPS; step++) {
            const g = Float32Array.from(randomArray(rng, n));
            const gp = put(rt, g);
            const bw = rt.arena.f32(wn!, n).slice(), bv = rt.arena.f32(vn!, n).slice();
            rt.naive.momentum_update(wn!, vn!, gp, n, lr, mu, f(wd));
            rt.simd!.momentum_update(ws!, vs!, gp, n, lr, mu, f(wd));
            const want = momentumRef(bw, bv, g, lr, mu, f(wd));
            expectWithin(rt.arena.f32(vn!, n), want.v, relTol(want.v, 1e-6, 1e-7), `naive momentum v step ${step}`);
            expectWithin(rt.arena.f32(wn!, n), want.w, relTol(want.w, 1e-6, 1e-7), `naive momentum w step ${step}`);
            expectBitIdentical(rt.arena.f32(vs!, n), rt.arena.f32(vn!, n), `simd momentum v step ${step}`);
            expectBitIdentical(rt.arena.f32(ws!, n), rt.arena.f32(wn!, n), `simd momentum w step ${step}`);
          }
        } finally { rt.arena.release(mark); }
      });

      it(`adam, n=${n}, wd=${wd}`, async () => {
        const rt = await getRuntime();
        const mark = rt.arena.mark();
        try {
          const rng = makeRng(n * 13 + (wd ? 1 : 0));
          const w0 = Float32Array.from(randomArray(rng, n));
          const z = new Float32Array(n);
          const [wn, mn, vn] = stateFor(rt, [w0, z, z]), [ws, ms, vs] = stateFor(rt, [w0, z, z]);
          const lr = f(1e-3), b1 = f(0.9), b2 = f(0.999), eps = f(1e-7);
          let worst = 0;
          for (let t = 1; t <= STEPS; t++) {
            // Gradients of mixed magnitudes, including tiny ones where eps matters.
            const g = Float32Array.from(randomArray(rng, n), (v, i) => (i % 5 === 0 ? v * 1e-6 : v));
            const gp = put(rt, g);
            const bc1 = f(1 - b1 ** t), bc2 = f(1 - b2 ** t);
            const bw = rt.arena.f32(wn!, n).slice(), bm = rt.arena.f32(mn!, n).slice(), bv = rt.arena.f32(vn!, n).slice();
            const k = (x: Kernels, w: number, m: number, v: number) => x.adam_update(w, m, v, gp, n, lr, b1, b2, eps, bc1, bc2, f(wd));
            k(rt.naive, wn!, mn!, vn!);
            k(rt.simd!, ws!, ms!, vs!);
            const want = adamRef(bw, bm, bv, g, { lr, b1, b2, eps, bc1, bc2, wd: f(wd) });
            expectWithin(rt.arena.f32(mn!, n), want.m, relTol(want.m, 1e-5, 1e-7), `naive adam m step ${t}`);
            expectWithin(rt.arena.f32(vn!, n), want.v, relTol(want.v, 1e-5, 1e-7), `naive adam v step ${t}`);
            worst = Math.max(worst, expectWithin(rt.arena.f32(wn!, n), want.w, relTol(want.w, 1e-5, 1e-7), `naive adam w step ${t}`));
            for (const [a, b, what] of [[ws, wn, 'w'], [ms, mn, 'm'], [vs, vn, 'v']] as const) {
              expectBitIdentical(rt.arena.f32(a!, n), rt.arena.f32(b!, n), `simd adam ${what} step ${t}`);
            }
          }
          expect(worst).toBeLessThan(1);
        } finally { rt.arena.release(mark); }
      });
    }
  }

  it('adam moves each weight by about lr on the first step (bias correction applied)', async () => {
    // With m = v = 0 and t = 1, m̂ = g and v̂ = g², so the step is lr·g/(|g| + eps) ≈ lr·sign(g).
    // A missing bias correction would give a step of lr·0.1/sqrt(0.001) ≈ 3.2·lr instead.
    const rt = await getRuntime();
    const mark = rt.arena.mark();
    try {
      const n = 9;
      const w0 = new Float32Array(n);
      const g = Float32Array.from([1, -2, 3, -0.5, 0.25, 10, -10, 0.01, -0.01]);
      for (const k of [rt.naive, rt.simd!]) {
        const [w, m, v] = stateFor(rt, [w0, w0, w0]);
        const gp = put(rt, g);
        k.adam_update(w!, m!, v!, gp, n, f(0.01), f(0.9), f(0.999), f(1e-7), f(0.1), f(0.001), 0);
        const got = rt.arena.f32(w!, n);
        for (let i = 0; i < n; i++) expect(got[i]!).toBeCloseTo(-0.01 * Math.sign(g[i]!), 6);
      }
    } finally { rt.arena.release(mark); }
  });
});
