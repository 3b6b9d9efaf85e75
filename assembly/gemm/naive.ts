// GEMM and bias kernels, naive variant: the plain loop nests, straight from the definitions.
//
//   gemm_nn   C[M,N] (+)= A[M,K] · B[K,N]       A row-major [M][K], B [K][N]
//   gemm_tn   C[M,N] (+)= A[K,M]ᵀ · B[K,N]      A stored [K][M] (its transpose is used)
//   gemm_nt   C[M,N] (+)= A[M,K] · B[N,K]ᵀ      B stored [N][K] (its transpose is used)
//   bias_add  y[r,n] += bias[n]                 y [rows][N], bias [N]
//   bias_grad db[n] += Σ_r dy[r,n]              dy [rows][N], db [N]
//
// All matrices are row-major f32 with no padding between rows (leading dimension = the
// number of columns). acc = 0 overwrites C, acc = 1 adds into it; C must not alias A or B.
//
// Summation order (the SIMD twins follow the same convention, see simd.ts): every output
// starts from c = (acc ? C[i,j] : 0) and adds the products A·B one at a time in ascending
// k, each product rounded to f32 before the add (no FMA). K = 0 therefore leaves C as it
// is (acc = 1) or zeroes it (acc = 0).
//
// Reads A, B (gemm), bias, dy; writes C (acc = 0); accumulates into C (acc = 1), y, db.
// No tails: every loop runs element by element.
import { f32At } from "../util/ptr";

/** Sets row i of C to 0 (acc = 0) or leaves it (acc = 1): the starting value of each sum. */
@inline function startRow(c: usize, i: i32, N: i32, acc: i32): void {
  if (acc == 0) {
    for (let j = 0; j < N; j++) store<f32>(f32At(c, i * N + j), 0);
  }
}

export function gemm_nn_naive(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, acc: i32): void {
  // i, k, j order: the inner loop walks a row of B and a row of C.
  for (let i = 0; i < M; i++) {
    startRow(c, i, N, acc);
    for (let k = 0; k < K; k++) {
      const aik = load<f32>(f32At(a, i * K + k));
      for (let j = 0; j < N; j++) {
        const p = f32At(c, i * N + j);
        store<f32>(p, load<f32>(p) + aik * load<f32>(f32At(b, k * N + j)));
      }
    }
  }
}

export function gemm_tn_naive(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, acc: i32): void {
  // Same loop nest as gemm_nn; only A's element (i, k) is read from A[k][i].
  for (let i = 0; i < M; i++) {
    startRow(c, i, N, acc);
    for (let k = 0; k < K; k++) {
      const aki = load<f32>(f32At(a, k * M + i));
      for (let j = 0; j < N; j++) {
        const p = f32At(c, i * N + j);
        store<f32>(p, load<f32>(p) + aki * load<f32>(f32At(b, k * N + j)));
      }
    }
  }
}

export function gemm_nt_naive(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, acc: i32): void {
  // i, j, k order: each output is a dot product of row i of A and row j of B.
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      const p = f32At(c, i * N + j);
      let s: f32 = acc != 0 ? load<f32>(p) : 0;
      for (let k = 0; k < K; k++) {
        s += load<f32>(f32At(a, i * K + k)) * load<f32>(f32At(b, j * K + k));
      }
      store<f32>(p, s);
    }
  }
}

export function bias_add_naive(y: usize, bias: usize, rows: i32, N: i32): void {
  for (let r = 0; r < rows; r++) {
    for (let n = 0; n < N; n++) {
      const p = f32At(y, r * N + n);
      store<f32>(p, load<f32>(p) + load<f32>(f32At(bias, n)));
    }
  }
}

export function bias_grad_naive(db: usize, dy: usize, rows: i32, N: i32): void {
  // Row by row, so each db[n] is ((db[n] + dy[0,n]) + dy[1,n]) + ... in ascending r.
  for (let r = 0; r < rows; r++) {
    for (let n = 0; n < N; n++) {
      const p = f32At(db, n);
      store<f32>(p, load<f32>(p) + load<f32>(f32At(dy, r * N + n)));
    }
  }
}
