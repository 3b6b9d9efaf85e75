// SIMD twins of misc/naive.ts: four lanes per step, scalar tail.
import { fill_naive, scale_naive } from "./naive";

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

export function build_is_simd_simd(): i32 { return 1; }
