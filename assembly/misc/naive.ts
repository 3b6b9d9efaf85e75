// Small utility kernels, scalar loops.
//   fill(x, n, value)      x[i] = value          (writes x)
//   scale(x, n, s)         x[i] *= s             (updates x in place)
//   add(y, x, n)           y[i] += x[i]          (accumulates into y; reads x)
//   first_nonfinite(x, n)  index of the first NaN or ±infinity in x[0, n), or −1 (reads x)
// add: y and x are either the same buffer (then y[i] = 2·y[i]) or do not overlap.

export function fill_naive(x: usize, n: i32, value: f32): void {
  for (let i = 0; i < n; i++) store<f32>(x + (<usize>i << 2), value);
}

export function scale_naive(x: usize, n: i32, s: f32): void {
  for (let i = 0; i < n; i++) {
    const p = x + (<usize>i << 2);
    store<f32>(p, load<f32>(p) * s);
  }
}

export function add_naive(y: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const off = <usize>i << 2;
    store<f32>(y + off, load<f32>(y + off) + load<f32>(x + off));
  }
}

// v − v is exactly 0 for every finite v and NaN for NaN and ±infinity.
export function first_nonfinite_naive(x: usize, n: i32): i32 {
  for (let i = 0; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    if (v - v != 0) return i;
  }
  return -1;
}

/** Returns 0 (the SIMD build's twin returns 1) so the runtime can tell which build it loaded. */
export function build_is_simd_naive(): i32 { return 0; }
