// Matrix product of row-major 2-D arrays: C[m, n] = Σ_k A[m, k] · B[k, n].
//
// Large products go through the packed GEMM (gemm_nn_packed: A and B copied into scratch
// from this call's arena mark, released with it); small or thin ones through gemm_nn, which
// needs no scratch. Both give the same bits (the packed kernel keeps the naive summation
// order), so the choice is only about speed.

import { checkArray, fmtShape, type NdArray } from './ndarray.js';
import { requireReady, withScope } from './runtime.js';
import { usesPackedGemm } from '../tensor/gemm-path.js';

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
    if (usesPackedGemm(m, n, k)) {
      // 0 bytes in the naive build, whose gemm_nn_packed ignores the scratch.
      const bytes = s.k.gemm_packed_scratch_bytes(m, n, k);
      const scratch = bytes > 0 ? s.arena.alloc(bytes, `${label} packing scratch`) : 0;
      s.k.gemm_nn_packed(c, a, b, m, n, k, 0, scratch);
    } else {
      s.k.gemm_nn(c, a, b, m, n, k, 0);
    }
    return s.take(c, [m, n]);
  });
}
