// poolForward / poolBackward against the f64 reference (test/ops/reference.ts), ties, and
// finite differences through the public API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, poolBackward, poolForward, type NdArray, type PoolMode } from '../../src/ops/index.js';
import { expectBitIdentical } from '../helpers/compare.js';
import { makeRng } from '../helpers/rng.js';
import { pads2d, poolBackwardRef, poolForwardRef } from './reference.js';
import { expectMatchesRef, fdCheck, logWorstRatios, rand, ref, roundingTol, sampleIndices } from './util.js';

beforeAll(async () => { await init(); });
afterAll(() => logWorstRatios('ops/pool'));

interface Case {
  name: string;
  x: number[];
  k: number | [number, number];
  s: number | [number, number];
  padding?: 'same' | 'valid' | number;
}

// Max forward is a selection (bound 0: exact). Avg forward and every backward where windows
// overlap are sums: bounded by K·2^-23·S with K and S from the reference (see reference.ts).
const CASES: Case[] = [
  { name: 'exercise A(2,5,5,3) f=3 stride 1', x: [2, 5, 5, 3], k: 3, s: 1 },
  { name: 'exercise A(2,5,5,3) f=3 stride 2', x: [2, 5, 5, 3], k: 3, s: 2 },
  { name: '2x2 stride 2 on 7x7 valid (does not tile)', x: [1, 7, 7, 4], k: [2, 2], s: [2, 2] },
  { name: '2x2 stride 2 on 7x7 same (clipped last window)', x: [2, 7, 7, 5], k: 2, s: 2, padding: 'same' },
  { name: '3x3 stride 2 same on 6x9 (pad top/left 0 or 1)', x: [1, 6, 9, 2], k: 3, s: 2, padding: 'same' },
  { name: '3x2 stride (2,1) pad 1, C=13', x: [1, 5, 6, 13], k: [3, 2], s: [2, 1], padding: 1 },
  { name: '1x1 stride 1', x: [3, 2, 3, 1], k: 1, s: 1 },
];

