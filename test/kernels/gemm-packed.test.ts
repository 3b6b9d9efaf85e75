// gemm_nn_packed / gemm_packed_scratch_bytes: the packed SIMD GEMM (assembly/gemm/packed.ts)
// against the f64 reference and the naive build, over a shape sweep that crosses every tile
// edge and every block boundary, plus K = 0, empty shapes, guard words around C and the
// scratch, read-only inputs, a dirty scratch, misaligned pointers and end-of-memory reads.
//
// Tolerances (STYLE.md §6, as in gemm.test.ts). Every output is c = (acc ? c0 : 0) + Σ_k a_k·b_k,
// a float32 sum of n = K + acc terms, each product rounded once; with
// S_i = Σ_k |a_k·b_k| + acc·|c0_i|, any summation order is within n·2^-24·S_i of the exact value
// (first order), so:
//   naive vs f64:   |got − want| ≤ (K + acc) · 2^-23 · S_i   (dotTol factor 1: 2× slack)
// The SIMD kernel documents that it does each output's operations in the naive order (start
// from C or 0, add the rounded products in ascending k, no FMA; K blocks only store and
// reload C), so it is held to the stronger claim: bit-identical to naive gemm_nn_packed and
// to gemm_nn of both builds. Should that claim ever be dropped, the bound to fall back to is
// 2 · (K + acc) · 2^-23 · S_i (each side within the one above).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRuntime } from '../helpers/runtime.js';
import { makeRng, randomArray } from '../helpers/rng.js';
import { dotTol, expectBitIdentical, expectWithin } from '../helpers/compare.js';
import type { Kernels } from '../../src/runtime/abi.js';
import type { Runtime } from '../../src/runtime/load.js';
import { gemmRef } from '../reference/gemm.js';
import { init, matmul, memoryStats } from '../../src/ops/index.js';
import { usesPackedGemm } from '../../src/tensor/gemm-path.js';
import { Sequential } from '../../src/model/sequential.js';
import { Dense } from '../../src/layers/dense.js';
import { allocGuarded, expectGuardsIntact, writeF32 as put } from '../helpers/memory.js';

// The SIMD kernel's tile and block sizes (packed.ts), which the sweep straddles.
const MR = 4;      // rows per micro-tile
const NR = 8;      // columns per micro-tile / B panel
const KC_MAX = 384; // K is split into ceil(K / 384) equal blocks
const NC_MAX = 1024; // columns per block
const MC_MAX = 128; // rows per block
const MAX_SCRATCH = KC_MAX * NC_MAX * 4 + MC_MAX * KC_MAX * 4 + MR * NR * 4; // documented ceiling

