// Small utility kernels: fill, scale, copy. Scalar loops.
//   fill(x, n, value)      x[i] = value          (writes x)
//   scale(x, n, s)         x[i] *= s             (updates x in place)

export function fill_naive(x: usize, n: i32, value: f32): void {
  for (let i = 0; i < n; i++) store<f32>(x + (<usize>i << 2), value);
}

export function scale_naive(x: usize, n: i32, s: f32): void {
  for (let i = 0; i < n; i++) {
    const p = x + (<usize>i << 2);
    store<f32>(p, load<f32>(p) * s);
  }
}

/** Returns 1 so the runtime can tell which build it loaded. */
export function build_is_simd_naive(): i32 { return 0; }
