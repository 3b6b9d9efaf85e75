// Batch assembly, SIMD variant. Same semantics as data/naive.ts (read its header).
//
// gather_rows: a row copy is memory.copy in both builds (re-exported from naive).
// gather_rows_u8: sixteen bytes per v128.load, widened u8 → u16 → u32 and converted to four
//   f32x4 (exact: the values are 0..255), then ·a + b with madd (util/simd.ts): in the simd
//   build f32x4.mul / f32x4.add, the same two roundings as the scalar f32(u8)·a + b, so the
//   result is bit-identical to naive; in the relaxed build one relaxed_madd (maybe fused).
//   Tail: the last rowLen % 16 bytes of each row go through the naive scalar loop.
// standardize_channels: f32x4.sub then f32x4.div, the same two IEEE operations as the scalar
//   loop, so bit-identical to naive. C = 1: one splat mean/std over all values, four at a time;
//   C a multiple of 4: per pixel, the channels four at a time against vectors of mean/std;
//   any other C (e.g. 3): the naive loop (it runs once per staged dataset, not per step).
//   Tail (C = 1): the last n % 4 values scalar.
// gather_rows_shift: copies and fills only (see naive.ts), so the naive function is exported.
import { gather_rows_naive, gather_rows_shift_naive, standardize_channels_naive } from "./naive";
import { madd } from "../util/simd";

export function gather_rows_simd(dst: usize, src: usize, idx: usize, rows: i32, rowLen: i32): void {
  gather_rows_naive(dst, src, idx, rows, rowLen);
}

@inline function affine(v: v128, va: v128, vb: v128): v128 {
  return madd(f32x4.convert_i32x4_u(v), va, vb);
}

export function gather_rows_u8_simd(dst: usize, src: usize, idx: usize, rows: i32, rowLen: i32, a: f32, b: f32): void {
  const va = f32x4.splat(a), vb = f32x4.splat(b);
  for (let r = 0; r < rows; r++) {
    const srow = src + <usize>load<i32>(idx + (<usize>r << 2)) * <usize>rowLen;
    const drow = dst + ((<usize>r * <usize>rowLen) << 2);
    let j = 0;
    for (; j + 16 <= rowLen; j += 16) {
      const bytes = v128.load(srow + <usize>j);
      const lo = i16x8.extend_low_i8x16_u(bytes), hi = i16x8.extend_high_i8x16_u(bytes);
      const d = drow + (<usize>j << 2);
      v128.store(d, affine(i32x4.extend_low_i16x8_u(lo), va, vb));
      v128.store(d, affine(i32x4.extend_high_i16x8_u(lo), va, vb), 16);
      v128.store(d, affine(i32x4.extend_low_i16x8_u(hi), va, vb), 32);
      v128.store(d, affine(i32x4.extend_high_i16x8_u(hi), va, vb), 48);
    }
    for (; j < rowLen; j++) {
      store<f32>(drow + (<usize>j << 2), <f32>load<u8>(srow + <usize>j) * a + b);
    }
  }
}

export function standardize_channels_simd(y: usize, x: usize, n: i32, C: i32, mean: usize, std: usize): void {
  if (C == 1) {
    const m = load<f32>(mean), sd = load<f32>(std);
    const vm = f32x4.splat(m), vs = f32x4.splat(sd);
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const at = <usize>i << 2;
      v128.store(y + at, f32x4.div(f32x4.sub(v128.load(x + at), vm), vs));
    }
    for (; i < n; i++) {
      const at = <usize>i << 2;
      store<f32>(y + at, (load<f32>(x + at) - m) / sd);
    }
    return;
  }
  if (C % 4 != 0) {
    standardize_channels_naive(y, x, n, C, mean, std);
    return;
  }
  const pixelBytes = <usize>C << 2;
  for (let p: usize = 0; p < <usize>n << 2; p += pixelBytes) {
    for (let c: usize = 0; c < pixelBytes; c += 16) {
      v128.store(y + p + c, f32x4.div(f32x4.sub(v128.load(x + p + c), v128.load(mean + c)), v128.load(std + c)));
    }
  }
}

export function gather_rows_shift_simd(dst: usize, src: usize, idx: usize, rows: i32, g: usize, fill: usize, key: u32, maxShift: i32): void {
  gather_rows_shift_naive(dst, src, idx, rows, g, fill, key, maxShift);
}
