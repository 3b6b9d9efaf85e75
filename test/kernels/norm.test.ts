// Batch-normalisation kernels (assembly/norm): f64 reference ↔ naive wasm ↔ SIMD wasm, for the
// whole sharded pipeline as the plan runs it: per-shard partial statistics, the combine in shard
// order, normalisation, per-shard backward partials, their combine, and dx.
// Sweep: C in {1, 3, 4, 5, 8, 13} (lane tails), rows in {1, 7, 50}, split into S = 1, 2 or 3
// shards (balanced as the plan cuts them), inputs with a non-zero mean (x in [1, 3]).
//
// Tolerances (EPS = 2^-23, n = rows of the whole batch; "S" is Σ|terms| / n from the reference):
//   SIMD vs naive: bit-identical for every output (same IEEE operations per lane, see norm/simd.ts).
//   mean: n·EPS·mean|x|              (an n-term sum, then one division)
//   var:  2·n·EPS·mean(|x − μ|·(|x − μ| + |x|)): the squared-deviation sum (n terms) and the
//         rounding of x − μ_s with μ_s carrying ~n·EPS·|x| (the two-pass sum is first-order
//         insensitive to the mean's error, the Chan combine of f32 shard means is not, hence |x|)
//   invstd, running mean/var: from the f32 mean/var above plus 3 roundings: rtol 4·2^-24 on top
//   y (given the kernel's f32 mean/invstd): 4 roundings: 2^-24·(3·|x̂·γ| + |y|)
//   Σdy, Σdy·x̂ per channel: (n + 2)·EPS·Σ|dy|, (n + 2)·EPS·Σ|dy·x̂| (x̂ itself is two roundings)
//   dx (given the kernel's totals): 6 roundings: 6·2^-24·|s|·(|dy| + |a| + |x̂·b|)
// and, end to end against the plain f64 reference (bnTrainForwardRef / bnBackwardRef):
//   y: 1e-4·(|y| + 1), dx: 1e-3·(max|dx| + 1e-3): errors of var (≤ 2·n·EPS relative, n ≤ 50)
//   pass through 1/sqrt and the cancellation in dx = s·((dy − a) − x̂·b).
import { describe, expect, it } from 'vitest';
import { getRuntime } from '../helpers/runtime.js';
import { makeRng, randomArray } from '../helpers/rng.js';
import { expectBitIdentical, expectWithin } from '../helpers/compare.js';
import { putF32 as put } from '../helpers/memory.js';
import type { Kernels } from '../../src/runtime/abi.js';
import type { Runtime } from '../../src/runtime/load.js';
import { bnBackwardRef, bnTrainForwardRef, runningUpdateRef } from '../reference/norm.js';

const EPS = 2 ** -23;
const E24 = 2 ** -24;
const bnEps = 1e-3;
const momentum = 0.9;

interface Out { part: Float32Array; stats: Float32Array; rm: Float32Array; rv: Float32Array; y: Float32Array; bpart: Float32Array;
  total: Float32Array; dgamma: Float32Array; dbeta: Float32Array; dx: Float32Array; invstd: Float32Array }

function pipeline(rt: Runtime, k: Kernels, x: Float32Array, dy: Float32Array, gamma: Float32Array, beta: Float32Array,
  rm0: Float32Array, rv0: Float32Array, rows: number, C: number, S: number): Out {
  const stride = Math.ceil((4 * (2 * C + 1)) / 16) * 16;
  const xp = put(rt, x), dyp = put(rt, dy), gp = put(rt, gamma), bp = put(rt, beta);
  const rmp = put(rt, rm0), rvp = put(rt, rv0);
  const part = put(rt, new Float32Array(S * stride / 4)), stats = put(rt, new Float32Array(3 * C)), total = put(rt, new Float32Array(2 * C));
  const y = put(rt, new Float32Array(rows * C)), dx = put(rt, new Float32Array(rows * C));
  const dg = put(rt, new Float32Array(C).fill(0.5)), db = put(rt, new Float32Array(C).fill(-0.25)); // accumulate into non-zero
  const inv = put(rt, new Float32Array(C));
  const start = (s: number) => Math.floor((s * rows) / S);
  for (let s = 0; s < S; s++) k.batchnorm_stats(part + s * stride, xp + 4 * C * start(s), start(s + 1) - start(s), C);
  k.batchnorm_combine(stats, part, S, stride, C, rmp, rvp, momentum, bnEps);
  for (let s = 0; s < S; s++) {
    const o = 4 * C * start(s);
    k.batchnorm_forward(y + o, xp + o, stats, stats + 4 * C, gp, bp, start(s + 1) - start(s), C);
  }
  for (let s = 0; s < S; s++) {
    const o = 4 * C * start(s);
    k.batchnorm_backward_stats(part + s * stride, dyp + o, xp + o, stats, stats + 4 * C, start(s + 1) - start(s), C);
  }
  const bpart = Float32Array.from(rt.arena.f32(part, 2 * C));
  k.batchnorm_backward_combine(total, part, S, stride, C, dg, db);
  for (let s = 0; s < S; s++) {
    const o = 4 * C * start(s);
    k.batchnorm_backward_input(dx + o, dyp + o, xp + o, stats, stats + 4 * C, gp, total, start(s + 1) - start(s), C, rows);
  }
  k.batchnorm_invstd(inv, rvp, C, bnEps);
  const f = (p: number, n: number) => Float32Array.from(rt.arena.f32(p, n));
  return { part: f(part, S * stride / 4), stats: f(stats, 3 * C), rm: f(rmp, C), rv: f(rvp, C), y: f(y, rows * C), bpart,
    total: f(total, 2 * C), dgamma: f(dg, C), dbeta: f(db, C), dx: f(dx, rows * C), invstd: f(inv, C) };
}

