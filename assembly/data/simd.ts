// Batch assembly, SIMD variant. Same semantics as data/naive.ts (read its header).
//
// gather_rows: a row copy is memory.copy in both builds (re-exported from naive).
// gather_rows_u8: sixteen bytes per v128.load, widened u8 → u16 → u32 and converted to four
//   f32x4 (exact: the values are 0..255), then ·a + b with madd (util/simd.ts): in the simd
//   build f32x4.mul / f32x4.add, the same two roundings as the scalar f32(u8)·a + b, so the
//   result is bit-identical to naive; in the relaxed build one relaxed_madd (maybe fused).
//   Tail: the last rowLen % 16 bytes of each row go through the naive scalar loop.
import { gather_rows_naive } from "./naive";
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
