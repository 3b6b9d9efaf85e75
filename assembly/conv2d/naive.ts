// conv2d kernels, naive variant. PLACEHOLDER: bodies trap until implemented.

export function conv2d_scratch_bytes_naive(g: usize): i32 {
  unreachable();
  return <i32>0;
}

export function conv2d_forward_naive(y: usize, x: usize, w: usize, bias: usize, g: usize, scratch: usize): void {
  unreachable();
}

export function conv2d_backward_input_naive(dx: usize, dy: usize, w: usize, g: usize, scratch: usize): void {
  unreachable();
}

export function conv2d_backward_filter_naive(dw: usize, db: usize, dy: usize, x: usize, g: usize, scratch: usize): void {
  unreachable();
}

