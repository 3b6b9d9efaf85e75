// pool kernels, naive variant. PLACEHOLDER: bodies trap until implemented.

export function maxpool2d_forward_naive(y: usize, argmax: usize, x: usize, g: usize): void {
  unreachable();
}

export function maxpool2d_backward_naive(dx: usize, dy: usize, argmax: usize, g: usize): void {
  unreachable();
}

export function avgpool2d_forward_naive(y: usize, x: usize, g: usize): void {
  unreachable();
}

export function avgpool2d_backward_naive(dx: usize, dy: usize, g: usize): void {
  unreachable();
}

