// conv2d direct kernels for one input channel (C = 1, the first layer of an image model) with
// unit stride along the width: no im2col. Called by conv2d/simd.ts when directApplies(g).
// Semantics are those of conv2d/naive.ts (same formulas, same reads/writes/accumulates).
// When OC is a multiple of 4, forward and backward_filter hand over to the channel-vector
// kernels of direct-cv.ts (vectors along the output channels, same padded image P); what
// follows describes the width-vector kernels that take every other OC.
//
// With C = 1 an im2col row holds only KH·KW values, so the product's reduction is short and
// the copy costs as much as the arithmetic. Here the vectors run along the output WIDTH
// instead: four horizontally adjacent output pixels are one f32x4, and for one tap (kh, kw)
// their inputs are four adjacent floats of an input row, one unaligned v128 load. Per sample
// the input is first copied into a zero-padded image P (so no tap needs a bounds test):
//   P[r][c] = x[b, r − PT, c − PL] inside the input, else 0,   r < Hp, c < Wp,
//   Hp = (OH − 1)·SH + KH,  Wp = 4·OV + KW − 1,  OV = ⌈OW/4⌉ vectors per output row,
// so output pixel (oh, ow) with tap (kh, kw) reads P[oh·SH + kh][ow + kw].
//
//   forward:  a register tile of R = 2 vectors (8 pixels of one output row) × 4 output
//             channels, started from the bias, then per tap 2 loads of P, 4 splats of the
//             weights (packed to rows of OCp = OC rounded up to 4, zeros past OC, so every tile
//             computes 4 channels) and 8 madds. The epilogue optionally applies relu
//             (relu4: relu_forward's max(z, 0) in two instructions, where f32x4.max is eight
//             in V8; paired min at 28x28x1→6@5x5, B = 32, the fused forward went from 0.90x
//             to 0.95x of the plain one) while the tile is in registers, then
//             a 4 × 4 register transpose makes each pixel's channels one vector, of which the
//             valid ones (OC − oc0, up to 4) are stored into NHWC y; pixels past OW are
//             computed from P's padding and not stored. OVERWRITES y. Measured (B = 32, one
//             thread, side by side with the im2col path): 4 channels × 8 pixels with whole-pixel
//             stores ran 1.6x the im2col product at 28x28x1→24@5x5, where 3 × 12 with lane stores
//             and 6 × 8 (12 accumulators, which V8 spills) ran 0.86x. The last 6 channels of
//             OC = 4k + 6 (lenet's OC = 6) take a 6-channel × 1-vector tile instead (fwdRow6):
//             4-channel tiles there spend a quarter of the madds on zero weights. Measured
//             (B = 32, paired min) at 28x28x1→6@5x5: 1.3x the 4 + 4(2 valid) tiles.
//   backward_filter (direct-filter.ts): dw[kh][kw][oc] is a sum over every output pixel, so the vectors run over
//             pixels and the four lanes are partial sums. Per sample dy is transposed into
//             T[oh][v][oc][4] (four pixels of channel oc adjacent, zeros past OW), and a tile
//             of TT taps (kh, kw0..kw0+TT−1) × Q channels (2 × 4; tileQ) keeps its TT·Q partial sums in
//             registers over all of the sample's pixels: per pixel vector TT loads of P, Q of T,
//             TT·Q madds. The partial sums live in scratch between samples (accV), and at the
//             end dw += (l0 + l1) + (l2 + l3) of each; db the same over T's vectors.
//             ACCUMULATES into dw, db. Padding lanes of T are 0, so they add exact zeros
//             (for finite x; an inf in x meets them as 0·inf = NaN, where naive would give ±inf).
//   backward_input (direct-input.ts): the adjoint, a direct convolution of dy with the flipped
//             filter, per sample. With unit strides and OC ≤ 32 simd.ts gives the batch to
//             conv2d/input-lanes.ts first (four samples a vector, passes of 16 at C = 1), which
//             hands the B mod 16 samples left over to this kernel; otherwise, for SH = SW = 1
//             and OC < 16 (directInputApplies), this kernel takes the whole batch, and the rest
//             goes to simd.ts's im2col path. dy is transposed per sample into
//             D[oc][r][c] zero-padded by KH − 1 rows and KW − 1 columns on each side, and
//             dx[ih][iw] = Σ_{kh,kw,oc} D[oc][ih + PT − kh + KH − 1][iw + PL − kw + KW − 1]·w[kh][kw][0][oc],
//             vectors along iw, a tile of up to 8 vectors of one input row. OVERWRITES dx.
//
// Summation order differs from naive (bias first; lane partial sums), which the tests bound
// with the order-free tolerance K·2^-23·S; results depend only on the sample (forward,
// backward_input) or on the whole batch in a fixed order (backward_filter), never on threads.
//
// This file has the shared parts (which geometries, the padded image, scratch) and forward.
// Scratch (f32 units, directScratchBytes): forward P, packed weights [KH·KW][OCp] and bias
// [OCp] (fewer floats than backward_filter's T and accV); backward_filter P, T, accV [KH·KW·OC][4],
// dbV [OC][4]; backward_input D. None depends on B.

