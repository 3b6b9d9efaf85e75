// Which GEMM kernel a product of a given shape should use; shared by the ops API and Dense.

/**
 * True when A [m, k] · B [k, n] should use the packed GEMM (gemm_nn_packed). Measured
 * (bench:kernels and an m × n × k sweep on the dev machine): packing wins from m ≥ 32, n ≥ 48,
 * k ≥ 64 (up to ~1.5× at 512³); below that its fixed cost (copying A and B, 4-row tiles) makes
 * it equal or slower, e.g. 3× slower at m = 1 and ~20% slower at n = 8.
 */
export function usesPackedGemm(m: number, n: number, k: number): boolean {
  return m >= 32 && n >= 48 && k >= 64;
}