describe('batchnorm kernels: f64 reference ↔ naive ↔ SIMD, sharded as the plan runs them', () => {
  for (const C of [1, 3, 4, 5, 8, 13]) {
    for (const rows of [1, 7, 50]) {
      for (const S of [1, 2, 3].filter((s) => s <= rows)) {
        it(`C=${C} rows=${rows} shards=${S}`, async () => {
          const rt = await getRuntime();
          const mark = rt.arena.mark();
          try {
            const rng = makeRng(1000 * C + 10 * rows + S);
            const x = Float32Array.from(randomArray(rng, rows * C, 1, 3));
            const dy = Float32Array.from(randomArray(rng, rows * C, -1, 1));
            const gamma = Float32Array.from(randomArray(rng, C, 0.5, 1.5));
            const beta = Float32Array.from(randomArray(rng, C, -0.5, 0.5));
            const rm0 = Float32Array.from(randomArray(rng, C, -1, 1));
            const rv0 = Float32Array.from(randomArray(rng, C, 0.5, 2));
            const n = pipeline(rt, rt.naive, x, dy, gamma, beta, rm0, rv0, rows, C, S);
            const s = pipeline(rt, rt.simd!, x, dy, gamma, beta, rm0, rv0, rows, C, S);
            for (const key of Object.keys(n) as (keyof Out)[]) expectBitIdentical(s[key], n[key], `simd vs naive ${key}`);

            // Statistics against the f64 reference.
            const ref = bnTrainForwardRef(x, rows, C, bnEps, gamma, beta);
            const mean = n.stats.subarray(0, C), invstd = n.stats.subarray(C, 2 * C), vari = n.stats.subarray(2 * C);
            const absMean = Array.from({ length: C }, (_, c) => { let t = 0; for (let r = 0; r < rows; r++) t += Math.abs(x[r * C + c]!); return t / rows; });
            const varS = Array.from({ length: C }, (_, c) => {
              let t = 0;
              for (let r = 0; r < rows; r++) { const d = Math.abs(x[r * C + c]! - ref.mean[c]!); t += d * (d + Math.abs(x[r * C + c]!)); }
              return t / rows;
            });
            const ratios: number[] = [];
            ratios.push(expectWithin(mean, ref.mean, absMean.map((a) => rows * EPS * a + 1e-30), 'mean'));
            const tolVar = varS.map((v) => 2 * rows * EPS * v + 1e-30);
            ratios.push(expectWithin(vari, ref.variance, tolVar, 'variance'));
            const wantInv = Array.from(vari, (v) => 1 / Math.sqrt(v + Math.fround(bnEps)));
            expectWithin(invstd, wantInv, wantInv.map((w) => 4 * E24 * w), 'invstd (of the f32 variance)');
            // Running statistics: the Keras formula from the f32 batch statistics.
            const f32m = Math.fround(momentum);
            const wantRm = runningUpdateRef(rm0, mean, f32m), wantRv = runningUpdateRef(rv0, vari, f32m);
            expectWithin(n.rm, wantRm, Array.from(wantRm, (w, c) => 4 * E24 * (Math.abs(w) + Math.abs(rm0[c]!))), 'running mean');
            expectWithin(n.rv, wantRv, Array.from(wantRv, (w, c) => 4 * E24 * (Math.abs(w) + Math.abs(rv0[c]!))), 'running variance');
            expect(Array.from(n.rm)).not.toEqual(Array.from(rm0));
            const wantRunInv = Array.from(n.rv, (v) => 1 / Math.sqrt(v + Math.fround(bnEps)));
            expectWithin(n.invstd, wantRunInv, wantRunInv.map((w) => 4 * E24 * w), 'batchnorm_invstd of the running variance');

            // Normalisation from the kernel's own f32 statistics.
            const xh = (i: number) => (x[i]! - mean[i % C]!) * invstd[i % C]!;
            const yWant = Array.from(x, (_, i) => xh(i) * gamma[i % C]! + beta[i % C]!);
            expectWithin(n.y, yWant, yWant.map((w, i) => E24 * (3 * Math.abs(xh(i) * gamma[i % C]!) + Math.abs(w)) + 1e-30), 'y given f32 stats');
            expectWithin(n.y, ref.y, Array.from(ref.y, (w) => 1e-4 * (Math.abs(w) + 1)), 'y vs the plain f64 batch norm');

            // Backward partials and their combine.
            const sdy = new Float64Array(C), sdyx = new Float64Array(C), ady = new Float64Array(C), adyx = new Float64Array(C);
            for (let i = 0; i < rows * C; i++) {
              const c = i % C;
              sdy[c]! += dy[i]!; sdyx[c]! += dy[i]! * xh(i); ady[c]! += Math.abs(dy[i]!); adyx[c]! += Math.abs(dy[i]! * xh(i));
            }
            const K = rows + 2;
            const totWant = [...sdy, ...sdyx], totTol = [...ady, ...adyx].map((a) => K * EPS * a + 1e-30);
            ratios.push(expectWithin(n.total, totWant, totTol, 'Σdy, Σdy·x̂ combined over shards'));
            expectWithin(n.dbeta, Array.from(sdy, (v) => v - 0.25), Array.from(ady, (a) => K * EPS * a + E24), 'dbeta accumulated');
            expectWithin(n.dgamma, Array.from(sdyx, (v) => v + 0.5), Array.from(adyx, (a) => K * EPS * a + E24), 'dgamma accumulated');

            // dx from the kernel's totals, then end to end.
            const dxWant = Array.from(dy, (d, i) => {
              const c = i % C, sc = gamma[c]! * invstd[c]!;
              return sc * ((d - n.total[c]! / rows) - xh(i) * (n.total[C + c]! / rows));
            });
            const dxTol = Array.from(dy, (d, i) => {
              const c = i % C, sc = Math.abs(gamma[c]! * invstd[c]!);
              return 6 * E24 * sc * (Math.abs(d) + Math.abs(n.total[c]! / rows) + Math.abs(xh(i) * n.total[C + c]! / rows)) + 1e-30;
            });
            ratios.push(expectWithin(n.dx, dxWant, dxTol, 'dx given f32 totals'));
            const bref = bnBackwardRef(dy, x, rows, C, bnEps, gamma);
            const dxMax = Math.max(...Array.from(bref.dx, Math.abs));
            expectWithin(n.dx, bref.dx, 1e-3 * (dxMax + 1e-3), 'dx vs the plain f64 batch-norm backward');
            console.log(`batchnorm C=${C} rows=${rows} S=${S}: worst err/tol ${Math.max(...ratios).toFixed(3)}`);
          } finally { rt.arena.release(mark); }
        });
      }
    }
  }

  it('scale/center absent (gamma = 0, beta = 0 pointers): y = x̂, dgamma/dbeta untouched', async () => {
    const rt = await getRuntime();
    const mark = rt.arena.mark();
    try {
      const rows = 9, C = 6;
      const rng = makeRng(77);
      const x = Float32Array.from(randomArray(rng, rows * C, -2, 2));
      for (const k of [rt.naive, rt.simd!]) {
        const xp = put(rt, x), y = put(rt, new Float32Array(rows * C)), part = rt.arena.alloc(4 * (2 * C + 1) + 16);
        const stats = put(rt, new Float32Array(3 * C));
        k.batchnorm_stats(part, xp, rows, C);
        k.batchnorm_combine(stats, part, 1, 0, C, 0, 0, 0.99, bnEps);
        k.batchnorm_forward(y, xp, stats, stats + 4 * C, 0, 0, rows, C);
        const ref = bnTrainForwardRef(x, rows, C, bnEps);
        expectWithin(rt.arena.f32(y, rows * C), ref.y, Array.from(ref.y, (w) => 1e-4 * (Math.abs(w) + 1)), 'y = x̂');
      }
    } finally { rt.arena.release(mark); }
  });
});
