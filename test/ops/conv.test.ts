// convForward / convForwardWithZ / convBackward / activationBackward against the f64 reference
// (test/ops/reference.ts), plus finite differences through the public API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activationBackward, activationForward, convBackward, convForward, convForwardWithZ, init, type Activation, type NdArray } from '../../src/ops/index.js';
import { expectBitIdentical, expectWithin } from '../helpers/compare.js';
import { ACT_LIPSCHITZ, activationRef, convBackwardRef, convForwardRef, pads2d, type Pads, type RefWithBound } from './reference.js';
import { expectMatchesRef, fdCheck, logWorstRatios, rand, ref, roundingTol, sampleIndices } from './util.js';

beforeAll(async () => { await init(); });
afterAll(() => logWorstRatios('ops/conv'));

// tanh and sigmoid are transcendental: a float32 kernel (libm-style or a polynomial exp) is
// within a few ulp, so allow 32 ulp relative (32·2^-24 ≈ 1.9e-6) plus 2.4e-7 absolute
// (4 ulp of 1: tanh written as (1 − e^−2z)/(1 + e^−2z) loses absolute, not relative,
// accuracy near 0). relu and linear are exact.
const ACT_RTOL: Record<Activation, number> = { relu: 0, linear: 0, tanh: 1.9e-6, sigmoid: 1.9e-6 };
const ACT_ATOL: Record<Activation, number> = { relu: 0, linear: 0, tanh: 2.4e-7, sigmoid: 2.4e-7 };
const ACTIVATIONS: Activation[] = ['relu', 'tanh', 'sigmoid', 'linear'];

/** The reference A = act(Z) and its bound: L·(Z's rounding bound) + the activation's own error. */
function activatedRef(Z: RefWithBound, act: Activation): { want: RefWithBound; extra: Float64Array } {
  const data = Z.data.map((z) => activationRef(z, act));
  const zTol = roundingTol(Z);
  const extra = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) {
    extra[i] = ACT_LIPSCHITZ[act] * zTol[i]! + ACT_RTOL[act] * Math.abs(data[i]!) + ACT_ATOL[act];
  }
  // The whole bound is carried in `extra`; zero the K·S part so it is not counted twice.
  return { want: { ...Z, data, terms: new Float64Array(data.length) }, extra };
}

interface Case {
  name: string;
  x: number[];
  w: number[];
  padding: 'same' | 'valid' | number;
  stride: number | [number, number];
  bias4d?: boolean;
}

// The classic exercise shapes first, then the awkward ones: even kernels with 'same', stride
// (2, 1), C = 1, OC not a multiple of 4, 1x1 kernels, widths not multiples of 4.
const CASES: Case[] = [
  { name: 'exercise A(2,5,7,4) W(3,3,4,8) pad 1 stride 2', x: [2, 5, 7, 4], w: [3, 3, 4, 8], padding: 1, stride: 2, bias4d: true },
  { name: 'exercise A(10,5,7,4) W(3,3,4,8) pad 2 stride 2', x: [10, 5, 7, 4], w: [3, 3, 4, 8], padding: 2, stride: 2, bias4d: true },
  { name: "same 4x2 kernel stride 2 on 7x5", x: [2, 7, 5, 3], w: [4, 2, 3, 5], padding: 'same', stride: [2, 2] },
  { name: "same 2x2 kernel stride 2 on 6x7", x: [1, 6, 7, 2], w: [2, 2, 2, 3], padding: 'same', stride: 2 },
  { name: "same 3x3 stride 1, C=1 OC=13", x: [3, 9, 7, 1], w: [3, 3, 1, 13], padding: 'same', stride: 1 },
  { name: 'valid 5x5 stride 1, OC=6', x: [2, 11, 10, 3], w: [5, 5, 3, 6], padding: 'valid', stride: [1, 1] },
  { name: 'valid 3x2 stride (2,1), OC=5', x: [1, 8, 9, 5], w: [3, 2, 5, 5], padding: 'valid', stride: [2, 1] },
  { name: '1x1 kernel valid stride 3', x: [2, 7, 7, 4], w: [1, 1, 4, 3], padding: 'valid', stride: 3 },
  { name: 'pad 1 stride 1 on a 1x1 image', x: [2, 1, 1, 3], w: [2, 2, 3, 4], padding: 1, stride: 1 },
  // The classic conv_backward check: padding (2) larger than the 2x2 kernel, so some windows
  // lie wholly in the padding and give just the bias.
  { name: 'exercise backward A(10,4,4,3) W(2,2,3,8) pad 2 stride 2', x: [10, 4, 4, 3], w: [2, 2, 3, 8], padding: 2, stride: 2, bias4d: true },
];

