// conv2d kernels, simd variant. PLACEHOLDER: bodies trap until implemented.

export function conv2d_scratch_bytes_simd(g: usize): i32 {
  unreachable();
  return <i32>0;
}

export function conv2d_forward_simd(y: usize, x: usize, w: usize, bias: usize, g: usize, scratch: usize): void {
  unreachable();
}

export function conv2d_backward_input_simd(dx: usize, dy: usize, w: usize, g: usize, scratch: usize): void {
  unreachable();
}

export function conv2d_backward_filter_simd(dw: usize, db: usize, dy: usize, x: usize, g: usize, scratch: usize): void {
  unreachable();
}

