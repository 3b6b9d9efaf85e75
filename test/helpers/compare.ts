// Comparisons with stated tolerances and failure messages that say where and by how much.
import { expect } from 'vitest';

type Num = ArrayLike<number>;

/** Bit-for-bit equality of two f32 arrays (compared as u32, so -0 vs 0 and NaNs count). */
export function expectBitIdentical(got: Float32Array, want: Float32Array, label: string): void {
  expect(got.length, `${label}: length`).toBe(want.length);
  const g = new Uint32Array(got.buffer, got.byteOffset, got.length);
  const w = new Uint32Array(want.buffer, want.byteOffset, want.length);
  for (let i = 0; i < g.length; i++) {
    if (g[i] !== w[i]) {
      throw new Error(`${label}: not bit-identical at index ${i}: got ${got[i]} want ${want[i]}`);
    }
  }
}

/**
 * |got[i] − want[i]| ≤ tol[i] for every i, where tol is a number or a per-element array.
 * Returns the largest err/tol ratio seen, so a test can log how close a kernel runs to its bound.
 */
export function expectWithin(got: Num, want: Num, tol: number | Num, label: string): number {
  expect(got.length, `${label}: length`).toBe(want.length);
  let worst = 0;
  let worstAt = -1;
  let maxAbs = 0;
  for (let i = 0; i < got.length; i++) {
    const t = typeof tol === 'number' ? tol : tol[i]!;
    const err = Math.abs(got[i]! - want[i]!);
    if (!(err <= t)) {
      throw new Error(`${label}: index ${i}: got ${got[i]} want ${want[i]} (|diff| ${err.toExponential(3)} > tol ${t.toExponential(3)})`);
    }
    maxAbs = Math.max(maxAbs, err);
    const ratio = t > 0 ? err / t : 0;
    if (ratio > worst) { worst = ratio; worstAt = i; }
  }
  void worstAt;
  return worst;
}

/** Elementwise relative tolerance: |got − want| ≤ rtol·|want| + atol. */
export function relTol(want: Num, rtol: number, atol: number): Float64Array {
  const t = new Float64Array(want.length);
  for (let i = 0; i < want.length; i++) t[i] = rtol * Math.abs(want[i]!) + atol;
  return t;
}

/**
 * Worst-case float32 error bound for sums of products: K · 2^-23 · S_i, where S_i is
 * Σ_k |a_k·b_k| for output i (computed by the f64 reference) and K the reduction length.
 * `factor` is 1 for naive vs f64 and 2 for SIMD vs naive (both sides carry rounding).
 */
export function dotTol(absSums: Num, K: number, factor = 1): Float64Array {
  const eps = 2 ** -23;
  const t = new Float64Array(absSums.length);
  // The +1e-30 keeps the bound non-zero for an all-zero row without loosening it.
  for (let i = 0; i < absSums.length; i++) t[i] = factor * K * eps * absSums[i]! + 1e-30;
  return t;
}