function pairOf(s: number | [number, number]): [number, number] {
  return typeof s === 'number' ? [s, s] : s;
}

function setup(c: Case, seed: number) {
  const [sh, sw] = pairOf(c.stride);
  const A_prev = rand(seed, c.x);
  const W = rand(seed + 1, c.w, -0.5, 0.5);
  const oc = c.w[3]!;
  const b = rand(seed + 2, c.bias4d ? [1, 1, 1, oc] : [oc], -0.5, 0.5);
  const p = pads2d(c.padding, c.x[1]!, c.x[2]!, c.w[0]!, c.w[1]!, sh, sw);
  return { A_prev, W, b, p, sh, sw };
}

describe('convForward vs f64 reference', () => {
  CASES.forEach((c, ci) => {
    it(`${c.name}: Z and every activation`, () => {
      const { A_prev, W, b, p, sh, sw } = setup(c, 100 + ci * 10);
      const Z = convForwardRef(ref(A_prev), ref(W), b.data, p, sh, sw);
      const zOnly = convForward(A_prev, W, b, 'linear', c.padding, c.stride);
      expectMatchesRef(zOnly, Z, `convForward Z: ${c.name}`);
      for (const act of ACTIVATIONS) {
        const { want, extra } = activatedRef(Z, act);
        const got = convForward(A_prev, W, b, act, c.padding, c.stride);
        expectMatchesRef(got, want, `convForward ${act}: ${c.name}`, extra);
        const both = convForwardWithZ(A_prev, W, b, act, c.padding, c.stride);
        // Same kernels on the same data: the WithZ variant must agree exactly with convForward.
        expectBitIdentical(both.A.data, got.data, `convForwardWithZ A ${act}: ${c.name}`);
        expectBitIdentical(both.Z.data, zOnly.data, `convForwardWithZ Z ${act}: ${c.name}`);
      }
    });
  });

  it("'same' puts the odd extra padding at the bottom/right (7x5 input, 4x2 kernel, stride 2)", () => {
    const c = CASES[2]!;
    const { A_prev, W, b, sh, sw } = setup(c, 7);
    const got = convForward(A_prev, W, b, 'linear', 'same', c.stride);
    // Worked by hand: oh = ceil(7/2) = 4, total = (4−1)·2 + 4 − 7 = 3 → 1 top, 2 bottom;
    // ow = ceil(5/2) = 3, total = (3−1)·2 + 2 − 5 = 1 → 0 left, 1 right.
    expect(got.shape).toEqual([2, 4, 3, 5]);
    const right: Pads = { top: 1, bottom: 2, left: 0, right: 1 };
    const mirrored: Pads = { top: 2, bottom: 1, left: 1, right: 0 };
    expectMatchesRef(got, convForwardRef(ref(A_prev), ref(W), b.data, right, sh, sw), 'convForward same asym');
    // The mirrored padding gives a visibly different answer, so the check above can tell them apart.
    const wrong = convForwardRef(ref(A_prev), ref(W), b.data, mirrored, sh, sw);
    let maxDiff = 0;
    for (let i = 0; i < wrong.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(wrong.data[i]! - got.data[i]!));
    expect(maxDiff).toBeGreaterThan(0.1);
  });

  it('stride as a number equals stride as a pair; b as [c_new] equals [1,1,1,c_new]', () => {
    const A_prev = rand(31, [2, 6, 9, 3]);
    const W = rand(32, [3, 3, 3, 7]);
    const b4 = rand(33, [1, 1, 1, 7]);
    const b1: NdArray = { data: b4.data, shape: [7] };
    const pair = convForward(A_prev, W, b4, 'relu', 1, [2, 2]);
    const num = convForward(A_prev, W, b1, 'relu', 1, 2);
    expect(num.shape).toEqual([2, 3, 5, 7]);
    expectBitIdentical(num.data, pair.data, 'stride 2 vs [2,2], b [7] vs [1,1,1,7]');
    // And a different stride really changes the result (the comparison above can fail).
    expect(convForward(A_prev, W, b1, 'relu', 1, [2, 1]).shape).toEqual([2, 3, 9, 7]);
  });

  it('defaults: linear activation, valid padding, stride 1', () => {
    const A_prev = rand(41, [1, 5, 6, 2]);
    const W = rand(42, [2, 3, 2, 3]);
    const b = rand(43, [3]);
    const got = convForward(A_prev, W, b);
    expect(got.shape).toEqual([1, 4, 4, 3]);
    expectBitIdentical(got.data, convForward(A_prev, W, b, 'linear', 'valid', 1).data, 'defaults');
  });

  it('returns fresh arrays and leaves its inputs untouched', () => {
    const A_prev = rand(51, [1, 4, 4, 2]);
    const W = rand(52, [3, 3, 2, 2]);
    const b = rand(53, [2]);
    const before = [A_prev.data.slice(), W.data.slice(), b.data.slice()];
    const y1 = convForward(A_prev, W, b, 'tanh', 'same', 1);
    const y2 = convForward(A_prev, W, b, 'tanh', 'same', 1);
    expect(y1.data).not.toBe(y2.data);
    expect(y1.data.buffer).not.toBe(y2.data.buffer);
    y1.data.fill(0);
    expect(y2.data.some((v) => v !== 0)).toBe(true);
    expectBitIdentical(A_prev.data, before[0]!, 'A_prev unchanged');
    expectBitIdentical(W.data, before[1]!, 'W unchanged');
    expectBitIdentical(b.data, before[2]!, 'b unchanged');
  });
});

