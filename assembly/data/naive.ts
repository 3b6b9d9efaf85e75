// data kernels, naive variant. PLACEHOLDER: bodies trap until implemented.

export function gather_rows_naive(dst: usize, src: usize, idx: usize, rows: i32, rowLen: i32): void {
  unreachable();
}

export function gather_rows_u8_naive(dst: usize, src: usize, idx: usize, rows: i32, rowLen: i32, a: f32, b: f32): void {
  unreachable();
}

