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
// standardize_channels and gather_rows_shift: see their comments below.
//
// Writes dst; reads src and idx. Indices are NOT checked here: TypeScript validates
// 0 ≤ idx[r] < count before calling. dst must not overlap src.

import { geom, GEOM_C, GEOM_H, GEOM_W } from "../abi";

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

// standardize_channels(y, x, n, C, mean, std)
//   y[i] = (x[i] − mean[i % C]) / std[i % C] for i < n (n a multiple of C; NHWC values, so the
//   channel is the index mod C). One f32 subtraction and one f32 division (IEEE, correctly
//   rounded) per value, in both builds, so they agree bit for bit. mean and std are f32[C];
//   std must not be 0 (TypeScript stores 1 for a constant channel). y may equal x (in place).
//   Writes y; reads x, mean, std.
export function standardize_channels_naive(y: usize, x: usize, n: i32, C: i32, mean: usize, std: usize): void {
  for (let i = 0; i < n; i++) {
    const c = <usize>(i % C) << 2;
    const at = <usize>i << 2;
    store<f32>(y + at, (load<f32>(x + at) - load<f32>(mean + c)) / load<f32>(std + c));
  }
}

// gather_rows_shift(dst, src, idx, rows, g, fill, key, maxShift)
//   Like gather_rows, but each image is translated by (dy, dx) whole pixels first:
//     dst[r, y, x, c] = src[s, y − dy, x − dx, c] where that pixel exists, else fill[c]
//   with s = idx[r], images H×W×C (fields H, W, C of the Geom2d struct at g; the rest unused),
//   fill f32[C] (the value a blank pixel has, e.g. the standardised 0). The shift is a pure
//   function of (key, s): h = shiftHash(key, s), dx = ⌊(h & 0xffff)·S / 2^16⌋ − m,
//   dy = ⌊(h >>> 16)·S / 2^16⌋ − m with m = maxShift, S = 2m + 1 (each of the S values has
//   probability within 2^-16 of 1/S). The caller derives key from (seed, epoch), so the same
//   sample in the same epoch moves the same way however the batches are cut, on any thread
//   count and after a resume. maxShift = 0 is a plain gather.
//   Copies are memory.copy (bit-exact) and fills are stores: nothing for f32x4 to add, so
//   data/simd.ts reuses this function. Writes dst; reads src, idx, g, fill. dst must not
//   overlap src.

/** MurmurHash3's 32-bit finaliser (a bijection with good avalanche). */
@inline function fmix32(h: u32): u32 {
  h ^= h >>> 16;
  h *= 0x85ebca6b;
  h ^= h >>> 13;
  h *= 0xc2b2ae35;
  h ^= h >>> 16;
  return h;
}

/** The shift hash of sample s under key (src/train/augment.ts mirrors it). */
@inline function shiftHash(key: u32, s: u32): u32 {
  return fmix32(key ^ (s * 0x9e3779b9));
}

/** fill[0..C) repeated over `pixels` pixels from d. */
@inline function fillPixels(d: usize, pixels: i32, C: i32, fill: usize): void {
  for (let p = 0; p < pixels; p++) {
    for (let c = 0; c < C; c++) store<f32>(d + ((<usize>(p * C + c)) << 2), load<f32>(fill + (<usize>c << 2)));
  }
}

export function gather_rows_shift_naive(dst: usize, src: usize, idx: usize, rows: i32, g: usize, fill: usize, key: u32, maxShift: i32): void {
  const H = geom(g, GEOM_H), W = geom(g, GEOM_W), C = geom(g, GEOM_C);
  const S = <u32>(2 * maxShift + 1);
  const rowLen = H * W * C;
  const lineBytes = <usize>(W * C) << 2;
  for (let r = 0; r < rows; r++) {
    const s = load<i32>(idx + (<usize>r << 2));
    const h = shiftHash(key, <u32>s);
    const dx = <i32>(((h & 0xffff) * S) >>> 16) - maxShift;
    const dy = <i32>(((h >>> 16) * S) >>> 16) - maxShift;
    const simg = src + <usize>s * (<usize>rowLen << 2);
    const dimg = dst + <usize>r * (<usize>rowLen << 2);
    // Destination columns [x0, x1) come from source columns [x0 − dx, x1 − dx).
    const x0 = dx > 0 ? min(dx, W) : 0;
    const x1 = dx < 0 ? max(W + dx, 0) : W;
    for (let y = 0; y < H; y++) {
      const d = dimg + <usize>y * lineBytes;
      const sy = y - dy;
      if (sy < 0 || sy >= H || x1 <= x0) {
        fillPixels(d, W, C, fill);
        continue;
      }
      fillPixels(d, x0, C, fill);
      memory.copy(d + ((<usize>(x0 * C)) << 2), simg + <usize>sy * lineBytes + ((<usize>((x0 - dx) * C)) << 2), (<usize>((x1 - x0) * C)) << 2);
      fillPixels(d + ((<usize>(x1 * C)) << 2), W - x1, C, fill);
    }
  }
}
