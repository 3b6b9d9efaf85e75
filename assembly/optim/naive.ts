// optim kernels, naive variant. PLACEHOLDER: bodies trap until implemented.

export function sgd_update_naive(w: usize, g: usize, n: i32, lr: f32, wd: f32): void {
  unreachable();
}

export function momentum_update_naive(w: usize, v: usize, g: usize, n: i32, lr: f32, mu: f32, wd: f32): void {
  unreachable();
}

export function adam_update_naive(w: usize, m: usize, v: usize, g: usize, n: i32, lr: f32, b1: f32, b2: f32, eps: f32, bc1: f32, bc2: f32, wd: f32): void {
  unreachable();
}

