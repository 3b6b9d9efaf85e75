// act kernels, simd variant. PLACEHOLDER: bodies trap until implemented.

export function relu_forward_simd(y: usize, x: usize, n: i32): void {
  unreachable();
}

export function relu_backward_simd(dx: usize, dy: usize, y: usize, n: i32): void {
  unreachable();
}

export function tanh_forward_simd(y: usize, x: usize, n: i32): void {
  unreachable();
}

export function tanh_backward_simd(dx: usize, dy: usize, y: usize, n: i32): void {
  unreachable();
}

export function sigmoid_forward_simd(y: usize, x: usize, n: i32): void {
  unreachable();
}

export function sigmoid_backward_simd(dx: usize, dy: usize, y: usize, n: i32): void {
  unreachable();
}

export function softmax_forward_simd(y: usize, x: usize, rows: i32, N: i32): void {
  unreachable();
}

export function softmax_backward_simd(dx: usize, dy: usize, y: usize, rows: i32, N: i32): void {
  unreachable();
}

export function mul_simd(y: usize, x: usize, mask: usize, n: i32): void {
  unreachable();
}