import { geom, GEOM_B, GEOM_H, GEOM_W, GEOM_C, GEOM_OH, GEOM_OW, GEOM_OC, GEOM_KH, GEOM_KW, GEOM_SH, GEOM_SW, GEOM_PT, GEOM_PL } from "../abi";
import { f32At } from "../util/ptr";
import { madd } from "../util/simd";
import { imin, roundUp4, zeroF32, copyF32 } from "./vec";
import { cvApplies, conv2d_forward_cv } from "./direct-cv";

/** Activation codes of conv2d_forward_act (mirrored in src/runtime/abi.ts CONV_ACT). */
export const ACT_LINEAR: i32 = 0;
export const ACT_RELU: i32 = 1;

/**
 * At most this many f32 of scratch for the direct kernels (4 MiB): their scratch holds a whole
 * padded image and its transposed dy, so a huge single-channel image would need gigabytes;
 * past the cap the im2col path (whose scratch is a 64-pixel block) takes it. Mirrored in
 * src/tensor/geometry.ts (convScratchFloats).
 */
export const DIRECT_SCRATCH_CAP: i64 = 1 << 20;

/** The direct kernels' shape condition, before the scratch cap: C = 1, unit width stride. */
@inline function directShape(g: usize): bool {
  return geom(g, GEOM_C) == 1 && geom(g, GEOM_SW) == 1;
}

/**
 * backward_input's further condition: unit height stride and OC < 16. The im2col path's
 * product reduces over OC, so it is short exactly when OC is small: measured side by side
 * (B = 32), direct ran 2.6x the im2col path at 28x28x1→6@5x5, 0.95x at →24@5x5 and 0.88x at
 * →32@3x3.
 */
@inline function directInputShape(g: usize): bool {
  return geom(g, GEOM_SH) == 1 && geom(g, GEOM_OC) < 16;
}

@inline export function vecsPerRow(g: usize): i32 { return (geom(g, GEOM_OW) + 3) >> 2; }
@inline export function padW(g: usize): i32 { return 4 * vecsPerRow(g) + geom(g, GEOM_KW) - 1; }
@inline export function padH(g: usize): i32 { return (geom(g, GEOM_OH) - 1) * geom(g, GEOM_SH) + geom(g, GEOM_KH); }
/** Floats of the padded image, rounded to 4 so what follows it stays 16-byte aligned. */
@inline export function padFloats(g: usize): i32 { return roundUp4(padH(g) * padW(g)); }
/** backward_input's padded dy: rows and columns of one channel. */
@inline export function dRows(g: usize): i32 { return geom(g, GEOM_OH) + 2 * (geom(g, GEOM_KH) - 1); }
@inline export function dCols(g: usize): i32 { return roundUp4(geom(g, GEOM_W)) + geom(g, GEOM_PL) + geom(g, GEOM_KW) - 1 + geom(g, GEOM_KW) - 1; }

