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

// Runs of 16 floats are tested with one branch: a lane of (v − v) that is not 0 (NaN) marks a
// non-finite value; the run holding the first one is then searched by the scalar kernel, so the
// index is the naive kernel's. It makes predict's weight check (every call) a few microseconds.
export function first_nonfinite_simd(x: usize, n: i32): i32 {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const p = x + (<usize>i << 2);
    const a = v128.load(p), b = v128.load(p, 16), c = v128.load(p, 32), d = v128.load(p, 48);
    const ok = v128.and(v128.and(f32x4.eq(f32x4.sub(a, a), zero), f32x4.eq(f32x4.sub(b, b), zero)),
      v128.and(f32x4.eq(f32x4.sub(c, c), zero), f32x4.eq(f32x4.sub(d, d), zero)));
    if (!i32x4.all_true(ok)) return i + first_nonfinite_naive(p, 16);
  }
  const rest = first_nonfinite_naive(x + (<usize>i << 2), n - i);
  return rest < 0 ? -1 : i + rest;
}

export function build_is_simd_simd(): i32 { return 1; }
