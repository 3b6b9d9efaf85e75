// Finite-difference check of the f64 activation references (the math, before any wasm).
// The backward references take the forward OUTPUT y, as the kernels do, so this also checks
// that "gradient from the output" formula: dx = dy·(1 − y²), dy·y·(1 − y), y > 0 ? dy : 0,
// and softmax's y ⊙ (dy − Σ dy·y).
//
// f(x) = Σ_i act(x)_i·dy_i; central differences with h = 1e-6; relative error
// |a − n| / max(|a| + |n|, 1e-8) < 1e-6 (STYLE.md §6). ReLU inputs are at least 1e-3 (≫ 10h)
// from the kink at 0. dy in [0.5, 1.5] for the elementwise ones (no cancellation to zero);
// softmax's dx sums to zero per row by construction, so there relative error is taken
// against the row's largest |dx| instead (documented in that test).

import { describe, expect, it } from 'vitest';
import { makeRng, randomArray } from '../helpers/rng.js';
import { numericGrad } from '../helpers/numeric-grad.js';
import {
  reluForwardRef, reluBackwardRef, tanhForwardRef, tanhBackwardRef, sigmoidForwardRef,
  sigmoidBackwardRef, softmaxForwardRef, softmaxBackwardRef, mulRef,
} from '../reference/act.js';

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!; return s; };

function expectClose(a: ArrayLike<number>, n: ArrayLike<number>, label: string, scaleOf?: (i: number) => number): void {
  for (let i = 0; i < a.length; i++) {
    const denom = scaleOf ? scaleOf(i) : Math.max(Math.abs(a[i]!) + Math.abs(n[i]!), 1e-8);
    const e = Math.abs(a[i]! - n[i]!) / denom;
    if (!(e < 1e-6)) throw new Error(`${label}: [${i}] analytic ${a[i]} numeric ${n[i]} rel err ${e}`);
  }
}

describe('gradient check of the f64 activation references (h = 1e-6, rel err < 1e-6)', () => {
  const n = 200;
  const rng = makeRng(2718);
  const dy = randomArray(rng, n, 0.5, 1.5);

  it('relu (inputs ≥ 1e-3 from 0)', () => {
    const x = randomArray(rng, n, -3, 3).map((v) => (Math.abs(v) < 1e-3 ? 1e-3 * Math.sign(v || 1) : v));
    const grad = reluBackwardRef(dy, reluForwardRef(x));
    expectClose(grad, numericGrad((v) => dot(reluForwardRef(v), dy), x), 'relu');
    expect(grad.some((g) => g === 0) && grad.some((g) => g !== 0), 'both sides of the kink covered').toBe(true);
  });

  for (const [name, fwd, bwd] of [
    ['tanh', tanhForwardRef, tanhBackwardRef],
    ['sigmoid', sigmoidForwardRef, sigmoidBackwardRef],
  ] as const) {
    it(`${name} (backward from the output y)`, () => {
      const x = randomArray(rng, n, -4, 4);
      expectClose(bwd(dy, fwd(x)), numericGrad((v) => dot(fwd(v), dy), x), name);
    });
  }

  it('mul (dropout): gradient w.r.t. x is the mask', () => {
    const x = randomArray(rng, n, -2, 2);
    const mask = Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 0 : 1 / 0.7));
    const num = numericGrad((v) => dot(mulRef(v, mask), dy), x);
    expectClose(mulRef(dy, mask), num, 'mul');
  });

  it('softmax rows (error relative to the row\'s largest |dx|, since Σ_j dx_j = 0)', () => {
    const rows = 6, N = 10;
    const x = randomArray(rng, rows * N, -3, 3);
    const d = randomArray(rng, rows * N, -1, 1);
    const y = softmaxForwardRef(x, rows, N);
    const { dx } = softmaxBackwardRef(d, y, rows, N);
    const num = numericGrad((v) => dot(softmaxForwardRef(v, rows, N), d), x);
    const rowMax = (i: number) => {
      const r = Math.floor(i / N);
      let m = 0;
      for (let j = 0; j < N; j++) m = Math.max(m, Math.abs(dx[r * N + j]!));
      return 2 * m;
    };
    expectClose(dx, num, 'softmax', rowMax);
  });
});