describe('convBackward vs f64 reference', () => {
  CASES.forEach((c, ci) => {
    it(`${c.name}: dA_prev, dW, db`, () => {
      const { A_prev, W, b, p, sh, sw } = setup(c, 300 + ci * 10);
      const outShape = convForward(A_prev, W, b, 'linear', c.padding, c.stride).shape;
      const dZ = rand(300 + ci * 10 + 5, outShape);
      const got = convBackward(dZ, A_prev, W, b, c.padding, c.stride);
      const want = convBackwardRef(ref(dZ), ref(A_prev), ref(W), p, sh, sw);
      expectMatchesRef(got.dA_prev, want.dA, `convBackward dA_prev: ${c.name}`);
      expectMatchesRef(got.dW, want.dW, `convBackward dW: ${c.name}`);
      expect(got.db.shape, 'db has the shape of b').toEqual(b.shape);
      expectMatchesRef({ data: got.db.data, shape: [b.data.length] }, want.db, `convBackward db: ${c.name}`);
    });
  });
});

describe('activationBackward', () => {
  // relu is a selection (exact). For tanh dZ = dA·(1 − A²) and sigmoid dZ = dA·A·(1 − A): three
  // roundings whatever the order of operations, each at most 2^-24 of a term no larger than
  // |dA|·(1 + A²) (tanh) or |dA|·|A|·(1 + |A|) (sigmoid); 2^-21 of that is a safe 2.7x margin.
  const formula: Record<Activation, (g: number, a: number) => [number, number]> = {
    relu: (g, a) => [a > 0 ? g : 0, 0],
    tanh: (g, a) => [g * (1 - a * a), 2 ** -21 * Math.abs(g) * (1 + a * a)],
    sigmoid: (g, a) => [g * a * (1 - a), 2 ** -21 * Math.abs(g) * Math.abs(a) * (1 + Math.abs(a))],
    linear: (g) => [g, 0],
  };
  for (const act of ACTIVATIONS) {
    it(`${act}: dZ from dA and the forward output, shape [3, 5, 7]`, () => {
      const Z = rand(61, [3, 5, 7], -3, 3);
      const Aarr = activationForward(Z, act);
      const A = Aarr.data;
      expect(Aarr.shape).toEqual([3, 5, 7]);
      const fwd = Float64Array.from(Z.data, (z) => activationRef(z, act));
      // Z is exact here (f32 input), so only the activation's own error: ACT_RTOL/ACT_ATOL above.
      expectWithin(A, fwd, fwd.map((a) => ACT_RTOL[act] * Math.abs(a) + ACT_ATOL[act]), `activationForward ${act}`);
      const dA = rand(62, [3, 5, 7]);
      const got = activationBackward(dA, Aarr, act);
      expect(got.shape).toEqual([3, 5, 7]);
      const want = new Float64Array(A.length);
      const tol = new Float64Array(A.length);
      for (let i = 0; i < A.length; i++) [want[i], tol[i]] = formula[act](dA.data[i]!, A[i]!);
      expectWithin(got.data, want, tol, `activationBackward ${act}`);
    });
  }
});

