// rng kernels, simd variant. PLACEHOLDER: bodies trap until implemented.

export function rng_seed_simd(state: usize, seed: u32): void {
  unreachable();
}

export function rng_uniform_simd(out: usize, n: i32, state: usize, lo: f32, hi: f32): void {
  unreachable();
}

export function rng_normal_simd(out: usize, n: i32, state: usize, mean: f32, std: f32, trunc: i32): void {
  unreachable();
}

export function rng_dropout_mask_simd(mask: usize, n: i32, state: usize, keep: f32): void {
  unreachable();
}

