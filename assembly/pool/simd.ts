// pool kernels, simd variant. PLACEHOLDER: bodies trap until implemented.

export function maxpool2d_forward_simd(y: usize, argmax: usize, x: usize, g: usize): void {
  unreachable();
}

export function maxpool2d_backward_simd(dx: usize, dy: usize, argmax: usize, g: usize): void {
  unreachable();
}

export function avgpool2d_forward_simd(y: usize, x: usize, g: usize): void {
  unreachable();
}

export function avgpool2d_backward_simd(dx: usize, dy: usize, g: usize): void {
  unreachable();
}

