// act kernels, naive variant. PLACEHOLDER: bodies trap until implemented.

export function relu_forward_naive(y: usize, x: usize, n: i32): void {
  unreachable();
}

export function relu_backward_naive(dx: usize, dy: usize, y: usize, n: i32): void {
  unreachable();
}

export function tanh_forward_naive(y: usize, x: usize, n: i32): void {
  unreachable();
}

export function tanh_backward_naive(dx: usize, dy: usize, y: usize, n: i32): void {
  unreachable();
}

export function sigmoid_forward_naive(y: usize, x: usize, n: i32): void {
  unreachable();
}

export function sigmoid_backward_naive(dx: usize, dy: usize, y: usize, n: i32): void {
  unreachable();
}

export function softmax_forward_naive(y: usize, x: usize, rows: i32, N: i32): void {
  unreachable();
}

export function softmax_backward_naive(dx: usize, dy: usize, y: usize, rows: i32, N: i32): void {
  unreachable();
}

export function mul_naive(y: usize, x: usize, mask: usize, n: i32): void {
  unreachable();
}

