// f64 reference for the GEMM and bias kernels, written for clarity, not speed. It does not
// import src/.
//
// Row-major layouts (the kernels' ABI, src/runtime/abi.ts):
//   'nn'  C[M,N] = A[M,K] · B[K,N]       A is [M][K], B is [K][N]
//   'tn'  C[M,N] = A[K,M]ᵀ · B[K,N]      A is stored [K][M]
//   'nt'  C[M,N] = A[M,K] · B[N,K]ᵀ      B is stored [N][K]
//
// Besides the product, each function returns per output the sum of the absolute values of
// its terms, S_i = Σ_k |a_k·b_k|, which scales the float32 bound K·2^-23·S_i
// (test/helpers/compare.ts dotTol). Accumulating onto an initial C is left to the caller:
// it adds c0 to the result and |c0| to S_i.

type Arr = ArrayLike<number>;

export type Trans = 'nn' | 'tn' | 'nt';

export interface RefResult {
  /** The exact-as-f64 product, [M][N]. */
  c: Float64Array;
  /** S_i = Σ_k |a_k·b_k| for each output, [M][N]. */
  absSum: Float64Array;
}

/** Element (i, k) of op(A) and (k, j) of op(B), by transpose letters. */
function aAt(t: Trans, a: Arr, i: number, k: number, M: number, K: number): number {
  return t === 'tn' ? a[k * M + i]! : a[i * K + k]!;
}
function bAt(t: Trans, b: Arr, k: number, j: number, N: number, K: number): number {
  return t === 'nt' ? b[j * K + k]! : b[k * N + j]!;
}

/** C = op(A) · op(B) in f64, with S_i. */
export function gemmRef(t: Trans, a: Arr, b: Arr, M: number, N: number, K: number): RefResult {
  const c = new Float64Array(M * N);
  const absSum = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      let abs = 0;
      for (let k = 0; k < K; k++) {
        const p = aAt(t, a, i, k, M, K) * bAt(t, b, k, j, N, K);
        s += p;
        abs += Math.abs(p);
      }
      c[i * N + j] = s;
      absSum[i * N + j] = abs;
    }
  }
  return { c, absSum };
}

/** y[r,n] + bias[n] for r < rows, n < N. */
export function biasAddRef(y: Arr, bias: Arr, rows: number, N: number): Float64Array {
  const out = new Float64Array(rows * N);
  for (let r = 0; r < rows; r++) {
    for (let n = 0; n < N; n++) out[r * N + n] = y[r * N + n]! + bias[n]!;
  }
  return out;
}

/**
 * db[n] + Σ_r dy[r,n], with absSum[n] = |db[n]| + Σ_r |dy[r,n]| (the sum's terms, for the
 * reduction bound).
 */
export function biasGradRef(db: Arr, dy: Arr, rows: number, N: number): RefResult {
  const c = new Float64Array(N);
  const absSum = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    let s = db[n]!;
    let abs = Math.abs(db[n]!);
    for (let r = 0; r < rows; r++) {
      s += dy[r * N + n]!;
      abs += Math.abs(dy[r * N + n]!);
    }
    c[n] = s;
    absSum[n] = abs;
  }
  return { c, absSum };
}
