// Global average pooling kernels (assembly/gap): f64 reference ↔ naive ↔ SIMD.
// Sweep: C in {1, 3, 4, 5, 8, 13} (lane tails), H·W in {1, 4, 49}, B in {1, 3}.
// Tolerances: forward is an HW-term sum then a division: HW·2^-23·mean|x| + 2^-24·|y|
// (K·2^-23·S_i with S_i = Σ|x|/HW); backward one division: rtol 2^-24.
// SIMD vs naive: bit-identical (each lane sums its channel in the naive order).
import { describe, it } from 'vitest';
import { getRuntime } from '../helpers/runtime.js';
import { makeRng, randomArray } from '../helpers/rng.js';
import { expectBitIdentical, expectWithin, relTol } from '../helpers/compare.js';
import { putF32 as put, allocGuarded, expectGuardsIntact } from '../helpers/memory.js';
import { gapBackwardRef, gapForwardRef } from '../reference/norm.js';

describe('global average pooling: f64 reference ↔ naive ↔ SIMD', () => {
  for (const C of [1, 3, 4, 5, 8, 13]) {
    for (const HW of [1, 4, 49]) {
      for (const B of [1, 3]) {
        it(`B=${B} HW=${HW} C=${C}`, async () => {
          const rt = await getRuntime();
          const mark = rt.arena.mark();
          try {
            const rng = makeRng(100 * C + HW + B);
            const x = Float32Array.from(randomArray(rng, B * HW * C, -2, 2));
            const dy = Float32Array.from(randomArray(rng, B * C, -1, 1));
            const xp = put(rt, x), dyp = put(rt, dy);
            const outs: Float32Array[][] = [];
            for (const k of [rt.naive, rt.simd!]) {
              const y = allocGuarded(rt, B * C, 4), dx = allocGuarded(rt, B * HW * C, 8);
              k.global_avgpool_forward(y, xp, B, HW, C);
              k.global_avgpool_backward(dx, dyp, B, HW, C);
              expectGuardsIntact(rt, y, B * C, 'y');
              expectGuardsIntact(rt, dx, B * HW * C, 'dx');
              outs.push([Float32Array.from(rt.arena.f32(y, B * C)), Float32Array.from(rt.arena.f32(dx, B * HW * C))]);
            }
            const [[yn, dxn], [ys, dxs]] = outs as [[Float32Array, Float32Array], [Float32Array, Float32Array]];
            const yw = gapForwardRef(x, B, HW, C);
            const absMean = Array.from(yw, (_, i) => {
              const b = Math.floor(i / C), c = i % C;
              let t = 0;
              for (let p = 0; p < HW; p++) t += Math.abs(x[(b * HW + p) * C + c]!);
              return t / HW;
            });
            expectWithin(yn, yw, absMean.map((a, i) => HW * 2 ** -23 * a + 2 ** -24 * Math.abs(yw[i]!) + 1e-30), 'naive forward vs f64');
            expectBitIdentical(ys, yn, 'simd forward vs naive');
            const dxw = gapBackwardRef(dy, B, HW, C);
            expectWithin(dxn, dxw, relTol(dxw, 2 ** -24, 0), 'naive backward vs f64');
            expectBitIdentical(dxs, dxn, 'simd backward vs naive');
          } finally { rt.arena.release(mark); }
        });
      }
    }
  }
});