/** Floats the direct kernels need (the most any of the three does), in i64 so huge shapes cannot wrap. */
function directFloats(g: usize): i64 {
  const OC = <i64>geom(g, GEOM_OC), OH = <i64>geom(g, GEOM_OH), OV = <i64>vecsPerRow(g);
  const K = <i64>geom(g, GEOM_KH) * <i64>geom(g, GEOM_KW);
  const padded = ((<i64>padH(g) * <i64>padW(g)) + 3) & ~3;
  const filter = padded + OH * OV * OC * 4 + (K * OC + OC) * 4;
  const input = directInputShape(g) ? OC * <i64>dRows(g) * <i64>(roundUp4(geom(g, GEOM_W)) + geom(g, GEOM_PL) + 2 * (geom(g, GEOM_KW) - 1)) : 0;
  return filter > input ? filter : input;
}

/** Whether the direct kernels take geometry g (forward and backward_filter). */
export function directApplies(g: usize): bool {
  return directShape(g) && directFloats(g) <= DIRECT_SCRATCH_CAP;
}

/** Whether backward_input takes the direct path too (see directInputShape). */
export function directInputApplies(g: usize): bool {
  return directApplies(g) && directInputShape(g);
}

/** Scratch bytes of the direct kernels for geometry g, when directApplies(g) (≤ 4 MiB). */
export function directScratchBytes(g: usize): i32 {
  return 4 * <i32>directFloats(g);
}

/** Copies sample b of x into the zero-padded image P (header). */
export function padImage(p: usize, x: usize, g: usize, b: i32): void {
  const H = geom(g, GEOM_H), W = geom(g, GEOM_W), PT = geom(g, GEOM_PT), PL = geom(g, GEOM_PL);
  const Hp = padH(g), Wp = padW(g);
  zeroF32(p, Hp * Wp);
  const n = imin(W, Wp - PL);
  const rows = imin(H, Hp - PT);
  for (let ih = 0; ih < rows; ih++) copyF32(f32At(p, (ih + PT) * Wp + PL), f32At(x, (b * H + ih) * W), n);
}

// ---- forward ---------------------------------------------------------------------------

/**
 * max(z, 0) lane-wise as relu_forward's f32x4.max gives it for every non-NaN z (x ≤ 0 and −0 give
 * +0), in two instructions where V8 spends eight on f32x4.max: pmax(z, 0) is maxps, which keeps
 * z when z is not below 0, so −0 stays −0 and a NaN stays itself; adding +0 turns −0 into +0 and
 * changes nothing else (a NaN stays a NaN, possibly with another payload than max's).
 */
@inline export function relu4(z: v128): v128 {
  const zero = f32x4.splat(0);
  return f32x4.add(f32x4.pmax(z, zero), zero);
}

/** Stores the first W (1..4, compile-time) lanes of v at p. */
@inline function storeLanes(p: usize, v: v128, W: i32): void {
  if (W == 4) v128.store(p, v);
  else if (W == 3) { v128.store64_lane(p, v, 0); v128.store32_lane(p, v, 2, 8); }
  else if (W == 2) v128.store64_lane(p, v, 0);
  else v128.store32_lane(p, v, 0);
}

/**
 * The n (≤ 4) valid pixels of one vector of four channels (a_q: channel q, lane i = pixel i),
 * pixel i at p + i·ps; of each pixel's four channels the first W are stored. A 4 × 4 register
 * transpose makes each pixel's channels one vector.
 */
@inline function storeVec(p: usize, ps: usize, n: i32, W: i32, relu: bool, a0: v128, a1: v128, a2: v128, a3: v128): void {
  // The branch holds the stores: `if (relu) a = relu4(a)` alone became a select (relu
  // computed and dropped in the plain forward).
  if (relu) storeVecT(p, ps, n, W, relu4(a0), relu4(a1), relu4(a2), relu4(a3));
  else storeVecT(p, ps, n, W, a0, a1, a2, a3);
}

