// SIMD twins of misc/naive.ts: four lanes per step (no alignment assumed), then the scalar
// kernel for the 0..3 leftover elements. Each lane does the same single f32 operation as the
// naive loop, so results are bit-identical to the naive build.
import { fill_naive, scale_naive, add_naive, first_nonfinite_naive } from "./naive";

export function fill_simd(x: usize, n: i32, value: f32): void {
  const v = f32x4.splat(value);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(x + (<usize>i << 2), v);
  fill_naive(x + (<usize>i << 2), n - i, value);
}

export function scale_simd(x: usize, n: i32, s: f32): void {
  const v = f32x4.splat(s);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const p = x + (<usize>i << 2);
    v128.store(p, f32x4.mul(v128.load(p), v));
  }
  scale_naive(x + (<usize>i << 2), n - i, s);
}

// y and x are the same buffer or disjoint (see naive.ts), so loading both vectors before the
// store never reads a value this call already wrote.
export function add_simd(y: usize, x: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i << 2;
    v128.store(y + off, f32x4.add(v128.load(y + off), v128.load(x + off)));
  }
  const off = <usize>i << 2;
  add_naive(y + off, x + off, n - i);
}

// A float is NaN or ±infinity exactly when its bits without the sign are ≥ 0x7f800000 (all
// exponent bits set). Runs of 64 floats keep the unsigned max of those bits in four vectors
// (two integer operations a vector, one branch a run); the run that holds a non-finite value
// is then searched by the scalar kernel, so the index is the naive kernel's. LeNet-5's 62k
// weights take a few microseconds, which matters because predict checks them on every call.
export function first_nonfinite_simd(x: usize, n: i32): i32 {
  const abs = i32x4.splat(0x7fffffff);
  const inf = i32x4.splat(0x7f800000);
  let i = 0;
  for (; i + 64 <= n; i += 64) {
    const p = x + (<usize>i << 2);
    let m0 = v128.and(v128.load(p), abs), m1 = v128.and(v128.load(p, 16), abs);
    let m2 = v128.and(v128.load(p, 32), abs), m3 = v128.and(v128.load(p, 48), abs);
    for (let q: usize = 64; q < 256; q += 64) {
      m0 = i32x4.max_u(m0, v128.and(v128.load(p + q), abs));
      m1 = i32x4.max_u(m1, v128.and(v128.load(p + q, 16), abs));
      m2 = i32x4.max_u(m2, v128.and(v128.load(p + q, 32), abs));
      m3 = i32x4.max_u(m3, v128.and(v128.load(p + q, 48), abs));
    }
    const m = i32x4.max_u(i32x4.max_u(m0, m1), i32x4.max_u(m2, m3));
    if (v128.any_true(i32x4.ge_u(m, inf))) return i + first_nonfinite_naive(p, 64);
  }
  const rest = first_nonfinite_naive(x + (<usize>i << 2), n - i);
  return rest < 0 ? -1 : i + rest;
}

export function build_is_simd_simd(): i32 { return 1; }
