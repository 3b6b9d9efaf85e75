// Finite-difference checks of the f64 references (the math, before any wasm; STYLE.md §6 stage 1):
// batch normalisation in training mode (the batch statistics depend on every input, so the
// whole batch is one function), global average pooling, leaky ReLU and ELU.
// f(v) = Σ_i out(v)_i·dy_i, central differences h = 1e-6, relative error
// |a − n| / max(|a| + |n|, 1e-8) < 1e-6; batch norm's dx sums to zero per channel, so its error
// is taken against the largest |dx| of the batch (as for softmax in act.test.ts).
import { describe, it } from 'vitest';
import { makeRng, randomArray } from '../helpers/rng.js';
import { numericGrad } from '../helpers/numeric-grad.js';
import { bnBackwardRef, bnTrainForwardRef, gapBackwardRef, gapForwardRef } from '../reference/norm.js';
import { eluBackwardRef, eluForwardRef, leakyReluBackwardRef, leakyReluForwardRef } from '../reference/act.js';

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!; return s; };

function expectClose(a: ArrayLike<number>, n: ArrayLike<number>, label: string, scale?: number): void {
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i]! - n[i]!) / (scale ?? Math.max(Math.abs(a[i]!) + Math.abs(n[i]!), 1e-8));
    if (!(e < 1e-6)) throw new Error(`${label}: [${i}] analytic ${a[i]} numeric ${n[i]} rel err ${e}`);
  }
}

describe('gradient check of the f64 references (h = 1e-6, rel err < 1e-6)', () => {
  const rng = makeRng(8128);

  for (const [rows, C] of [[6, 3], [17, 5], [2, 4]] as const) {
    it(`batch norm, training mode, rows=${rows} C=${C}: dx, dgamma, dbeta`, () => {
      const eps = 1e-3;
      const x = randomArray(rng, rows * C, -1, 2);
      const dy = randomArray(rng, rows * C, -1, 1);
      const gamma = randomArray(rng, C, 0.5, 1.5);
      const beta = randomArray(rng, C, -0.5, 0.5);
      const g = bnBackwardRef(dy, x, rows, C, eps, gamma);
      const nx = numericGrad((v) => dot(bnTrainForwardRef(v, rows, C, eps, gamma, beta).y, dy), x);
      expectClose(g.dx, nx, 'dx', 2 * Math.max(...Array.from(g.dx, Math.abs)));
      expectClose(g.dgamma, numericGrad((v) => dot(bnTrainForwardRef(x, rows, C, eps, v, beta).y, dy), gamma), 'dgamma');
      expectClose(g.dbeta, numericGrad((v) => dot(bnTrainForwardRef(x, rows, C, eps, gamma, v).y, dy), beta), 'dbeta');
    });
  }

  it('global average pooling', () => {
    const B = 2, HW = 6, C = 3;
    const x = randomArray(rng, B * HW * C, -1, 1);
    const dy = randomArray(rng, B * C, 0.5, 1.5);
    expectClose(gapBackwardRef(dy, B, HW, C), numericGrad((v) => dot(gapForwardRef(v, B, HW, C), dy), x), 'gap');
  });

  for (const alpha of [0.3, 1.5]) {
    it(`leaky relu and elu (alpha ${alpha}; inputs ≥ 1e-3 from 0; backward from the output y)`, () => {
      const x = randomArray(rng, 200, -3, 3).map((v) => (Math.abs(v) < 1e-3 ? 1e-3 * Math.sign(v || 1) : v));
      const dy = randomArray(rng, 200, 0.5, 1.5);
      expectClose(leakyReluBackwardRef(dy, leakyReluForwardRef(x, alpha), alpha),
        numericGrad((v) => dot(leakyReluForwardRef(v, alpha), dy), x), 'leaky relu');
      expectClose(eluBackwardRef(dy, eluForwardRef(x, alpha), alpha), numericGrad((v) => dot(eluForwardRef(v, alpha), dy), x), 'elu');
    });
  }
});