@inline function storeVecT(p: usize, ps: usize, n: i32, W: i32, a0: v128, a1: v128, a2: v128, a3: v128): void {
  const t0 = i32x4.shuffle(a0, a1, 0, 4, 1, 5), t1 = i32x4.shuffle(a0, a1, 2, 6, 3, 7);
  const t2 = i32x4.shuffle(a2, a3, 0, 4, 1, 5), t3 = i32x4.shuffle(a2, a3, 2, 6, 3, 7);
  if (n > 0) storeLanes(p, i32x4.shuffle(t0, t2, 0, 1, 4, 5), W);
  if (n > 1) storeLanes(p + ps, i32x4.shuffle(t0, t2, 2, 3, 6, 7), W);
  if (n > 2) storeLanes(p + 2 * ps, i32x4.shuffle(t1, t3, 0, 1, 4, 5), W);
  if (n > 3) storeLanes(p + 3 * ps, i32x4.shuffle(t1, t3, 2, 3, 6, 7), W);
}

/**
 * One forward tile: R (1 or 2) vectors × 4 channels, W of them stored (R, W compile-time).
 * y: pixel 0 of the tile, channel oc0; ps = OC·4 bytes between pixels; n valid pixels (≤ 4R);
 * p: P at the tile's first input column of row oh·SH; prs: bytes per P row; w: the packed
 * weights at channel oc0 (rows of OCp floats per tap, ws = OCp·4 bytes); bias: the packed bias
 * at oc0.
 */
@inline function fwdTile(R: i32, W: i32, y: usize, ps: usize, n: i32, p: usize, prs: usize,
  w: usize, ws: usize, KH: i32, KW: i32, bias: usize, relu: bool): void {
  const z = f32x4.splat(0);
  const b0 = v128.load32_splat(bias), b1 = v128.load32_splat(bias, 4);
  const b2 = v128.load32_splat(bias, 8), b3 = v128.load32_splat(bias, 12);
  let a00 = b0, a01 = b1, a02 = b2, a03 = b3;
  let a10 = b0, a11 = b1, a12 = b2, a13 = b3;
  let pw = w;
  const rowBytes = <usize>KW << 2;
  for (let kh = 0; kh < KH; kh++) {
    let px = p + <usize>kh * prs;
    const end = px + rowBytes;
    while (px < end) {
      const x0 = v128.load(px);
      const x1 = R > 1 ? v128.load(px, 16) : z;
      let s = v128.load32_splat(pw);
      a00 = madd(x0, s, a00); if (R > 1) a10 = madd(x1, s, a10);
      s = v128.load32_splat(pw, 4);
      a01 = madd(x0, s, a01); if (R > 1) a11 = madd(x1, s, a11);
      s = v128.load32_splat(pw, 8);
      a02 = madd(x0, s, a02); if (R > 1) a12 = madd(x1, s, a12);
      s = v128.load32_splat(pw, 12);
      a03 = madd(x0, s, a03); if (R > 1) a13 = madd(x1, s, a13);
      px += 4;
      pw += ws;
    }
  }
  storeVec(y, ps, n, W, relu, a00, a01, a02, a03);
  if (R > 1) storeVec(y + 4 * ps, ps, n - 4, W, relu, a10, a11, a12, a13);
}