function triples(): [number, number, number][] {
  const out: [number, number, number][] = [];
  // Every row tail (M mod 4) and column tail (N mod 8), small K incl. 1.
  for (let M = 1; M <= 9; M++) out.push([M, 13, 7]);
  for (let N = 1; N <= 17; N++) out.push([6, N, 5]);
  for (const K of [1, 2, 3, 4, 5, 8, 17]) out.push([5, 11, K]);
  // Whole tiles only, and sizes not multiples of 4 or 8 in every direction at once.
  out.push([4, 8, 16], [8, 16, 33], [12, 24, 9], [33, 70, 129], [65, 37, 63]);
  // K block boundaries: one block of 384, two of 192 / 193, three of 257.
  out.push([9, 19, 383], [9, 19, 384], [9, 19, 385], [7, 12, 769]);
  // Row block boundaries (128 rows): one block, one and a bit, two and a tail.
  out.push([128, 9, 10], [129, 9, 10], [131, 17, 6], [261, 8, 3]);
  // Column block boundaries (1024 columns): exactly one, one plus a 1-column / 7-column block.
  out.push([5, 1024, 6], [6, 1025, 5], [5, 1031, 4]);
  // Every boundary at once: several row, column and K blocks, all with tails.
  out.push([130, 1030, 390]);
  // A seeded sample.
  const rng = makeRng(11);
  const V = [1, 3, 4, 5, 8, 13, 17, 33];
  const pick = () => V[Math.floor(rng() * V.length)]!;
  for (let i = 0; i < 12; i++) out.push([pick(), pick(), pick()]);
  const seen = new Set<string>();
  return out.filter((t) => {
    const key = t.join('x');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Fills the scratch with NaNs, so a kernel that reads scratch it did not write shows. */
function dirty(rt: Runtime, p: number, bytes: number): void {
  new Uint32Array(rt.arena.memory.buffer, p, bytes / 4).fill(0x7fc00001);
}

const worst = { naiveVsRef: 0 };
afterAll(() => {
  console.log(`gemm_nn_packed worst err/tol naive vs f64: ${worst.naiveVsRef.toFixed(4)} (SIMD bit-identical to naive in every case)`);
});

describe('gemm_nn_packed: naive vs f64 reference, SIMD bit-identical to naive', async () => {
  const rt = await getRuntime();
  const simd = rt.simd!;

  for (const [M, N, K] of triples()) {
    for (const acc of [0, 1]) {
      // acc = 1 also shifts A, B and C one f32 off 16-byte alignment (the scratch stays
      // aligned: that is the contract).
      const skew = acc === 1 ? 4 : 0;
      it(`gemm_nn_packed M=${M} N=${N} K=${K} acc=${acc}${skew ? ' misaligned' : ''}`, () => {
        const label = `gemm_nn_packed M=${M} N=${N} K=${K} acc=${acc}`;
        const mark = rt.arena.mark();
        const rng = makeRng(M * 1_000_003 + N * 1009 + K * 31 + acc);
        const sBytes = simd.gemm_packed_scratch_bytes(M, N, K);
        expect(sBytes % 16, `${label}: scratch bytes a multiple of 16`).toBe(0);
        expect(sBytes).toBeLessThanOrEqual(MAX_SCRATCH);
        expect(rt.naive.gemm_packed_scratch_bytes(M, N, K)).toBe(0);
        const pa = allocGuarded(rt, M * K, skew);
        const pb = allocGuarded(rt, K * N, skew);
        const pcN = allocGuarded(rt, M * N, skew);
        const pcS = allocGuarded(rt, M * N, skew);
        const pcR = allocGuarded(rt, M * N, skew); // SIMD gemm_nn, the unpacked kernel
        const ps = allocGuarded(rt, sBytes / 4, 0);
        dirty(rt, ps, sBytes);
        const a = put(rt, pa, randomArray(rng, M * K));
        const b = put(rt, pb, randomArray(rng, K * N));
        // acc = 0 must overwrite: start from NaN so an unwritten or read element shows.
        const c0 = put(rt, pcN, acc ? randomArray(rng, M * N) : new Float64Array(M * N).fill(NaN));
        put(rt, pcS, c0);
        put(rt, pcR, c0);

        rt.naive.gemm_nn_packed(pcN, pa, pb, M, N, K, acc, 0);
        simd.gemm_nn_packed(pcS, pa, pb, M, N, K, acc, ps);
        simd.gemm_nn(pcR, pa, pb, M, N, K, acc);

        const { c, absSum } = gemmRef('nn', a, b, M, N, K);
        const want = new Float64Array(M * N);
        const sums = new Float64Array(M * N);
        for (let i = 0; i < M * N; i++) {
          want[i] = c[i]! + (acc ? c0[i]! : 0);
          sums[i] = absSum[i]! + (acc ? Math.abs(c0[i]!) : 0);
        }
        const gotN = rt.arena.f32(pcN, M * N);
        worst.naiveVsRef = Math.max(worst.naiveVsRef,
          expectWithin(gotN, want, dotTol(sums, K + acc, 1), `${label} naive vs f64`));
        expectBitIdentical(rt.arena.f32(pcS, M * N), gotN, `${label} SIMD packed vs naive`);
        expectBitIdentical(rt.arena.f32(pcR, M * N), gotN, `${label} SIMD gemm_nn vs naive`);

        expectGuardsIntact(rt, pcN, M * N, `${label} naive C`);
        expectGuardsIntact(rt, pcS, M * N, `${label} SIMD C`);
        expectGuardsIntact(rt, ps, sBytes / 4, `${label} scratch`);
        expectBitIdentical(rt.arena.f32(pa, M * K), a, `${label}: A unchanged`);
        expectBitIdentical(rt.arena.f32(pb, K * N), b, `${label}: B unchanged`);
        rt.arena.release(mark);
      });
    }
  }
});

describe('gemm_nn_packed: exact cases, edge sizes, scratch', async () => {
  const rt = await getRuntime();
  const builds: [string, Kernels][] = [['naive', rt.naive], ['SIMD', rt.simd!]];

  /** Allocates max(scratch bytes of both builds) for the shape, dirty. */
  const scratchFor = (M: number, N: number, K: number): number => {
    const bytes = Math.max(rt.naive.gemm_packed_scratch_bytes(M, N, K), rt.simd!.gemm_packed_scratch_bytes(M, N, K));
    const p = rt.arena.alloc(Math.max(bytes, 16));
    dirty(rt, p, Math.max(bytes, 16));
    return p;
  };

  // Small integers: every product and partial sum is exact in f32.
  //   A = [[1, 2, 3], [4, 5, 6]] (M=2, K=3), B = [[7, 8], [9, 10], [11, 12]] (K=3, N=2)
  //   A·B = [[58, 64], [139, 154]]
  for (const [name, k] of builds) {
    it(`${name} 2x2x3 small integers, overwrite then accumulate`, () => {
      const mark = rt.arena.mark();
      const pa = rt.arena.alloc(24), pb = rt.arena.alloc(24), pc = rt.arena.alloc(16);
      rt.arena.f32(pa, 6).set([1, 2, 3, 4, 5, 6]);
      rt.arena.f32(pb, 6).set([7, 8, 9, 10, 11, 12]);
      rt.arena.f32(pc, 4).set([NaN, NaN, NaN, NaN]);
      const ps = scratchFor(2, 2, 3);
      k.gemm_nn_packed(pc, pa, pb, 2, 2, 3, 0, ps);
      expect(Array.from(rt.arena.f32(pc, 4))).toEqual([58, 64, 139, 154]);
      k.gemm_nn_packed(pc, pa, pb, 2, 2, 3, 1, ps);
      expect(Array.from(rt.arena.f32(pc, 4))).toEqual([116, 128, 278, 308]);
      rt.arena.release(mark);
    });

    it(`${name} M=3 N=5 K=0: acc=0 zeroes C, acc=1 leaves it, scratch untouched`, () => {
      const mark = rt.arena.mark();
      expect(k.gemm_packed_scratch_bytes(3, 5, 0)).toBe(0);
      const pc = allocGuarded(rt, 15, 0);
      const ps = allocGuarded(rt, 4, 0);
      dirty(rt, ps, 16);
      const start = put(rt, pc, randomArray(makeRng(3), 15));
      k.gemm_nn_packed(pc, 16, 16, 3, 5, 0, 1, ps);
      expectBitIdentical(rt.arena.f32(pc, 15), start, `${name} K=0 acc=1`);
      k.gemm_nn_packed(pc, 16, 16, 3, 5, 0, 0, ps);
      expect(Array.from(rt.arena.f32(pc, 15))).toEqual(new Array(15).fill(0));
      expectGuardsIntact(rt, pc, 15, `${name} K=0 C`);
      expectGuardsIntact(rt, ps, 4, `${name} K=0 scratch`);
      expect(Array.from(new Uint32Array(rt.arena.memory.buffer, ps, 4))).toEqual(new Array(4).fill(0x7fc00001));
      rt.arena.release(mark);
    });

    it(`${name} M=0 or N=0 writes nothing, and needs no scratch`, () => {
      const mark = rt.arena.mark();
      expect(k.gemm_packed_scratch_bytes(0, 5, 4)).toBe(0);
      expect(k.gemm_packed_scratch_bytes(5, 0, 4)).toBe(0);
      const pc = allocGuarded(rt, 0, 0);
      const pa = rt.arena.allocF32(64), pb = rt.arena.allocF32(64);
      k.gemm_nn_packed(pc, pa, pb, 0, 5, 4, 0, 0);
      k.gemm_nn_packed(pc, pa, pb, 5, 0, 4, 0, 0);
      expectGuardsIntact(rt, pc, 0, `${name} empty`);
      rt.arena.release(mark);
    });
  }

  it('SIMD scratch size: depends only on the shape, capped whatever the shape', () => {
    const s = rt.simd!;
    // The cap is reached once K ≥ 384, N ≥ 1024 and M ≥ 128; larger shapes need no more.
    expect(s.gemm_packed_scratch_bytes(128, 1024, 384)).toBe(MAX_SCRATCH);
    expect(s.gemm_packed_scratch_bytes(100_000, 100_000, 100_000)).toBe(MAX_SCRATCH);
    // One 4 × 8 tile of B panel (K = 1): 64-byte-rounded blocks plus the 128-byte edge tile.
    expect(s.gemm_packed_scratch_bytes(1, 1, 1)).toBe(64 + 64 + 128);
    expect(s.gemm_packed_scratch_bytes(512, 512, 512)).toBeGreaterThan(0);
  });

  it('SIMD scratch size is non-decreasing in M, N and K (a plan for batch B serves every b ≤ B)', () => {
    const s = rt.simd!;
    const sizes = [1, 2, 3, 4, 5, 7, 8, 9, 31, 32, 33, 64, 100, 127, 128, 129, 200, 383, 384, 385, 500, 768, 769,
      1000, 1023, 1024, 1025, 2000, 9216];
    for (const a of sizes) {
      for (const b of sizes) {
        let prev = [0, 0, 0];
        for (const x of sizes) {
          const now = [s.gemm_packed_scratch_bytes(x, a, b), s.gemm_packed_scratch_bytes(a, x, b), s.gemm_packed_scratch_bytes(a, b, x)];
          for (let d = 0; d < 3; d++) {
            if (now[d]! < prev[d]!) throw new Error(`scratch bytes decrease along ${'MNK'[d]} at ${x} (others ${a}, ${b}): ${prev[d]} → ${now[d]}`);
          }
          prev = now;
        }
      }
    }
  });

  it('SIMD: a misaligned scratch still gives the same bits (alignment is for speed only)', () => {
    const mark = rt.arena.mark();
    const [M, N, K] = [13, 21, 37];
    const rng = makeRng(99);
    const pa = rt.arena.alloc(M * K * 4), pb = rt.arena.alloc(K * N * 4);
    const pc1 = rt.arena.alloc(M * N * 4), pc2 = rt.arena.alloc(M * N * 4);
    put(rt, pa, randomArray(rng, M * K));
    put(rt, pb, randomArray(rng, K * N));
    const bytes = rt.simd!.gemm_packed_scratch_bytes(M, N, K);
    const ps = allocGuarded(rt, bytes / 4, 4);
    rt.naive.gemm_nn(pc1, pa, pb, M, N, K, 0);
    rt.simd!.gemm_nn_packed(pc2, pa, pb, M, N, K, 0, ps);
    expectBitIdentical(rt.arena.f32(pc2, M * N), rt.arena.f32(pc1, M * N), 'misaligned scratch');
    expectGuardsIntact(rt, ps, bytes / 4, 'misaligned scratch guards');
    rt.arena.release(mark);
  });

  // Each region in turn (A, B, C, scratch) ends exactly at the end of the wasm memory, so a
  // load past its last byte (e.g. a full f32x4 over a column tail) traps instead of passing.
  const FLUSH_SHAPES: [number, number, number][] = [
    [1, 1, 1], [3, 5, 3], [5, 7, 6], [6, 13, 5], [4, 8, 4], [9, 6, 7], [17, 9, 5], [4, 3, 9], [7, 17, 385],
  ];
  for (const [name, k] of builds) {
    for (const [M, N, K] of FLUSH_SHAPES) {
      it(`${name} M=${M} N=${N} K=${K}: no reads past A, B, C or the scratch at the end of memory`, () => {
        const sBytes = Math.max(rt.naive.gemm_packed_scratch_bytes(M, N, K), rt.simd!.gemm_packed_scratch_bytes(M, N, K));
        const sizes = { a: M * K * 4, b: K * N * 4, c: M * N * 4, s: sBytes };
        for (const last of ['a', 'b', 'c', 's'] as const) {
          if (sizes[last] === 0) continue;
          const mark = rt.arena.mark();
          const need = sizes.a + sizes.b + sizes.c + sizes.s + 256;
          rt.arena.ensure(rt.arena.used + need);
          // Reserve everything up to the end of memory, then place the regions by hand.
          const base = rt.arena.alloc(rt.arena.capacity - rt.arena.used, 'flush test');
          const end = rt.arena.capacity;
          expect(base + need).toBeLessThanOrEqual(end);
          const ptr = { a: 0, b: 0, c: 0, s: 0 };
          let next = base;
          for (const which of ['a', 'b', 'c', 's'] as const) {
            if (which === last) ptr[which] = end - sizes[which];
            else { ptr[which] = next; next += Math.ceil(sizes[which] / 16) * 16 + 16; }
          }
          dirty(rt, ptr.s, sizes.s);
          const rng = makeRng(M + 10 * N + 100 * K);
          const a = put(rt, ptr.a, randomArray(rng, M * K));
          const b = put(rt, ptr.b, randomArray(rng, K * N));
          const c0 = put(rt, ptr.c, randomArray(rng, M * N));
          k.gemm_nn_packed(ptr.c, ptr.a, ptr.b, M, N, K, 1, ptr.s);
          const { c, absSum } = gemmRef('nn', a, b, M, N, K);
          const want = c.map((x, i) => x + c0[i]!);
          const sums = absSum.map((x, i) => x + Math.abs(c0[i]!));
          // Any order of the K + 1 additions: the bound above with factor 1 (2× slack).
          expectWithin(rt.arena.f32(ptr.c, M * N), want, dotTol(sums, K + 1, 1), `${name} ${M}x${N}x${K} ${last} last`);
          rt.arena.release(mark);
        }
      });
    }
  }

  it('SIMD: back-to-back calls with one scratch and different shapes do not interfere', () => {
    const mark = rt.arena.mark();
    const shapes: [number, number, number][] = [[70, 90, 400], [5, 3, 2], [33, 1030, 17]];
    const bytes = Math.max(...shapes.map(([M, N, K]) => rt.simd!.gemm_packed_scratch_bytes(M, N, K)));
    const ps = rt.arena.alloc(bytes);
    dirty(rt, ps, bytes);
    const rng = makeRng(5);
    for (const [M, N, K] of shapes) {
      const pa = rt.arena.alloc(M * K * 4), pb = rt.arena.alloc(K * N * 4);
      const pc1 = rt.arena.alloc(M * N * 4), pc2 = rt.arena.alloc(M * N * 4);
      put(rt, pa, randomArray(rng, M * K));
      put(rt, pb, randomArray(rng, K * N));
      put(rt, pc2, put(rt, pc1, randomArray(rng, M * N)));
      rt.naive.gemm_nn(pc1, pa, pb, M, N, K, 1);
      rt.simd!.gemm_nn_packed(pc2, pa, pb, M, N, K, 1, ps);
      expectBitIdentical(rt.arena.f32(pc2, M * N), rt.arena.f32(pc1, M * N), `${M}x${N}x${K} after other shapes`);
    }
    rt.arena.release(mark);
  });
});

// The public matmul (src/ops/matmul.ts) picks gemm_nn_packed by shape. Both paths promise the
// naive summation order, so the result must equal, bit for bit, an f32 emulation of it in JS:
// c = 0, then c = fround(c + fround(a·b)) for ascending k (a double product of two f32 is
// exact, and one rounding of a double sum or product of f32 values is the correctly rounded
// f32 result, so the emulation is exact). The arena must be back where it was after each call.
describe('matmul (ops): packed path chosen by shape', () => {
  // The simd build: 'auto' would pick relaxed on Node ≥ 22, whose FMA rounds differently.
  beforeAll(async () => { await init({ build: 'simd' }); });

  it('usesPackedGemm: the measured thresholds (m ≥ 32, n ≥ 48, k ≥ 64)', () => {
    expect(usesPackedGemm(512, 512, 512)).toBe(true);
    expect(usesPackedGemm(32, 48, 64)).toBe(true);
    expect(usesPackedGemm(31, 512, 512)).toBe(false);
    expect(usesPackedGemm(512, 47, 512)).toBe(false);
    expect(usesPackedGemm(512, 512, 63)).toBe(false);
    expect(usesPackedGemm(1, 128, 9216)).toBe(false);
  });

  const cases: [number, number, number][] = [[33, 70, 50], [40, 300, 130], [5, 9, 7], [64, 64, 8]];
  for (const [m, k, n] of cases) {
    it(`[${m},${k}]·[${k},${n}] (${usesPackedGemm(m, n, k) ? 'packed' : 'gemm_nn'}) equals the naive order bit for bit`, () => {
      const rng = makeRng(m * 7 + k * 11 + n);
      const A = { data: Float32Array.from(randomArray(rng, m * k)), shape: [m, k] };
      const B = { data: Float32Array.from(randomArray(rng, k * n)), shape: [k, n] };
      const want = new Float32Array(m * n);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let c = 0;
          for (let q = 0; q < k; q++) c = Math.fround(c + Math.fround(A.data[i * k + q]! * B.data[q * n + j]!));
          want[i * n + j] = c;
        }
      }
      const before = memoryStats().usedBytes;
      const C = matmul(A, B);
      expect(C.shape).toEqual([m, n]);
      expectBitIdentical(C.data, want, `matmul [${m},${k}]·[${k},${n}]`);
      expect(memoryStats().usedBytes, 'matmul releases its scratch').toBe(before);
    });
  }
});

// Dense (src/layers/dense.ts) takes the packed path where usesPackedGemm says so, with the
// scratch declared as its 'pack' buffer (kind 'scratch': one per shard of a plan). A plan cuts
// the batch into up to 8 shards of at least 8 samples (src/model/plan.ts), so a batch of 320
// gives 8 shards of 40 rows. The forward output must equal, bit for bit, the f32 emulation of
// gemm (naive order) then bias_add (one rounded add), also after setBatch to smaller batches
// (shards of 33 rows: packed, same scratch; of 20 rows: gemm_nn), and shards too small for the
// packed path must plan no scratch at all.
describe('Dense forward: packed path with planned scratch', () => {
  const IN = 100, UNITS = 64;

  function expected(x: Float32Array, w: Float32Array, bias: Float32Array, B: number): Float32Array {
    const y = new Float32Array(B * UNITS);
    for (let i = 0; i < B; i++) {
      for (let j = 0; j < UNITS; j++) {
        let c = 0;
        for (let q = 0; q < IN; q++) c = Math.fround(c + Math.fround(x[i * IN + q]! * w[q * UNITS + j]!));
        y[i * UNITS + j] = Math.fround(c + bias[j]!);
      }
    }
    return y;
  }

  it(`Dense ${IN}→${UNITS} in shards of 40 rows (packed), then 33 (packed, same scratch) and 20 (gemm_nn); shards of 8 plan no scratch`, async () => {
    const rt = await getRuntime();
    const m = new Sequential([new Dense({ units: UNITS })]);
    m.compileWith(rt, { inputShape: [IN], optimizer: 'sgd', seed: 3, threads: 1 });
    const rng = makeRng(2024);
    const [kernel, biasParam] = m.getWeights();
    const w = kernel!.data;
    const bias = Float32Array.from(randomArray(rng, UNITS)); // non-zero, so bias_add is exercised
    m.setWeights([{ name: kernel!.name, data: w }, { name: biasParam!.name, data: bias }]);
    expect(usesPackedGemm(40, UNITS, IN)).toBe(true);
    const plan = m.plan(320, 'infer');
    expect(plan.shards).toHaveLength(8);
    const packBytes = rt.simd!.gemm_packed_scratch_bytes(40, UNITS, IN);
    expect(packBytes).toBeGreaterThan(0);
    for (const sh of plan.shards) expect(sh.runs[0]!.bufs.pack, `shard ${sh.index}: a pack buffer is planned`).toBeDefined();
    for (const [B, rows] of [[320, 40], [264, 33], [160, 20]] as const) {
      m.setBatch(plan, B);
      expect(plan.shards.every((sh) => sh.rows === rows), `batch ${B}: shards of ${rows}`).toBe(true);
      const x = Float32Array.from(randomArray(rng, B * IN));
      rt.arena.f32(plan.x0, B * IN).set(x);
      const y = plan.runs[0]!.y;
      rt.arena.f32(y, B * UNITS).fill(NaN);
      // The scratch starts as NaNs: after the forward, it holds packed values iff it was used.
      for (const sh of plan.shards) dirty(rt, sh.runs[0]!.bufs.pack!, packBytes);
      m.forwardPlan(plan, false);
      expectBitIdentical(rt.arena.f32(y, B * UNITS), expected(x, w, bias, B), `Dense forward B=${B}`);
      for (const sh of plan.shards) {
        const used = new Uint32Array(rt.arena.memory.buffer, sh.runs[0]!.bufs.pack!, packBytes / 4).some((u) => u !== 0x7fc00001);
        expect(used, `B=${B} shard ${sh.index}: the packed path ${usesPackedGemm(rows, UNITS, IN) ? 'is' : 'is not'} taken`).toBe(usesPackedGemm(rows, UNITS, IN));
      }
    }
    expect(m.plan(64, 'infer').shards.every((sh) => sh.runs[0]!.bufs.pack === undefined), 'no pack buffer for shards of 8').toBe(true);
  });
});
