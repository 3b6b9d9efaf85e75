// loss kernels, naive variant. PLACEHOLDER: bodies trap until implemented.

export function softmax_xent_naive(p: usize, dz: usize, z: usize, labels: usize, rows: i32, N: i32, scale: f32): f64 {
  unreachable();
  return <f64>0;
}

export function sigmoid_bce_naive(dz: usize, z: usize, t: usize, n: i32, scale: f32): f64 {
  unreachable();
  return <f64>0;
}

export function argmax_rows_naive(out: usize, x: usize, rows: i32, N: i32): void {
  unreachable();
}

