// gemm_nn / gemm_tn / gemm_nt, bias_add, bias_grad: three-way equivalence (f64 reference ↔
// naive wasm ↔ SIMD wasm) over a shape sweep, plus exact small cases, K = 0, no writes outside
// C, no reads past the end of the inputs, misaligned pointers.
//
// Tolerances (STYLE.md §6). Every GEMM output is c = (acc ? c0 : 0) + Σ_k a_k·b_k, a float32
// sum of n = K + acc terms, each product rounded once. The worst-case error of such a sum in
// any order is ≤ n·2^-24·Σ|terms| (to first order), so with S_i = Σ_k|a_k·b_k| + acc·|c0_i|:
//   naive vs f64:   |got − want| ≤ (K + acc) · 2^-23 · S_i    (dotTol factor 1: 2× slack)
//   SIMD vs naive:  |got − want| ≤ 2 · (K + acc) · 2^-23 · S_i (each side within the above)
// (the "+ acc" is the one extra addition of the initial C). The same bound with K = rows
// covers bias_grad. bias_add is one rounded addition per element: naive within 2^-24·|want|
// of f64 (round to nearest), and SIMD must be bit-identical to naive (same single add).
// gemm_nn, gemm_tn and bias_grad are additionally checked bit-identical to naive on a few
// shapes, because simd.ts documents that they keep the naive operation order.

import { afterAll, describe, expect, it } from 'vitest';
import { getRuntime } from '../helpers/runtime.js';
import { makeRng, randomArray } from '../helpers/rng.js';
import { dotTol, expectBitIdentical, expectWithin, relTol } from '../helpers/compare.js';
import type { Kernels } from '../../src/runtime/abi.js';
import type { Runtime } from '../../src/runtime/load.js';
import { biasAddRef, biasGradRef, gemmRef, type Trans } from '../reference/gemm.js';
import { allocGuarded, expectGuardsIntact, writeF32 as put } from '../helpers/memory.js';

const TRANS: Trans[] = ['nn', 'tn', 'nt'];
const V = [1, 3, 4, 5, 8, 13, 17, 33];

