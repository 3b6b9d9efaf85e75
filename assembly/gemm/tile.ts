// The f32x4 register tile shared by every SIMD matrix product: gemm_nn / gemm_tn (simd.ts),
// gemm_nn_packed (packed.ts) and the conv2d block products (conv2d/simd.ts). As in XNNPACK,
// where f32-igemm keeps the f32-gemm 4x8 "splat" body and changes only where the A rows come
// from, each caller here only says where its four A rows, its B rows and its C rows are.
//
//   X[r][j] = start(r, j) + Σ_{k < kc} A(r, k) · B(k, j)      r < 4, j < 4·NV
//
// A(r, k): the f32 at ar + k·ak, splatted. With aPacked the four rows are adjacent floats of
//   one pointer (ar = a0 + 4r: gemm_tn's rows of Aᵀ, packed.ts's A tiles); otherwise
//   a0..a3 are four independent row pointers (gemm_nn's rows of A, conv's im2col rows).
// B(k, j): the f32 at b + k·bk + 4j, read as NV = 1 or 2 vectors per k; the last vector reads
//   only W lanes (1..4), the others all four. bk > 0.
// start: 0 (START_ZERO), the current C (START_C: reads the same lanes as are stored), or a
//   row vector at init shared by the four rows (START_ROW: conv's bias; W lanes of the last vector).
// Stores the same lanes to c0..c3; rows ≥ `rows` (1..4) are computed but not stored, so a
// caller with fewer valid rows points the missing ones (A and C) at a valid row.
//
// Per k: one or two B vectors are loaded once and used by all four rows, and each A value is
// one splat load used by 4·NV columns: with NV = 2, 6 loads per 8 mul + 8 add. The eight
// accumulators + 2 B + 1 splat fit V8's 16 xmm registers (4 × 12 or 8 × 8 spill; unrolling k
// by hand made V8 hoist all loads first and spill). Each step is madd (util/simd.ts): in the
// simd build a rounded f32x4.mul, then a rounded f32x4.add, for ascending k, one accumulator
// per output: per output the same operations in the same order as the naive kernels, so the
// products are bit-identical to them. In the relaxed build it is one f32x4.relaxed_madd (fused
// where the CPU has FMA: one rounding per step, so close to naive but not bit-identical).
// NV, W and aPacked must be compile-time constants (every branch on them folds away).

import { madd } from "../util/simd";

export const START_ZERO: i32 = 0;
export const START_C: i32 = 1;
export const START_ROW: i32 = 2;

/** Lanes [0, W) from p, zeros above; W is a compile-time constant 1..4. */
@inline export function loadPart(p: usize, W: i32): v128 {
  if (W == 4) return v128.load(p);
  if (W == 3) return v128.load32_lane(p, v128.load64_zero(p), 2, 8);
  if (W == 2) return v128.load64_zero(p);
  return v128.load32_zero(p);
}

/** Stores lanes [0, W) of v at p and nothing else. */
@inline export function storePart(p: usize, v: v128, W: i32): void {
  if (W == 4) {
    v128.store(p, v);
  } else if (W == 3) {
    v128.store64_lane(p, v, 0);
    v128.store32_lane(p, v, 2, 8);
  } else if (W == 2) {
    v128.store64_lane(p, v, 0);
  } else {
    v128.store32_lane(p, v, 0);
  }
}

/** The starting value of one accumulator: W lanes of C at c, of the row at init, or 0. */
@inline function startVec(start: i32, c: usize, init: usize, W: i32): v128 {
  if (start == START_C) return loadPart(c, W);
  if (start == START_ROW) return loadPart(init, W);
  return f32x4.splat(0);
}

/** The 4 × (4·NV) tile described in the header. */
@inline export function tile4x8(
  c0: usize, c1: usize, c2: usize, c3: usize, rows: i32, start: i32, init: usize,
  a0: usize, a1: usize, a2: usize, a3: usize, ak: usize, aPacked: bool,
  b: usize, bk: usize, kc: i32, NV: i32, W: i32,
): void {
  const W0 = NV == 2 ? 4 : W; // lanes of the first vector
  let x00 = startVec(start, c0, init, W0), x10 = startVec(start, c1, init, W0);
  let x20 = startVec(start, c2, init, W0), x30 = startVec(start, c3, init, W0);
  let x01 = f32x4.splat(0), x11 = x01, x21 = x01, x31 = x01;
  if (NV == 2) {
    x01 = startVec(start, c0 + 16, init + 16, W); x11 = startVec(start, c1 + 16, init + 16, W);
    x21 = startVec(start, c2 + 16, init + 16, W); x31 = startVec(start, c3 + 16, init + 16, W);
  }
  let pb = b;
  const end = b + <usize>kc * bk;
  while (pb < end) {
    const b0 = loadPart(pb, W0);
    const b1 = NV == 2 ? loadPart(pb + 16, W) : b0;
    // Row by row: one splat live at a time, used by both B vectors.
    let s = v128.load32_splat(a0);
    x00 = madd(s, b0, x00); if (NV == 2) x01 = madd(s, b1, x01);
    if (aPacked) s = v128.load32_splat(a0, 4); else s = v128.load32_splat(a1);
    x10 = madd(s, b0, x10); if (NV == 2) x11 = madd(s, b1, x11);
    if (aPacked) s = v128.load32_splat(a0, 8); else s = v128.load32_splat(a2);
    x20 = madd(s, b0, x20); if (NV == 2) x21 = madd(s, b1, x21);
    if (aPacked) s = v128.load32_splat(a0, 12); else s = v128.load32_splat(a3);
    x30 = madd(s, b0, x30); if (NV == 2) x31 = madd(s, b1, x31);
    a0 += ak;
    if (!aPacked) { a1 += ak; a2 += ak; a3 += ak; }
    pb += bk;
  }
  storePart(c0, x00, W0);
  if (NV == 2) storePart(c0 + 16, x01, W);
  if (rows > 1) { storePart(c1, x10, W0); if (NV == 2) storePart(c1 + 16, x11, W); }
  if (rows > 2) { storePart(c2, x20, W0); if (NV == 2) storePart(c2 + 16, x21, W); }
  if (rows > 3) { storePart(c3, x30, W0); if (NV == 2) storePart(c3 + 16, x31, W); }
}
