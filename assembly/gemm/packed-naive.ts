// Packed GEMM, naive variant: the same exports as packed.ts, for the naive build.
//
//   gemm_nn_packed   C[M,N] (+)= A[M,K] · B[K,N]     A [M][K], B [K][N], C [M][N], row-major
//
// The naive build has nothing to pack: gemm_nn_packed is the plain gemm_nn loop nest
// (naive.ts, same summation order: c = acc ? C : 0, then ascending k, no FMA), the scratch
// argument is ignored, and gemm_packed_scratch_bytes is 0. Reads A, B; writes (acc = 0) or
// accumulates into (acc = 1) C. No tails, no alignment assumptions.
import { gemm_nn_naive } from "./naive";

export function gemm_packed_scratch_bytes_naive(M: i32, N: i32, K: i32): i32 {
  return 0;
}

export function gemm_nn_packed_naive(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, acc: i32, scratch: usize): void {
  gemm_nn_naive(c, a, b, M, N, K, acc);
}