const pair = (v: number | [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : v);

for (const mode of ['max', 'avg'] as PoolMode[]) {
  describe(`${mode} pool vs f64 reference`, () => {
    CASES.forEach((c, ci) => {
      it(`${c.name}: forward and backward`, () => {
        const [kh, kw] = pair(c.k);
        const [sh, sw] = pair(c.s);
        const padding = c.padding ?? 'valid';
        const p = pads2d(padding, c.x[1]!, c.x[2]!, kh, kw, sh, sw);
        const A_prev = rand(700 + ci, c.x);
        const y = poolForward(A_prev, c.k, c.s, mode, padding);
        const want = poolForwardRef(ref(A_prev), kh, kw, sh, sw, mode, p);
        expectMatchesRef(y, want, `poolForward ${mode}: ${c.name}`);
        const dA = rand(750 + ci, y.shape);
        const dx = poolBackward(dA, A_prev, c.k, c.s, mode, padding);
        expectMatchesRef(dx, poolBackwardRef(ref(dA), ref(A_prev), kh, kw, sh, sw, mode, p), `poolBackward ${mode}: ${c.name}`);
      });
    });
  });
}

describe('pool details', () => {
  it('shapes: exercise f=3 stride 1 → [2,3,3,3], stride 2 → [2,2,2,3]; same 2x2/2 on 7x7 → 4x4', () => {
    const A = rand(1, [2, 5, 5, 3]);
    expect(poolForward(A, 3, 1, 'max').shape).toEqual([2, 3, 3, 3]);
    expect(poolForward(A, 3, 2, 'avg').shape).toEqual([2, 2, 2, 3]);
    expect(poolForward(rand(2, [1, 7, 7, 1]), 2, 2, 'max', 'same').shape).toEqual([1, 4, 4, 1]);
  });

  it("'same' avg divides the clipped edge windows by their in-bounds count", () => {
    // 3x3 of ones plus one 10 in the corner; 2x2 stride 2 same → 2x2 output; the bottom-right
    // window holds only the corner element, so its mean is exactly that element.
    const data = new Float32Array(9).fill(1);
    data[8] = 10;
    const y = poolForward({ data, shape: [1, 3, 3, 1] }, 2, 2, 'avg', 'same');
    expect(Array.from(y.data)).toEqual([1, 1, 1, 10]);
  });

  it('kernelShape and stride as numbers equal pairs; stride defaults to the kernel', () => {
    const A = rand(3, [2, 8, 6, 3]);
    const a = poolForward(A, [2, 2], [2, 2], 'max');
    expectBitIdentical(poolForward(A, 2, 2, 'max').data, a.data, 'numbers vs pairs');
    expectBitIdentical(poolForward(A, 2).data, a.data, 'default stride and mode');
    expect(poolForward(A, 2, 1, 'max').shape).toEqual([2, 7, 5, 3]);
  });

  it('max backward on ties sends each gradient to the first maximum (top-left) of its window', () => {
    // All-equal input: every position ties, so the first maximum is each window's top-left corner.
    const A_prev: NdArray = { data: new Float32Array(5 * 5 * 2).fill(0.5), shape: [1, 5, 5, 2] };
    const dA: NdArray = { data: new Float32Array(3 * 3 * 2).fill(1), shape: [1, 3, 3, 2] };
    const dx = poolBackward(dA, A_prev, 3, 1, 'max');
    const want = new Float32Array(50);
    for (let r = 0; r < 3; r++) for (let q = 0; q < 3; q++) for (let c = 0; c < 2; c++) want[(r * 5 + q) * 2 + c] = 1;
    expectBitIdentical(dx.data, want, 'ties → top-left of each window');
  });
});

describe('finite differences through the public API', () => {
  // L = Σ R·poolForward(A_prev). Inputs are a shuffled grid with spacing 0.01, so with h = 1e-3
  // no window's maximum changes: L is then linear in each input (max and avg alike), central
  // differences carry no truncation error, and fdCheck (util.ts) allows exactly the float32
  // rounding of the changed outputs and of the analytic gradient, plus 1e-6 relative.
  for (const mode of ['max', 'avg'] as PoolMode[]) {
    for (const c of [CASES[0]!, CASES[3]!, CASES[5]!]) {
      it(`${mode}, ${c.name}: poolBackward matches central differences`, () => {
        const [kh, kw] = pair(c.k);
        const [sh, sw] = pair(c.s);
        const padding = c.padding ?? 'valid';
        const p = pads2d(padding, c.x[1]!, c.x[2]!, kh, kw, sh, sw);
        const n = c.x.reduce((a, b) => a * b, 1);
        const rng = makeRng(900);
        const perm = Array.from({ length: n }, (_, i) => i);
        for (let i = n - 1; i > 0; i--) {
          const j = Math.floor(rng() * (i + 1));
          [perm[i], perm[j]] = [perm[j]!, perm[i]!];
        }
        const A_prev: NdArray = { data: Float32Array.from(perm, (v) => (v - n / 2) * 0.01), shape: c.x };
        const y = poolForward(A_prev, c.k, c.s, mode, padding);
        const Rf = rand(901, y.shape);
        const dx = poolBackward(Rf, A_prev, c.k, c.s, mode, padding);
        const ratio = fdCheck({
          label: 'dA_prev', x: A_prev, grad: dx, R: Float64Array.from(Rf.data), h: 1e-3, rel: 1e-6,
          gradTol: roundingTol(poolBackwardRef(ref(Rf), ref(A_prev), kh, kw, sh, sw, mode, p)),
          forward: (x) => poolForward(x, c.k, c.s, mode, padding),
          outTol: (x) => roundingTol(poolForwardRef(ref(x), kh, kw, sh, sw, mode, p)),
          indices: sampleIndices(902, n, 24),
        });
        console.log(`ops/pool FD ${mode} ${c.name}: worst |a−n|/allowed ${ratio.toFixed(3)}`);
      });
    }
  }
});
