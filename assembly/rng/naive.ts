// rng kernels, naive variant. PLACEHOLDER: bodies trap until implemented.

export function rng_seed_naive(state: usize, seed: u32): void {
  unreachable();
}

export function rng_uniform_naive(out: usize, n: i32, state: usize, lo: f32, hi: f32): void {
  unreachable();
}

export function rng_normal_naive(out: usize, n: i32, state: usize, mean: f32, std: f32, trunc: i32): void {
  unreachable();
}

export function rng_dropout_mask_naive(mask: usize, n: i32, state: usize, keep: f32): void {
  unreachable();
}