// ~70 (M, N, K) triples instead of the full 8³ cube: the diagonal, a sweep of each size with
// the other two fixed at non-multiples of the tiles, every column-tail width (N = 1..16: the
// SIMD tile is 8 columns, so N mod 8 takes every value and N mod 4 too), a seeded sample of
// the cube, and a few larger shapes: 64×70×129 (several tiles in every direction, K not a
// multiple of 4), two with N large enough that the SIMD kernels split K into blocks
// (block = 65536/N rounded down to a multiple of 4, at least 64) so later blocks accumulate,
// and a few for gemm_nt's small-K path.
function triples(): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (const v of V) out.push([v, v, v]);
  for (const v of V) out.push([v, 13, 5]);
  for (const v of V) out.push([5, v, 17]);
  for (const v of V) out.push([13, 6, v]);
  for (let n = 1; n <= 16; n++) out.push([6, n, 9]);
  const rng = makeRng(7);
  const pick = () => V[Math.floor(rng() * V.length)]!;
  for (let i = 0; i < 20; i++) out.push([pick(), pick(), pick()]);
  out.push([64, 70, 129], [9, 600, 250], [7, 1030, 70]);
  // gemm_nt's small-K path (K ≤ 8 with M ≥ 16), also past one 256-row block.
  out.push([33, 6, 1], [17, 7, 8], [40, 13, 3], [20, 4, 4], [300, 9, 6]);
  // gemm_tn's sub-blocked path for A strides (4M bytes) that alias in L1: M = 1024 (one set:
  // sub-blocks of 8 k, with a tail of 4), M = 256 (4 sets: 32), M = 130 (a stride of no whole
  // lines: no sub-blocks), M = 258 (the same, and 2 rows past the 4-row tiles), with K past
  // the sub-block.
  out.push([1024, 9, 20], [256, 13, 70], [258, 6, 33], [130, 5, 40]);
  const seen = new Set<string>();
  return out.filter((t) => {
    const key = t.join('x');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const gemmOf = (k: Kernels, t: Trans) => (t === 'nn' ? k.gemm_nn : t === 'tn' ? k.gemm_tn : k.gemm_nt);

// Worst err/tol ratios seen, logged at the end so a kernel drifting toward its bound shows.
const worst = { naiveVsRef: 0, simdVsNaive: 0, biasGradNaive: 0, biasGradSimd: 0 };
let gemmCases = 0;
let gemmBitIdentical = 0;
afterAll(() => {
  console.log(`gemm worst err/tol: naive vs f64 ${worst.naiveVsRef.toFixed(4)}, SIMD vs naive ${worst.simdVsNaive.toFixed(4)}; ` +
    `SIMD bit-identical to naive in ${gemmBitIdentical}/${gemmCases} gemm cases; ` +
    `bias_grad worst err/tol: naive vs f64 ${worst.biasGradNaive.toFixed(4)}, SIMD vs naive ${worst.biasGradSimd.toFixed(4)}`);
});

describe('gemm: naive vs f64 reference, SIMD vs naive', async () => {
  const rt = await getRuntime();
  const simd = rt.simd!;

  for (const [M, N, K] of triples()) {
    for (const t of TRANS) {
      for (const acc of [0, 1]) {
        // acc = 1 also shifts every pointer by one f32 off 16-byte alignment.
        const skew = acc === 1 ? 4 : 0;
        it(`gemm_${t} M=${M} N=${N} K=${K} acc=${acc}${skew ? ' misaligned' : ''}`, () => {
          const label = `gemm_${t} M=${M} N=${N} K=${K} acc=${acc}`;
          const mark = rt.arena.mark();
          const rng = makeRng(M * 1_000_003 + N * 1009 + K * 31 + acc + (t === 'nn' ? 0 : t === 'tn' ? 7 : 13));
          const pa = allocGuarded(rt, M * K, skew);
          const pb = allocGuarded(rt, K * N, skew);
          const pcN = allocGuarded(rt, M * N, skew);
          const pcS = allocGuarded(rt, M * N, skew);
          const a = put(rt, pa, randomArray(rng, M * K));
          const b = put(rt, pb, randomArray(rng, K * N));
          // acc = 0 must overwrite: start from NaN so an unwritten or read element shows.
          const c0 = put(rt, pcN, acc ? randomArray(rng, M * N) : new Float64Array(M * N).fill(NaN));
          put(rt, pcS, c0);

          gemmOf(rt.naive, t)(pcN, pa, pb, M, N, K, acc);
          gemmOf(simd, t)(pcS, pa, pb, M, N, K, acc);

          const { c, absSum } = gemmRef(t, a, b, M, N, K);
          const want = new Float64Array(M * N);
          const sums = new Float64Array(M * N);
          for (let i = 0; i < M * N; i++) {
            want[i] = c[i]! + (acc ? c0[i]! : 0);
            sums[i] = absSum[i]! + (acc ? Math.abs(c0[i]!) : 0);
          }
          const gotN = Float32Array.from(rt.arena.f32(pcN, M * N));
          const gotS = Float32Array.from(rt.arena.f32(pcS, M * N));
          const rN = expectWithin(gotN, want, dotTol(sums, K + acc, 1), `${label} naive vs f64`);
          const rS = expectWithin(gotS, gotN, dotTol(sums, K + acc, 2), `${label} SIMD vs naive`);
          worst.naiveVsRef = Math.max(worst.naiveVsRef, rN);
          worst.simdVsNaive = Math.max(worst.simdVsNaive, rS);
          gemmCases++;
          const uN = new Uint32Array(gotN.buffer), uS = new Uint32Array(gotS.buffer);
          if (uN.every((x, i) => x === uS[i])) gemmBitIdentical++;

          for (const [p, n, what] of [[pcN, M * N, 'naive C'], [pcS, M * N, 'SIMD C']] as const) {
            expectGuardsIntact(rt, p, n, `${label} ${what}`);
          }
          // Inputs are read-only.
          expectBitIdentical(rt.arena.f32(pa, M * K), a, `${label}: A unchanged`);
          expectBitIdentical(rt.arena.f32(pb, K * N), b, `${label}: B unchanged`);
          rt.arena.release(mark);
        });
      }
    }
  }
});

describe('gemm: exact cases and edge sizes', async () => {
  const rt = await getRuntime();
  const builds: [string, Kernels][] = [['naive', rt.naive], ['SIMD', rt.simd!]];

  // Small integers: every product and partial sum is exact in f32, so all three transposes
  // and both builds must give exactly these numbers.
  //   A = [[1, 2, 3], [4, 5, 6]]  (M=2, K=3),  B = [[7, 8], [9, 10], [11, 12]]  (K=3, N=2)
  //   A·B = [[58, 64], [139, 154]]
  const A = [1, 2, 3, 4, 5, 6];
  const AT = [1, 4, 2, 5, 3, 6];
  const B = [7, 8, 9, 10, 11, 12];
  const BT = [7, 9, 11, 8, 10, 12];
  const AB = [58, 64, 139, 154];
  for (const [name, k] of builds) {
    for (const t of TRANS) {
      it(`${name} gemm_${t} 2x2x3 small integers, overwrite then accumulate`, () => {
        const mark = rt.arena.mark();
        const pa = rt.arena.alloc(24), pb = rt.arena.alloc(24), pc = rt.arena.alloc(16);
        rt.arena.f32(pa, 6).set(t === 'tn' ? AT : A);
        rt.arena.f32(pb, 6).set(t === 'nt' ? BT : B);
        rt.arena.f32(pc, 4).set([NaN, NaN, NaN, NaN]);
        gemmOf(k, t)(pc, pa, pb, 2, 2, 3, 0);
        expect(Array.from(rt.arena.f32(pc, 4))).toEqual(AB);
        gemmOf(k, t)(pc, pa, pb, 2, 2, 3, 1);
        expect(Array.from(rt.arena.f32(pc, 4))).toEqual(AB.map((x) => 2 * x));
        rt.arena.release(mark);
      });
    }
  }

  for (const [name, k] of builds) {
    for (const t of TRANS) {
      it(`${name} gemm_${t} M=3 N=5 K=0: acc=0 zeroes C, acc=1 leaves it`, () => {
        const mark = rt.arena.mark();
        const pc = allocGuarded(rt, 15, 0);
        const start = put(rt, pc, randomArray(makeRng(3), 15));
        gemmOf(k, t)(pc, 16, 16, 3, 5, 0, 1);
        expectBitIdentical(rt.arena.f32(pc, 15), start, `${name} gemm_${t} K=0 acc=1`);
        gemmOf(k, t)(pc, 16, 16, 3, 5, 0, 0);
        expect(Array.from(rt.arena.f32(pc, 15))).toEqual(new Array(15).fill(0));
        expectGuardsIntact(rt, pc, 15, `${name} gemm_${t} K=0`);
        rt.arena.release(mark);
      });

      it(`${name} gemm_${t} M=0 or N=0 writes nothing`, () => {
        const mark = rt.arena.mark();
        const pc = allocGuarded(rt, 0, 0);
        const pa = rt.arena.allocF32(64), pb = rt.arena.allocF32(64);
        gemmOf(k, t)(pc, pa, pb, 0, 5, 4, 0);
        gemmOf(k, t)(pc, pa, pb, 5, 0, 4, 0);
        expectGuardsIntact(rt, pc, 0, `${name} gemm_${t} empty`);
        rt.arena.release(mark);
      });
    }
  }

  // assembly/gemm/simd.ts documents that gemm_nn, gemm_tn and bias_grad do each output's
  // operations in the naive order (lanes hold different outputs), so for them the bound
  // above is not needed: they must match naive bit for bit. gemm_nt (k mod 4 partial sums)
  // is not covered by this claim.
  const BIT_SHAPES: [number, number, number][] = [[1, 37, 5], [7, 13, 9], [33, 70, 129], [9, 600, 250], [6, 1030, 70],
    [1024, 9, 20], [256, 13, 70]]; // the last two: gemm_tn's sub-blocked path (aliasing A stride)
  for (const t of ['nn', 'tn'] as const) {
    for (const [M, N, K] of BIT_SHAPES) {
      it(`SIMD gemm_${t} M=${M} N=${N} K=${K} acc=1 is bit-identical to naive`, () => {
        const mark = rt.arena.mark();
        const rng = makeRng(M + N + K);
        const pa = rt.arena.alloc(M * K * 4), pb = rt.arena.alloc(K * N * 4);
        const pcN = rt.arena.alloc(M * N * 4), pcS = rt.arena.alloc(M * N * 4);
        put(rt, pa, randomArray(rng, M * K));
        put(rt, pb, randomArray(rng, K * N));
        put(rt, pcS, put(rt, pcN, randomArray(rng, M * N)));
        gemmOf(rt.naive, t)(pcN, pa, pb, M, N, K, 1);
        gemmOf(rt.simd!, t)(pcS, pa, pb, M, N, K, 1);
        expectBitIdentical(rt.arena.f32(pcS, M * N), rt.arena.f32(pcN, M * N), `gemm_${t} ${M}x${N}x${K}`);
        rt.arena.release(mark);
      });
    }
  }
  it('SIMD bias_grad rows=37 N=70 is bit-identical to naive', () => {
    const mark = rt.arena.mark();
    const rng = makeRng(37);
    const pdy = rt.arena.alloc(37 * 70 * 4), pdbN = rt.arena.alloc(70 * 4), pdbS = rt.arena.alloc(70 * 4);
    put(rt, pdy, randomArray(rng, 37 * 70));
    put(rt, pdbS, put(rt, pdbN, randomArray(rng, 70)));
    rt.naive.bias_grad(pdbN, pdy, 37, 70);
    rt.simd!.bias_grad(pdbS, pdy, 37, 70);
    expectBitIdentical(rt.arena.f32(pdbS, 70), rt.arena.f32(pdbN, 70), 'bias_grad 37x70');
    rt.arena.release(mark);
  });

  // Each operand in turn ends exactly at the end of the wasm memory, so a load past its last
  // element (e.g. a full f32x4 over a 1..3-column tail) traps instead of passing silently.
  const FLUSH_SHAPES: [number, number, number][] = [[1, 1, 1], [3, 5, 3], [5, 7, 6], [6, 13, 5], [4, 3, 9], [9, 6, 7], [17, 6, 5], [20, 3, 2], [17, 5, 3]];
  for (const [name, k] of builds) {
    for (const t of TRANS) {
      for (const [M, N, K] of FLUSH_SHAPES) {
        it(`${name} gemm_${t} M=${M} N=${N} K=${K}: no reads past A, B or C at the end of memory`, () => {
          const sizes = { a: M * K, b: K * N, c: M * N };
          for (const last of ['a', 'b', 'c'] as const) {
            const mark = rt.arena.mark();
            const need = (sizes.a + sizes.b + sizes.c) * 4 + 64;
            rt.arena.ensure(rt.arena.used + need);
            // Reserve everything up to the end of memory, then place the operands by hand.
            const base = rt.arena.alloc(rt.arena.capacity - rt.arena.used, 'flush test');
            const end = rt.arena.capacity;
            expect(base + need).toBeLessThanOrEqual(end);
            const ptr = { a: 0, b: 0, c: 0 };
            let next = base;
            for (const which of ['a', 'b', 'c'] as const) {
              if (which === last) ptr[which] = end - sizes[which] * 4;
              else { ptr[which] = next; next += Math.ceil(sizes[which] / 4) * 16; }
            }
            const rng = makeRng(M + 10 * N + 100 * K);
            const a = put(rt, ptr.a, randomArray(rng, sizes.a));
            const b = put(rt, ptr.b, randomArray(rng, sizes.b));
            const c0 = put(rt, ptr.c, randomArray(rng, sizes.c));
            gemmOf(k, t)(ptr.c, ptr.a, ptr.b, M, N, K, 1);
            const { c, absSum } = gemmRef(t, a, b, M, N, K);
            const want = c.map((x, i) => x + c0[i]!);
            const sums = absSum.map((x, i) => x + Math.abs(c0[i]!));
            expectWithin(rt.arena.f32(ptr.c, sizes.c), want, dotTol(sums, K + 1, 2), `${name} gemm_${t} ${last} last`);
            rt.arena.release(mark);
          }
        });
      }
    }
  }
});

describe('bias_add and bias_grad', async () => {
  const rt = await getRuntime();
  const simd = rt.simd!;
  const ROWS = [1, 3, 5, 17];
  const NS = [1, 3, 4, 5, 6, 8, 13, 16, 17, 33, 64];

  for (const rows of ROWS) {
    for (const N of NS) {
      it(`bias_add rows=${rows} N=${N}: naive within one rounding of f64, SIMD bit-identical`, () => {
        const mark = rt.arena.mark();
        const rng = makeRng(rows * 100 + N);
        const pyN = allocGuarded(rt, rows * N, 0), pyS = allocGuarded(rt, rows * N, 0);
        const pBias = rt.arena.alloc(N * 4);
        const y0 = put(rt, pyN, randomArray(rng, rows * N));
        put(rt, pyS, y0);
        const bias = put(rt, pBias, randomArray(rng, N));
        rt.naive.bias_add(pyN, pBias, rows, N);
        simd.bias_add(pyS, pBias, rows, N);
        const want = biasAddRef(y0, bias, rows, N);
        // One f32 addition, rounded to nearest: relative error ≤ 2^-24.
        expectWithin(rt.arena.f32(pyN, rows * N), want, relTol(want, 2 ** -24, 0), `bias_add ${rows}x${N} naive vs f64`);
        expectBitIdentical(rt.arena.f32(pyS, rows * N), rt.arena.f32(pyN, rows * N), `bias_add ${rows}x${N} SIMD vs naive`);
        expectGuardsIntact(rt, pyN, rows * N, `bias_add ${rows}x${N} naive`);
        expectGuardsIntact(rt, pyS, rows * N, `bias_add ${rows}x${N} SIMD`);
        rt.arena.release(mark);
      });

      it(`bias_grad rows=${rows} N=${N}: a reduction over rows onto db`, () => {
        const mark = rt.arena.mark();
        const rng = makeRng(rows * 100 + N + 50_000);
        const pdbN = allocGuarded(rt, N, 0), pdbS = allocGuarded(rt, N, 0);
        const pdy = rt.arena.alloc(rows * N * 4);
        const db0 = put(rt, pdbN, randomArray(rng, N));
        put(rt, pdbS, db0);
        const dy = put(rt, pdy, randomArray(rng, rows * N));
        rt.naive.bias_grad(pdbN, pdy, rows, N);
        simd.bias_grad(pdbS, pdy, rows, N);
        const { c, absSum } = biasGradRef(db0, dy, rows, N);
        const gotN = rt.arena.f32(pdbN, N);
        // rows additions onto the initial db (reduction bound with K = rows).
        const rN = expectWithin(gotN, c, dotTol(absSum, rows, 1), `bias_grad ${rows}x${N} naive vs f64`);
        const rS = expectWithin(rt.arena.f32(pdbS, N), gotN, dotTol(absSum, rows, 2), `bias_grad ${rows}x${N} SIMD vs naive`);
        worst.biasGradNaive = Math.max(worst.biasGradNaive, rN);
        worst.biasGradSimd = Math.max(worst.biasGradSimd, rS);
        expectGuardsIntact(rt, pdbN, N, `bias_grad ${rows}x${N} naive`);
        expectGuardsIntact(rt, pdbS, N, `bias_grad ${rows}x${N} SIMD`);
        rt.arena.release(mark);
      });
    }
  }

  it('bias_grad accumulates (db += Σ dy, twice gives twice the sum) and rows = 0 is a no-op', () => {
    const mark = rt.arena.mark();
    for (const k of [rt.naive, simd]) {
      const pdb = rt.arena.allocF32(6), pdy = rt.arena.alloc(3 * 6 * 4);
      rt.arena.f32(pdy, 18).set([1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60, 100, 200, 300, 400, 500, 600]);
      k.bias_grad(pdb, pdy, 3, 6);
      expect(Array.from(rt.arena.f32(pdb, 6))).toEqual([111, 222, 333, 444, 555, 666]);
      k.bias_grad(pdb, pdy, 3, 6);
      expect(Array.from(rt.arena.f32(pdb, 6))).toEqual([222, 444, 666, 888, 1110, 1332]);
      k.bias_grad(pdb, pdy, 0, 6);
      expect(Array.from(rt.arena.f32(pdb, 6))).toEqual([222, 444, 666, 888, 1110, 1332]);
    }
    rt.arena.release(mark);
  });
});
