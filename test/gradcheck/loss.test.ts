// Finite-difference check of the f64 loss references (the math, before any wasm): dz with
// scale s must be s·∂L/∂z of the returned loss L. Central differences with h = 1e-6; relative
// error |a − n| / max(|a| + |n|, 1e-8) < 1e-6 for dz entries that are not near zero; softmax's
// dz rows sum to zero, so those are compared relative to the row's largest |dz| (as for the
// softmax activation). The wasm kernel's dz is compared with the FD of the wasm loss itself in
// test/kernels/loss.test.ts, including logits at ±1000.

import { describe, it } from 'vitest';
import { makeRng, randomArray } from '../helpers/rng.js';
import { numericGrad } from '../helpers/numeric-grad.js';
import { softmaxXentRef, sigmoidBceRef } from '../reference/loss.js';


function expectClose(a: ArrayLike<number>, n: ArrayLike<number>, label: string, denomOf: (i: number) => number): void {
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i]! - n[i]!) / denomOf(i);
    if (!(e < 1e-6)) throw new Error(`${label}: [${i}] analytic ${a[i]} numeric ${n[i]} rel err ${e}`);
  }
}

describe('gradient check of the f64 loss references (h = 1e-6, rel err < 1e-6)', () => {
  it('softmax cross-entropy, scale 1/rows', () => {
    const rows = 5, N = 10, scale = 1 / rows;
    const rng = makeRng(161);
    const z = randomArray(rng, rows * N, -4, 4);
    const labels = Int32Array.from({ length: rows }, () => Math.floor(rng() * N));
    const { dz } = softmaxXentRef(z, labels, rows, N, scale);
    const num = numericGrad((v) => scale * softmaxXentRef(v, labels, rows, N, scale).loss, z);
    expectClose(dz, num, 'softmax xent', (i) => {
      const r = Math.floor(i / N);
      let m = 0;
      for (let j = 0; j < N; j++) m = Math.max(m, Math.abs(dz[r * N + j]!));
      return 2 * m;
    });
  });

  it('sigmoid binary cross-entropy, soft and hard targets, scale 0.5', () => {
    const n = 60, scale = 0.5;
    const rng = makeRng(162);
    const z = randomArray(rng, n, -6, 6);
    // Targets away from σ(z) so dz is not near zero (|σ(z) − t| ≥ 0.05).
    const t = Float64Array.from(z, (v, i) => {
      const s = 1 / (1 + Math.exp(-v));
      const c = i % 2 ? (s > 0.5 ? 0 : 1) : rng();
      return Math.abs(s - c) < 0.05 ? (s > 0.5 ? 0 : 1) : c;
    });
    const { dz } = sigmoidBceRef(z, t, scale);
    const num = numericGrad((v) => scale * sigmoidBceRef(v, t, scale).loss, z);
    expectClose(dz, num, 'sigmoid bce', (i) => Math.max(Math.abs(dz[i]!) + Math.abs(num[i]!), 1e-8));
  });
});