// One function per (R, W), so each tile is its own small function for V8's register allocator.
function fwd1w1(y: usize, ps: usize, n: i32, p: usize, prs: usize, w: usize, ws: usize, KH: i32, KW: i32, b: usize, relu: bool): void { fwdTile(1, 1, y, ps, n, p, prs, w, ws, KH, KW, b, relu); }
function fwd1w2(y: usize, ps: usize, n: i32, p: usize, prs: usize, w: usize, ws: usize, KH: i32, KW: i32, b: usize, relu: bool): void { fwdTile(1, 2, y, ps, n, p, prs, w, ws, KH, KW, b, relu); }
function fwd1w3(y: usize, ps: usize, n: i32, p: usize, prs: usize, w: usize, ws: usize, KH: i32, KW: i32, b: usize, relu: bool): void { fwdTile(1, 3, y, ps, n, p, prs, w, ws, KH, KW, b, relu); }
function fwd1w4(y: usize, ps: usize, n: i32, p: usize, prs: usize, w: usize, ws: usize, KH: i32, KW: i32, b: usize, relu: bool): void { fwdTile(1, 4, y, ps, n, p, prs, w, ws, KH, KW, b, relu); }
function fwd2w1(y: usize, ps: usize, n: i32, p: usize, prs: usize, w: usize, ws: usize, KH: i32, KW: i32, b: usize, relu: bool): void { fwdTile(2, 1, y, ps, n, p, prs, w, ws, KH, KW, b, relu); }
function fwd2w2(y: usize, ps: usize, n: i32, p: usize, prs: usize, w: usize, ws: usize, KH: i32, KW: i32, b: usize, relu: bool): void { fwdTile(2, 2, y, ps, n, p, prs, w, ws, KH, KW, b, relu); }
function fwd2w3(y: usize, ps: usize, n: i32, p: usize, prs: usize, w: usize, ws: usize, KH: i32, KW: i32, b: usize, relu: bool): void { fwdTile(2, 3, y, ps, n, p, prs, w, ws, KH, KW, b, relu); }
function fwd2w4(y: usize, ps: usize, n: i32, p: usize, prs: usize, w: usize, ws: usize, KH: i32, KW: i32, b: usize, relu: bool): void { fwdTile(2, 4, y, ps, n, p, prs, w, ws, KH, KW, b, relu); }

/**
 * `tiles` whole 2-vector tiles (8 valid pixels each) along one output row, W channels stored;
 * one call per row and channel group instead of one per tile (the call cost as much as a
 * 3x3 tile's arithmetic).
 */
@inline function fwdRow(W: i32, tiles: i32, y: usize, ps: usize, p: usize, prs: usize,
  w: usize, ws: usize, KH: i32, KW: i32, bias: usize, relu: bool): void {
  const ystep = ps << 3;
  for (let t = 0; t < tiles; t++) {
    fwdTile(2, W, y, ps, 8, p, prs, w, ws, KH, KW, bias, relu);
    y += ystep;
    p += 32;
  }
}
function fwdRow1(t: i32, y: usize, ps: usize, p: usize, prs: usize, w: usize, ws: usize, KH: i32, KW: i32, b: usize, relu: bool): void { fwdRow(1, t, y, ps, p, prs, w, ws, KH, KW, b, relu); }
function fwdRow2(t: i32, y: usize, ps: usize, p: usize, prs: usize, w: usize, ws: usize, KH: i32, KW: i32, b: usize, relu: bool): void { fwdRow(2, t, y, ps, p, prs, w, ws, KH, KW, b, relu); }
function fwdRow3(t: i32, y: usize, ps: usize, p: usize, prs: usize, w: usize, ws: usize, KH: i32, KW: i32, b: usize, relu: bool): void { fwdRow(3, t, y, ps, p, prs, w, ws, KH, KW, b, relu); }
function fwdRow4(t: i32, y: usize, ps: usize, p: usize, prs: usize, w: usize, ws: usize, KH: i32, KW: i32, b: usize, relu: bool): void { fwdRow(4, t, y, ps, p, prs, w, ws, KH, KW, b, relu); }

/**
 * Stores n (1..4) pixels of a 6-channel tile (a_q: channel q, lane i = pixel i), pixel i at
 * p + i·ps: a 4 × 4 transpose of channels 0..3 gives each pixel's first vector, and pairing
 * lanes of channels 4 and 5 gives each pixel's last two floats (one 64-bit store).
 */
