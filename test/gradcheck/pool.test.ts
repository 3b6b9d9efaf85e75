// Finite-difference check of the f64 pooling references (the math, before any wasm).
//
// f(x) = Σ_o y_o(x)·dy_o with fixed dy, so ∂f/∂x = backward(dy). Central differences with
// h = 1e-6; relative error |a − n| / max(|a| + |n|, 1e-8) < 1e-6 (STYLE.md §6).
// Inputs: a permutation of distinct values 0.01 apart (≫ 2h), so no max changes under the
// perturbation and there are no ties. dy in [0.5, 1.5]: gradients are sums of positive terms,
// never a near-zero cancellation that would make the relative error meaningless; a wrong
// routing, count or sign still shows up as an O(1) error. Non-selected inputs of max pooling
// have gradient exactly 0 on both sides.

import { describe, expect, it } from 'vitest';
import { makeRng, randomArray } from '../helpers/rng.js';
import {
  maxPoolForwardRef, maxPoolBackwardRef, avgPoolForwardRef, avgPoolBackwardRef, xSize, ySize, type PoolGeom,
} from '../reference/pool.js';

const H_STEP = 1e-6;

function relErr(a: number, n: number): number {
  return Math.abs(a - n) / Math.max(Math.abs(a) + Math.abs(n), 1e-8);
}

function distinctInputs(n: number, seed: number): Float64Array {
  const rng = makeRng(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return Float64Array.from(order, (k) => (k - n / 2) * 0.01);
}

function check(f: (x: Float64Array) => number, grad: Float64Array, x: Float64Array, label: string): void {
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    const x0 = x[i]!;
    x[i] = x0 + H_STEP; const up = f(x);
    x[i] = x0 - H_STEP; const dn = f(x);
    x[i] = x0;
    const num = (up - dn) / (2 * H_STEP);
    const e = relErr(grad[i]!, num);
    if (!(e < 1e-6)) throw new Error(`${label}: dx[${i}] analytic ${grad[i]} numeric ${num} rel err ${e}`);
    worst = Math.max(worst, e);
  }
  expect(worst).toBeLessThan(1e-6);
}

const GEOMS: [string, PoolGeom][] = [
  ['2x2/s2 valid, 6x7x3', { B: 2, H: 6, W: 7, C: 3, OH: 3, OW: 3, KH: 2, KW: 2, SH: 2, SW: 2, PT: 0, PL: 0 }],
  ['3x3/s2 overlapping, 7x7x2', { B: 1, H: 7, W: 7, C: 2, OH: 3, OW: 3, KH: 3, KW: 3, SH: 2, SW: 2, PT: 0, PL: 0 }],
  ['3x3/s1 same (clipped), 5x6x5', { B: 1, H: 5, W: 6, C: 5, OH: 5, OW: 6, KH: 3, KW: 3, SH: 1, SW: 1, PT: 1, PL: 1 }],
  ['2x2/s2 same on 7x7x1 (clipped last row/col)', { B: 2, H: 7, W: 7, C: 1, OH: 4, OW: 4, KH: 2, KW: 2, SH: 2, SW: 2, PT: 0, PL: 0 }],
];

describe('gradient check of the f64 pooling reference (h = 1e-6, rel err < 1e-6)', () => {
  for (const [name, g] of GEOMS) {
    it(`maxpool ${name}`, () => {
      const x = distinctInputs(xSize(g), xSize(g));
      const dy = randomArray(makeRng(ySize(g)), ySize(g), 0.5, 1.5);
      const f = (v: Float64Array) => maxPoolForwardRef(v, g).y.reduce((s, y, o) => s + y * dy[o]!, 0);
      const { argmax } = maxPoolForwardRef(x, g);
      check(f, maxPoolBackwardRef(dy, argmax, g).dx, x, `maxpool ${name}`);
    });

    it(`avgpool ${name}`, () => {
      const x = distinctInputs(xSize(g), xSize(g) + 1);
      const dy = randomArray(makeRng(ySize(g) + 1), ySize(g), 0.5, 1.5);
      const f = (v: Float64Array) => avgPoolForwardRef(v, g).y.reduce((s, y, o) => s + y * dy[o]!, 0);
      check(f, avgPoolBackwardRef(dy, g).dx, x, `avgpool ${name}`);
    });
  }
});
