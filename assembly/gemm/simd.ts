// gemm kernels, simd variant. PLACEHOLDER: bodies trap until implemented.

export function gemm_nn_simd(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, acc: i32): void {
  unreachable();
}

export function gemm_tn_simd(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, acc: i32): void {
  unreachable();
}

export function gemm_nt_simd(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, acc: i32): void {
  unreachable();
}

export function bias_add_simd(y: usize, bias: usize, rows: i32, N: i32): void {
  unreachable();
}

export function bias_grad_simd(db: usize, dy: usize, rows: i32, N: i32): void {
  unreachable();
}