@inline function store6(p: usize, ps: usize, n: i32, relu: bool, a0: v128, a1: v128, a2: v128, a3: v128, a4: v128, a5: v128): void {
  if (relu) store6T(p, ps, n, relu4(a0), relu4(a1), relu4(a2), relu4(a3), relu4(a4), relu4(a5));
  else store6T(p, ps, n, a0, a1, a2, a3, a4, a5);
}

@inline function store6T(p: usize, ps: usize, n: i32, a0: v128, a1: v128, a2: v128, a3: v128, a4: v128, a5: v128): void {
  const t0 = i32x4.shuffle(a0, a1, 0, 4, 1, 5), t1 = i32x4.shuffle(a0, a1, 2, 6, 3, 7);
  const t2 = i32x4.shuffle(a2, a3, 0, 4, 1, 5), t3 = i32x4.shuffle(a2, a3, 2, 6, 3, 7);
  const u0 = i32x4.shuffle(a4, a5, 0, 4, 1, 5), u1 = i32x4.shuffle(a4, a5, 2, 6, 3, 7);
  v128.store(p, i32x4.shuffle(t0, t2, 0, 1, 4, 5)); v128.store64_lane(p, u0, 0, 16);
  if (n > 1) { v128.store(p + ps, i32x4.shuffle(t0, t2, 2, 3, 6, 7)); v128.store64_lane(p + ps, u0, 1, 16); }
  if (n > 2) { v128.store(p + 2 * ps, i32x4.shuffle(t1, t3, 0, 1, 4, 5)); v128.store64_lane(p + 2 * ps, u1, 0, 16); }
  if (n > 3) { v128.store(p + 3 * ps, i32x4.shuffle(t1, t3, 2, 3, 6, 7)); v128.store64_lane(p + 3 * ps, u1, 1, 16); }
}

/**
 * The last 6 channels of a row (OC = 4k + 6, e.g. lenet's OC = 6): one tile of 6 channels × 1
 * vector per 4 pixels, so no lane computes a padding channel (4-channel tiles spend a quarter
 * of their madds on the zero weights past OC = 6). Per tap 1 load of P, 6 splats, 6 madds;
 * 6 accumulators are enough chains to cover the add latency. OV tiles, the last with nLast
 * valid pixels; arguments as fwdTile's.
 */
function fwdRow6(OV: i32, nLast: i32, y: usize, ps: usize, p: usize, prs: usize,
  w: usize, ws: usize, KH: i32, KW: i32, bias: usize, relu: bool): void {
  const rowBytes = <usize>KW << 2;
  for (let v = 0; v < OV; v++) {
    // The bias is reloaded per tile: kept live it would take 6 of the 15 registers.
    let a0 = v128.load32_splat(bias), a1 = v128.load32_splat(bias, 4), a2 = v128.load32_splat(bias, 8);
    let a3 = v128.load32_splat(bias, 12), a4 = v128.load32_splat(bias, 16), a5 = v128.load32_splat(bias, 20);
    let pw = w;
    for (let kh = 0; kh < KH; kh++) {
      let px = p + <usize>kh * prs;
      const end = px + rowBytes;
      while (px < end) {
        const x = v128.load(px);
        a0 = madd(x, v128.load32_splat(pw), a0);
        a1 = madd(x, v128.load32_splat(pw, 4), a1);
        a2 = madd(x, v128.load32_splat(pw, 8), a2);
        a3 = madd(x, v128.load32_splat(pw, 12), a3);
        a4 = madd(x, v128.load32_splat(pw, 16), a4);
        a5 = madd(x, v128.load32_splat(pw, 20), a5);
        px += 4;
        pw += ws;
      }
    }
    store6(y, ps, v + 1 < OV ? 4 : nLast, relu, a0, a1, a2, a3, a4, a5);
    y += ps << 2;
    p += 16;
  }
}