describe('finite differences through the public API', () => {
  // L = Σ R·Z in f64 with Z = convForward(..., 'linear'). L is linear in A_prev, W and b, so central
  // differences carry no truncation error: fdCheck (util.ts) allows exactly the float32 rounding of
  // the changed outputs and of the analytic gradient (reference bounds), plus 1e-6 relative for the
  // f64 sums. h = 1e-2 keeps that rounding small next to the differences.
  const cases = [CASES[0]!, CASES[2]!, CASES[3]!, CASES[6]!];
  for (const c of cases) {
    it(`${c.name}: convBackward matches central differences of Σ R·Z`, () => {
      const { A_prev, W, b, p, sh, sw } = setup(c, 500);
      const shape = convForward(A_prev, W, b, 'linear', c.padding, c.stride).shape;
      const Rf = rand(501, shape);
      const R = Float64Array.from(Rf.data);
      const grads = convBackward(Rf, A_prev, W, b, c.padding, c.stride);
      const want = convBackwardRef(ref(Rf), ref(A_prev), ref(W), p, sh, sw);
      const run = (x: NdArray, w: NdArray, bb: NdArray) => convForward(x, w, bb, 'linear', c.padding, c.stride);
      const bound = (x: NdArray, w: NdArray, bb: NdArray) => roundingTol(convForwardRef(ref(x), ref(w), bb.data, p, sh, sw));
      const common = { R, h: 1e-2, rel: 1e-6 };
      const ratios = [
        fdCheck({ ...common, label: 'dA_prev', x: A_prev, grad: grads.dA_prev, gradTol: roundingTol(want.dA),
          forward: (x) => run(x, W, b), outTol: (x) => bound(x, W, b), indices: sampleIndices(1, A_prev.data.length, 16) }),
        fdCheck({ ...common, label: 'dW', x: W, grad: grads.dW, gradTol: roundingTol(want.dW),
          forward: (w) => run(A_prev, w, b), outTol: (w) => bound(A_prev, w, b), indices: sampleIndices(2, W.data.length, 16) }),
        fdCheck({ ...common, label: 'db', x: b, grad: grads.db, gradTol: roundingTol(want.db),
          forward: (bb) => run(A_prev, W, bb), outTol: (bb) => bound(A_prev, W, bb), indices: sampleIndices(3, b.data.length, 16) }),
      ];
      console.log(`ops/conv FD ${c.name}: worst |a−n|/allowed dA_prev ${ratios[0]!.toFixed(3)}, dW ${ratios[1]!.toFixed(3)}, db ${ratios[2]!.toFixed(3)}`);
    });
  }
});
