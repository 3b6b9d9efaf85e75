// Batch assembly from a dataset held in wasm memory, naive variant.
//
// gather_rows(dst, src, idx, rows, rowLen)
//   dst[r, :] = src[idx[r], :] for r < rows; rows of rowLen f32; idx is i32[rows].
//   One memory.copy per row (the bulk-memory instruction, a plain byte copy, so there is
//   nothing for f32x4 to add: data/simd.ts reuses this function).
// gather_rows_u8(dst, src, idx, rows, rowLen, a, b)
//   dst[r, j] = f32(src[idx[r], j])·a + b, src rows of rowLen u8 (bytes), dst f32.
//   Converts byte images and normalises them in one pass (e.g. a = 1/255, b = 0).
//
// Writes dst; reads src and idx. Indices are NOT checked here: TypeScript validates
// 0 ≤ idx[r] < count before calling. dst must not overlap src.

export function gather_rows_naive(dst: usize, src: usize, idx: usize, rows: i32, rowLen: i32): void {
  const rowBytes = <usize>rowLen << 2;
  for (let r = 0; r < rows; r++) {
    const k = load<i32>(idx + (<usize>r << 2));
    memory.copy(dst + <usize>r * rowBytes, src + <usize>k * rowBytes, rowBytes);
  }
}

export function gather_rows_u8_naive(dst: usize, src: usize, idx: usize, rows: i32, rowLen: i32, a: f32, b: f32): void {
  for (let r = 0; r < rows; r++) {
    const srow = src + <usize>load<i32>(idx + (<usize>r << 2)) * <usize>rowLen;
    const drow = dst + ((<usize>r * <usize>rowLen) << 2);
    for (let j = 0; j < rowLen; j++) {
      store<f32>(drow + (<usize>j << 2), <f32>load<u8>(srow + <usize>j) * a + b);
    }
  }
}