export function conv2d_forward_direct(y: usize, x: usize, w: usize, bias: usize, g: usize, scratch: usize, act: i32): void {
  const B = geom(g, GEOM_B), OH = geom(g, GEOM_OH), OW = geom(g, GEOM_OW), OC = geom(g, GEOM_OC);
  const KH = geom(g, GEOM_KH), KW = geom(g, GEOM_KW), SH = geom(g, GEOM_SH);
  const OV = vecsPerRow(g), Wp = padW(g), OCp = roundUp4(OC), K = KH * KW;
  const prs = <usize>Wp << 2, ps = <usize>OC << 2, ws = <usize>OCp << 2;
  const relu = act == ACT_RELU;
  if (cvApplies(g)) { conv2d_forward_cv(y, x, w, bias, g, scratch, relu); return; }
  // Weights [K][OCp] and bias [OCp], zero past OC, after the padded image.
  const wp = f32At(scratch, padFloats(g));
  const bp = f32At(wp, K * OCp);
  for (let k = 0; k < K; k++) {
    copyF32(f32At(wp, k * OCp), f32At(w, k * OC), OC);
    zeroF32(f32At(wp, k * OCp + OC), OCp - OC);
  }
  if (bias != 0) copyF32(bp, bias, OC); else zeroF32(bp, OC);
  zeroF32(f32At(bp, OC), OCp - OC);
  for (let b = 0; b < B; b++) {
    padImage(scratch, x, g, b);
    for (let oh = 0; oh < OH; oh++) {
      const prow = f32At(scratch, oh * SH * Wp);
      const yrow = f32At(y, (b * OH + oh) * OW * OC);
      for (let oc0 = 0; oc0 < OC; oc0 += 4) {
        const W = imin(4, OC - oc0);
        const pw = f32At(wp, oc0), pb = f32At(bp, oc0);
        if (OC - oc0 == 6) {
          fwdRow6(OV, OW - 4 * (OV - 1), f32At(yrow, oc0), ps, prow, prs, pw, ws, KH, KW, pb, relu);
          break;
        }
        // Whole 8-pixel tiles in one call per row, then the last 1..7 pixels, if any.
        const tiles = OW >> 3;
        const py0 = f32At(yrow, oc0);
        switch (W) {
          case 1: fwdRow1(tiles, py0, ps, prow, prs, pw, ws, KH, KW, pb, relu); break;
          case 2: fwdRow2(tiles, py0, ps, prow, prs, pw, ws, KH, KW, pb, relu); break;
          case 3: fwdRow3(tiles, py0, ps, prow, prs, pw, ws, KH, KW, pb, relu); break;
          default: fwdRow4(tiles, py0, ps, prow, prs, pw, ws, KH, KW, pb, relu); break;
        }
        for (let v = 2 * tiles; v < OV; v += 2) {
          const R = imin(2, OV - v);
          const n = imin(4 * R, OW - 4 * v);
          const py = f32At(yrow, 4 * v * OC + oc0);
          const pp = f32At(prow, 4 * v);
          switch (R * 8 + W) {
            case 9: fwd1w1(py, ps, n, pp, prs, pw, ws, KH, KW, pb, relu); break;
            case 10: fwd1w2(py, ps, n, pp, prs, pw, ws, KH, KW, pb, relu); break;
            case 11: fwd1w3(py, ps, n, pp, prs, pw, ws, KH, KW, pb, relu); break;
            case 12: fwd1w4(py, ps, n, pp, prs, pw, ws, KH, KW, pb, relu); break;
            case 17: fwd2w1(py, ps, n, pp, prs, pw, ws, KH, KW, pb, relu); break;
            case 18: fwd2w2(py, ps, n, pp, prs, pw, ws, KH, KW, pb, relu); break;
            case 19: fwd2w3(py, ps, n, pp, prs, pw, ws, KH, KW, pb, relu); break;
            default: fwd2w4(py, ps, n, pp, prs, pw, ws, KH, KW, pb, relu); break;
          }
        }
      }
    }
  }
}
