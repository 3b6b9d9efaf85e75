// Matrix product of row-major 2-D arrays: C[m, n] = Σ_k A[m, k] · B[k, n].

import { checkArray, fmtShape, type NdArray } from './ndarray.js';
import { requireReady, withScope } from './runtime.js';

/** A [m, k] · B [k, n] → [m, n]. */
export function matmul(A: NdArray, B: NdArray): NdArray {
  const label = 'matmul';
  requireReady(label);
  checkArray(A, 'A', ['m', 'k'], label);
  checkArray(B, 'B', ['k', 'n'], label);
  const [m, k] = A.shape as [number, number];
  const [kb, n] = B.shape as [number, number];
  if (kb !== k) {
    throw new RangeError(`${label}: A is ${fmtShape(A.shape)} so B must have ${k} rows ([${k}, n]), got B ${fmtShape(B.shape)}`);
  }
  return withScope(label, (s) => {
    const a = s.put(A.data, 'A');
    const b = s.put(B.data, 'B');
    const c = s.zeros(m * n, 'C');
    s.k.gemm_nn(c, a, b, m, n, k, 0);
    return s.take(c, [m, n]);
  });
}
