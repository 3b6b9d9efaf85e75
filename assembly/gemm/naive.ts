// gemm kernels, naive variant. PLACEHOLDER: bodies trap until implemented.

export function gemm_nn_naive(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, acc: i32): void {
  unreachable();
}

export function gemm_tn_naive(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, acc: i32): void {
  unreachable();
}

export function gemm_nt_naive(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, acc: i32): void {
  unreachable();
}

export function bias_add_naive(y: usize, bias: usize, rows: i32, N: i32): void {
  unreachable();
}

export function bias_grad_naive(db: usize, dy: usize, rows: i32, N: i32): void {
  unreachable();
}

