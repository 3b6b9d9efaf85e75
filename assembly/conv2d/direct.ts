// conv2d direct kernels for one input channel (C = 1, the first layer of an image model) with
// unit stride along the width: no im2col. Called by conv2d/simd.ts when directApplies(g).
// Semantics are those of conv2d/naive.ts (same formulas, same reads/writes/accumulates).
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
//             (f32x4.max with 0, relu_forward's operation) while the tile is in registers, then
//             a 4 × 4 register transpose makes each pixel's channels one vector, of which the
//             valid ones (OC − oc0, up to 4) are stored into NHWC y; pixels past OW are
//             computed from P's padding and not stored. OVERWRITES y. Measured (B = 32, one
//             thread, side by side with the im2col path): 4 channels × 8 pixels with whole-pixel
//             stores ran 1.6x the im2col product at 28x28x1→24@5x5, where 3 × 12 with lane stores
//             and 6 × 8 (12 accumulators, which V8 spills) ran 0.86x.
//   backward_filter: dw[kh][kw][oc] is a sum over every output pixel, so the vectors run over
//             pixels and the four lanes are partial sums. Per sample dy is transposed into
//             T[oh][v][oc][4] (four pixels of channel oc adjacent, zeros past OW), and a tile
//             of TT taps (kh, kw0..kw0+TT−1) × Q channels keeps its TT·Q partial-sum vectors in
//             registers over all of the sample's pixels: per pixel vector TT loads of P, Q of T,
//             TT·Q madds. The partial sums live in scratch between samples (accV), and at the
//             end dw += (l0 + l1) + (l2 + l3) of each; db the same over T's vectors.
//             ACCUMULATES into dw, db. Padding lanes of T are 0, so they add exact zeros
//             (for finite x; an inf in x meets them as 0·inf = NaN, where naive would give ±inf).
//   backward_input: the adjoint, as a direct convolution of dy with the flipped filter: for
//             SH = SW = 1 and OC < 16 only (else simd.ts uses im2col; directInputApplies). dy is transposed per sample into
//             D[oc][r][c] zero-padded by KH − 1 rows and KW − 1 columns on each side, and
//             dx[ih][iw] = Σ_{kh,kw,oc} D[oc][ih + PT − kh + KH − 1][iw + PL − kw + KW − 1]·w[kh][kw][0][oc],
//             vectors along iw, a tile of up to 8 vectors of one input row. OVERWRITES dx.
//
// Summation order differs from naive (bias first; lane partial sums), which the tests bound
// with the order-free tolerance K·2^-23·S; results depend only on the sample (forward,
// backward_input) or on the whole batch in a fixed order (backward_filter), never on threads.
//
// Scratch (f32 units, directScratchBytes): forward P, packed weights [KH·KW][OCp] and bias
// [OCp] (fewer floats than backward_filter's T and accV); backward_filter P, T, accV [KH·KW·OC][4],
// dbV [OC][4]; backward_input D. None depends on B.

import { geom, GEOM_B, GEOM_H, GEOM_W, GEOM_C, GEOM_OH, GEOM_OW, GEOM_OC, GEOM_KH, GEOM_KW,
  GEOM_SH, GEOM_SW, GEOM_PT, GEOM_PL } from "../abi";
import { f32At } from "../util/ptr";
import { madd, hsum } from "../util/simd";
import { imin, roundUp4, zeroF32, copyF32 } from "./vec";

/** Activation codes of conv2d_forward_act (mirrored in src/runtime/abi.ts CONV_ACT). */
export const ACT_LINEAR: i32 = 0;
export const ACT_RELU: i32 = 1;

/** Whether the direct kernels take geometry g (forward and backward_filter). */
export function directApplies(g: usize): bool {
  return geom(g, GEOM_C) == 1 && geom(g, GEOM_SW) == 1;
}

/**
 * Whether backward_input takes the direct path too: unit strides both ways and OC < 16. The
 * im2col path's product reduces over OC, so it is short exactly when OC is small: measured
 * side by side (B = 32), direct ran 2.6x the im2col path at 28x28x1→6@5x5, 0.95x at →24@5x5
 * and 0.88x at →32@3x3.
 */
export function directInputApplies(g: usize): bool {
  return directApplies(g) && geom(g, GEOM_SH) == 1 && geom(g, GEOM_OC) < 16;
}

@inline function vecsPerRow(g: usize): i32 { return (geom(g, GEOM_OW) + 3) >> 2; }
@inline function padW(g: usize): i32 { return 4 * vecsPerRow(g) + geom(g, GEOM_KW) - 1; }
@inline function padH(g: usize): i32 { return (geom(g, GEOM_OH) - 1) * geom(g, GEOM_SH) + geom(g, GEOM_KH); }
/** Floats of the padded image, rounded to 4 so what follows it stays 16-byte aligned. */
@inline function padFloats(g: usize): i32 { return roundUp4(padH(g) * padW(g)); }
/** backward_input's padded dy: rows and columns of one channel. */
@inline function dRows(g: usize): i32 { return geom(g, GEOM_OH) + 2 * (geom(g, GEOM_KH) - 1); }
@inline function dCols(g: usize): i32 { return roundUp4(geom(g, GEOM_W)) + geom(g, GEOM_PL) + geom(g, GEOM_KW) - 1 + geom(g, GEOM_KW) - 1; }

/** Scratch bytes of the direct kernels for geometry g (the most any of the three needs). */
export function directScratchBytes(g: usize): i32 {
  const OC = geom(g, GEOM_OC), OH = geom(g, GEOM_OH);
  const K = geom(g, GEOM_KH) * geom(g, GEOM_KW);
  const filter = padFloats(g) + OH * vecsPerRow(g) * OC * 4 + (K * OC + OC) * 4;
  const input = directInputApplies(g) ? OC * dRows(g) * dCols(g) : 0;
  return 4 * (filter > input ? filter : input);
}

/** Copies sample b of x into the zero-padded image P (header). */
function padImage(p: usize, x: usize, g: usize, b: i32): void {
  const H = geom(g, GEOM_H), W = geom(g, GEOM_W), PT = geom(g, GEOM_PT), PL = geom(g, GEOM_PL);
  const Hp = padH(g), Wp = padW(g);
  zeroF32(p, Hp * Wp);
  const n = imin(W, Wp - PL);
  const rows = imin(H, Hp - PT);
  for (let ih = 0; ih < rows; ih++) copyF32(f32At(p, (ih + PT) * Wp + PL), f32At(x, (b * H + ih) * W), n);
}

// ---- forward ---------------------------------------------------------------------------

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
  if (relu) {
    const z = f32x4.splat(0);
    a0 = f32x4.max(a0, z); a1 = f32x4.max(a1, z); a2 = f32x4.max(a2, z); a3 = f32x4.max(a3, z);
  }
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

export function conv2d_forward_direct(y: usize, x: usize, w: usize, bias: usize, g: usize, scratch: usize, act: i32): void {
  const B = geom(g, GEOM_B), OH = geom(g, GEOM_OH), OW = geom(g, GEOM_OW), OC = geom(g, GEOM_OC);
  const KH = geom(g, GEOM_KH), KW = geom(g, GEOM_KW), SH = geom(g, GEOM_SH);
  const OV = vecsPerRow(g), Wp = padW(g), OCp = roundUp4(OC), K = KH * KW;
  const prs = <usize>Wp << 2, ps = <usize>OC << 2, ws = <usize>OCp << 2;
  const relu = act == ACT_RELU;
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

// ---- backward_filter -------------------------------------------------------------------

/**
 * Channels per backward_filter tile: 4 (the last group takes the rest); taps per tile: 2 with
 * 4 channels, 3 with fewer. At most 8 partial-sum vectors, so with the tap vectors and dy's
 * vector ≤ 11 are live, well inside the 15 xmm registers V8 allocates. Measured side by side
 * (B = 32): 4 × 2 ran 1.4x as fast as 3 channels × 3 taps at 28x28x1→6@5x5 and →24@5x5.
 */
@inline function tileQ(OC: i32): i32 { return OC < 4 ? OC : 4; }
@inline function tileR(Q: i32): i32 { return Q == 4 ? 2 : 3; }

/**
 * T[((oh·OV + v)·OC + oc)·4 + i] = dy[b, oh, 4v + i, oc], 0 for 4v + i ≥ OW: full blocks of
 * 4 pixels × 4 channels by a register transpose, the rest element by element.
 */
function transposeDy(t: usize, dy: usize, g: usize, b: i32): void {
  const OH = geom(g, GEOM_OH), OW = geom(g, GEOM_OW), OC = geom(g, GEOM_OC);
  const OV = vecsPerRow(g);
  const ps = <usize>OC << 2;
  for (let oh = 0; oh < OH; oh++) {
    const src = f32At(dy, (b * OH + oh) * OW * OC);
    const dst = f32At(t, oh * OV * OC * 4);
    for (let v = 0; v < OV; v++) {
      const s = f32At(src, 4 * v * OC);
      const d = f32At(dst, v * OC * 4);
      const n = imin(4, OW - 4 * v);
      let oc = 0;
      if (n == 4) {
        for (; oc + 4 <= OC; oc += 4) {
          const p = f32At(s, oc);
          const r0 = v128.load(p), r1 = v128.load(p + ps), r2 = v128.load(p + 2 * ps), r3 = v128.load(p + 3 * ps);
          const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5), t1 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
          const t2 = i32x4.shuffle(r2, r3, 0, 4, 1, 5), t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
          const q = f32At(d, oc * 4);
          v128.store(q, i32x4.shuffle(t0, t2, 0, 1, 4, 5));
          v128.store(q, i32x4.shuffle(t0, t2, 2, 3, 6, 7), 16);
          v128.store(q, i32x4.shuffle(t1, t3, 0, 1, 4, 5), 32);
          v128.store(q, i32x4.shuffle(t1, t3, 2, 3, 6, 7), 48);
        }
      }
      for (; oc < OC; oc++) {
        for (let i = 0; i < 4; i++) {
          store<f32>(f32At(d, oc * 4 + i), i < n ? load<f32>(f32At(s, i * OC + oc)) : <f32>0);
        }
      }
    }
  }
}

/**
 * One backward_filter tile: TT (1..3) taps kw0.. of one kernel row × Q (1..6) channels, both
 * compile-time; acc: accV at (tap, oc0), rows of OC vectors; p: P at row kh, column kw0;
 * t: T at channel oc0; tvs = OC·16 bytes per pixel vector of T.
 */
@inline function filterTile(TT: i32, Q: i32, acc: usize, accTap: usize, p: usize, prs: usize, t: usize, tvs: usize,
  OH: i32, OV: i32, SH: i32): void {
  let a00 = v128.load(acc), a01 = f32x4.splat(0), a02 = a01, a03 = a01, a04 = a01, a05 = a01;
  let a10 = a01, a11 = a01, a12 = a01, a13 = a01, a14 = a01, a15 = a01;
  let a20 = a01, a21 = a01, a22 = a01, a23 = a01, a24 = a01, a25 = a01;
  if (Q > 1) a01 = v128.load(acc, 16);
  if (Q > 2) a02 = v128.load(acc, 32);
  if (Q > 3) a03 = v128.load(acc, 48);
  if (Q > 4) a04 = v128.load(acc, 64);
  if (Q > 5) a05 = v128.load(acc, 80);
  const acc1 = acc + accTap, acc2 = acc1 + accTap;
  if (TT > 1) {
    a10 = v128.load(acc1);
    if (Q > 1) a11 = v128.load(acc1, 16);
    if (Q > 2) a12 = v128.load(acc1, 32);
    if (Q > 3) a13 = v128.load(acc1, 48);
    if (Q > 4) a14 = v128.load(acc1, 64);
    if (Q > 5) a15 = v128.load(acc1, 80);
  }
  if (TT > 2) {
    a20 = v128.load(acc2);
    if (Q > 1) a21 = v128.load(acc2, 16);
    if (Q > 2) a22 = v128.load(acc2, 32);
    if (Q > 3) a23 = v128.load(acc2, 48);
    if (Q > 4) a24 = v128.load(acc2, 64);
    if (Q > 5) a25 = v128.load(acc2, 80);
  }
  const rowStep = <usize>SH * prs;
  const rowVecs = <usize>OV << 4;
  let prow = p, pt = t;
  for (let oh = 0; oh < OH; oh++) {
    let px = prow;
    const end = prow + rowVecs;
    while (px < end) {
      const x0 = v128.load(px);
      const x1 = TT > 1 ? v128.load(px, 4) : x0;
      const x2 = TT > 2 ? v128.load(px, 8) : x0;
      let d = v128.load(pt);
      a00 = madd(x0, d, a00); if (TT > 1) a10 = madd(x1, d, a10); if (TT > 2) a20 = madd(x2, d, a20);
      if (Q > 1) { d = v128.load(pt, 16); a01 = madd(x0, d, a01); if (TT > 1) a11 = madd(x1, d, a11); if (TT > 2) a21 = madd(x2, d, a21); }
      if (Q > 2) { d = v128.load(pt, 32); a02 = madd(x0, d, a02); if (TT > 1) a12 = madd(x1, d, a12); if (TT > 2) a22 = madd(x2, d, a22); }
      if (Q > 3) { d = v128.load(pt, 48); a03 = madd(x0, d, a03); if (TT > 1) a13 = madd(x1, d, a13); if (TT > 2) a23 = madd(x2, d, a23); }
      if (Q > 4) { d = v128.load(pt, 64); a04 = madd(x0, d, a04); if (TT > 1) a14 = madd(x1, d, a14); if (TT > 2) a24 = madd(x2, d, a24); }
      if (Q > 5) { d = v128.load(pt, 80); a05 = madd(x0, d, a05); if (TT > 1) a15 = madd(x1, d, a15); if (TT > 2) a25 = madd(x2, d, a25); }
      px += 16;
      pt += tvs;
    }
    prow += rowStep;
  }
  v128.store(acc, a00);
  if (Q > 1) v128.store(acc, a01, 16);
  if (Q > 2) v128.store(acc, a02, 32);
  if (Q > 3) v128.store(acc, a03, 48);
  if (Q > 4) v128.store(acc, a04, 64);
  if (Q > 5) v128.store(acc, a05, 80);
  if (TT > 1) {
    v128.store(acc1, a10);
    if (Q > 1) v128.store(acc1, a11, 16);
    if (Q > 2) v128.store(acc1, a12, 32);
    if (Q > 3) v128.store(acc1, a13, 48);
    if (Q > 4) v128.store(acc1, a14, 64);
    if (Q > 5) v128.store(acc1, a15, 80);
  }
  if (TT > 2) {
    v128.store(acc2, a20);
    if (Q > 1) v128.store(acc2, a21, 16);
    if (Q > 2) v128.store(acc2, a22, 32);
    if (Q > 3) v128.store(acc2, a23, 48);
    if (Q > 4) v128.store(acc2, a24, 64);
    if (Q > 5) v128.store(acc2, a25, 80);
  }
}

function flt1x1(a: usize, at: usize, p: usize, prs: usize, t: usize, tvs: usize, OH: i32, OV: i32, SH: i32): void { filterTile(1, 1, a, at, p, prs, t, tvs, OH, OV, SH); }
function flt1x2(a: usize, at: usize, p: usize, prs: usize, t: usize, tvs: usize, OH: i32, OV: i32, SH: i32): void { filterTile(1, 2, a, at, p, prs, t, tvs, OH, OV, SH); }
function flt1x3(a: usize, at: usize, p: usize, prs: usize, t: usize, tvs: usize, OH: i32, OV: i32, SH: i32): void { filterTile(1, 3, a, at, p, prs, t, tvs, OH, OV, SH); }
function flt1x4(a: usize, at: usize, p: usize, prs: usize, t: usize, tvs: usize, OH: i32, OV: i32, SH: i32): void { filterTile(1, 4, a, at, p, prs, t, tvs, OH, OV, SH); }
function flt1x5(a: usize, at: usize, p: usize, prs: usize, t: usize, tvs: usize, OH: i32, OV: i32, SH: i32): void { filterTile(1, 5, a, at, p, prs, t, tvs, OH, OV, SH); }
function flt1x6(a: usize, at: usize, p: usize, prs: usize, t: usize, tvs: usize, OH: i32, OV: i32, SH: i32): void { filterTile(1, 6, a, at, p, prs, t, tvs, OH, OV, SH); }
function flt2x1(a: usize, at: usize, p: usize, prs: usize, t: usize, tvs: usize, OH: i32, OV: i32, SH: i32): void { filterTile(2, 1, a, at, p, prs, t, tvs, OH, OV, SH); }
function flt2x2(a: usize, at: usize, p: usize, prs: usize, t: usize, tvs: usize, OH: i32, OV: i32, SH: i32): void { filterTile(2, 2, a, at, p, prs, t, tvs, OH, OV, SH); }
function flt2x3(a: usize, at: usize, p: usize, prs: usize, t: usize, tvs: usize, OH: i32, OV: i32, SH: i32): void { filterTile(2, 3, a, at, p, prs, t, tvs, OH, OV, SH); }
function flt2x4(a: usize, at: usize, p: usize, prs: usize, t: usize, tvs: usize, OH: i32, OV: i32, SH: i32): void { filterTile(2, 4, a, at, p, prs, t, tvs, OH, OV, SH); }
function flt2x5(a: usize, at: usize, p: usize, prs: usize, t: usize, tvs: usize, OH: i32, OV: i32, SH: i32): void { filterTile(2, 5, a, at, p, prs, t, tvs, OH, OV, SH); }
function flt2x6(a: usize, at: usize, p: usize, prs: usize, t: usize, tvs: usize, OH: i32, OV: i32, SH: i32): void { filterTile(2, 6, a, at, p, prs, t, tvs, OH, OV, SH); }
function flt3x1(a: usize, at: usize, p: usize, prs: usize, t: usize, tvs: usize, OH: i32, OV: i32, SH: i32): void { filterTile(3, 1, a, at, p, prs, t, tvs, OH, OV, SH); }
function flt3x2(a: usize, at: usize, p: usize, prs: usize, t: usize, tvs: usize, OH: i32, OV: i32, SH: i32): void { filterTile(3, 2, a, at, p, prs, t, tvs, OH, OV, SH); }
function flt3x3(a: usize, at: usize, p: usize, prs: usize, t: usize, tvs: usize, OH: i32, OV: i32, SH: i32): void { filterTile(3, 3, a, at, p, prs, t, tvs, OH, OV, SH); }
function flt3x4(a: usize, at: usize, p: usize, prs: usize, t: usize, tvs: usize, OH: i32, OV: i32, SH: i32): void { filterTile(3, 4, a, at, p, prs, t, tvs, OH, OV, SH); }

export function conv2d_backward_filter_direct(dw: usize, db: usize, dy: usize, x: usize, g: usize, scratch: usize): void {
  const B = geom(g, GEOM_B), OH = geom(g, GEOM_OH), OC = geom(g, GEOM_OC);
  const KH = geom(g, GEOM_KH), KW = geom(g, GEOM_KW), SH = geom(g, GEOM_SH);
  const OV = vecsPerRow(g), Wp = padW(g);
  const prs = <usize>Wp << 2, tvs = <usize>OC << 4;
  const p = scratch;
  const t = f32At(p, padFloats(g));
  const accV = f32At(t, OH * OV * OC * 4);
  const dbV = f32At(accV, KH * KW * OC * 4);
  zeroF32(accV, (KH * KW * OC + OC) * 4);
  const Qn = tileQ(OC), TTn = tileR(Qn);
  for (let b = 0; b < B; b++) {
    padImage(p, x, g, b);
    transposeDy(t, dy, g, b);
    for (let kh = 0; kh < KH; kh++) {
      for (let kw0 = 0; kw0 < KW; kw0 += TTn) {
        const TT = imin(TTn, KW - kw0);
        const pp = f32At(p, kh * Wp + kw0);
        for (let oc0 = 0; oc0 < OC; oc0 += Qn) {
          const Q = imin(Qn, OC - oc0);
          const a = f32At(accV, ((kh * KW + kw0) * OC + oc0) * 4);
          const pt = f32At(t, oc0 * 4);
          switch (TT * 8 + Q) {
            case 9: flt1x1(a, tvs, pp, prs, pt, tvs, OH, OV, SH); break;
            case 10: flt1x2(a, tvs, pp, prs, pt, tvs, OH, OV, SH); break;
            case 11: flt1x3(a, tvs, pp, prs, pt, tvs, OH, OV, SH); break;
            case 12: flt1x4(a, tvs, pp, prs, pt, tvs, OH, OV, SH); break;
            case 13: flt1x5(a, tvs, pp, prs, pt, tvs, OH, OV, SH); break;
            case 14: flt1x6(a, tvs, pp, prs, pt, tvs, OH, OV, SH); break;
            case 17: flt2x1(a, tvs, pp, prs, pt, tvs, OH, OV, SH); break;
            case 18: flt2x2(a, tvs, pp, prs, pt, tvs, OH, OV, SH); break;
            case 19: flt2x3(a, tvs, pp, prs, pt, tvs, OH, OV, SH); break;
            case 20: flt2x4(a, tvs, pp, prs, pt, tvs, OH, OV, SH); break;
            case 21: flt2x5(a, tvs, pp, prs, pt, tvs, OH, OV, SH); break;
            case 22: flt2x6(a, tvs, pp, prs, pt, tvs, OH, OV, SH); break;
            case 25: flt3x1(a, tvs, pp, prs, pt, tvs, OH, OV, SH); break;
            case 26: flt3x2(a, tvs, pp, prs, pt, tvs, OH, OV, SH); break;
            case 27: flt3x3(a, tvs, pp, prs, pt, tvs, OH, OV, SH); break;
            case 28: flt3x4(a, tvs, pp, prs, pt, tvs, OH, OV, SH); break;
            default: unreachable();
          }
        }
      }
    }
    if (db != 0) {
      // dbV[oc] += every pixel vector of channel oc, in pixel order.
      const n = OH * OV;
      for (let oc = 0; oc < OC; oc++) {
        let s = v128.load(f32At(dbV, oc * 4));
        let pt = f32At(t, oc * 4);
        for (let i = 0; i < n; i++) { s = f32x4.add(s, v128.load(pt)); pt += tvs; }
        v128.store(f32At(dbV, oc * 4), s);
      }
    }
  }
  const K = KH * KW;
  for (let i = 0; i < K * OC; i++) {
    const q = f32At(dw, i);
    store<f32>(q, load<f32>(q) + hsum(v128.load(f32At(accV, i * 4))));
  }
  if (db == 0) return;
  for (let oc = 0; oc < OC; oc++) {
    const q = f32At(db, oc);
    store<f32>(q, load<f32>(q) + hsum(v128.load(f32At(dbV, oc * 4))));
  }
}

// ---- backward_input --------------------------------------------------------------------

/**
 * D[oc][r][c] = dy[b, r − (KH−1), c − (KW−1) − PL', oc] with the offsets of the header, 0
 * outside: channel planes of dRows × dCols floats.
 */
function padDy(d: usize, dy: usize, g: usize, b: i32): void {
  const OH = geom(g, GEOM_OH), OW = geom(g, GEOM_OW), OC = geom(g, GEOM_OC);
  const KH = geom(g, GEOM_KH), KW = geom(g, GEOM_KW);
  const rows = dRows(g), cols = dCols(g);
  zeroF32(d, OC * rows * cols);
  for (let oh = 0; oh < OH; oh++) {
    const src = f32At(dy, (b * OH + oh) * OW * OC);
    for (let oc = 0; oc < OC; oc++) {
      const dst = f32At(d, (oc * rows + oh + KH - 1) * cols + KW - 1);
      for (let ow = 0; ow < OW; ow++) store<f32>(f32At(dst, ow), load<f32>(f32At(src, ow * OC + oc)));
    }
  }
}

/**
 * One backward_input tile: R (1..8, compile-time) vectors of one dx row. dx: the tile's first
 * pixel; n valid pixels; d: D at channel 0, row of tap kh = 0, column of tap kw = 0 for the
 * tile's first pixel; drs bytes per D row, dcs bytes per D channel; w: w[0][0][0][0].
 */
@inline function inputTile(R: i32, dx: usize, n: i32, d: usize, drs: usize, dcs: usize, w: usize,
  KH: i32, KW: i32, OC: i32): void {
  const z = f32x4.splat(0);
  let a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z, a7 = z;
  let pw = w;
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      // Tap (kh, kw) reads D at row −kh, column −kw relative to the tap (0, 0) origin.
      let pd = d - <usize>kh * drs - (<usize>kw << 2);
      for (let oc = 0; oc < OC; oc++) {
        const s = v128.load32_splat(pw);
        a0 = madd(v128.load(pd), s, a0);
        if (R > 1) a1 = madd(v128.load(pd, 16), s, a1);
        if (R > 2) a2 = madd(v128.load(pd, 32), s, a2);
        if (R > 3) a3 = madd(v128.load(pd, 48), s, a3);
        if (R > 4) a4 = madd(v128.load(pd, 64), s, a4);
        if (R > 5) a5 = madd(v128.load(pd, 80), s, a5);
        if (R > 6) a6 = madd(v128.load(pd, 96), s, a6);
        if (R > 7) a7 = madd(v128.load(pd, 112), s, a7);
        pd += dcs;
        pw += 4;
      }
    }
  }
  storeRun(dx, n, a0); if (R > 1) storeRun(dx + 16, n - 4, a1);
  if (R > 2) storeRun(dx + 32, n - 8, a2); if (R > 3) storeRun(dx + 48, n - 12, a3);
  if (R > 4) storeRun(dx + 64, n - 16, a4); if (R > 5) storeRun(dx + 80, n - 20, a5);
  if (R > 6) storeRun(dx + 96, n - 24, a6); if (R > 7) storeRun(dx + 112, n - 28, a7);
}

/** The first min(n, 4) lanes of v at p (contiguous floats). */
@inline function storeRun(p: usize, n: i32, v: v128): void {
  if (n >= 4) { v128.store(p, v); return; }
  if (n > 0) v128.store32_lane(p, v, 0);
  if (n > 1) v128.store32_lane(p, v, 1, 4);
  if (n > 2) v128.store32_lane(p, v, 2, 8);
}

function inp1(dx: usize, n: i32, d: usize, drs: usize, dcs: usize, w: usize, KH: i32, KW: i32, OC: i32): void { inputTile(1, dx, n, d, drs, dcs, w, KH, KW, OC); }
function inp2(dx: usize, n: i32, d: usize, drs: usize, dcs: usize, w: usize, KH: i32, KW: i32, OC: i32): void { inputTile(2, dx, n, d, drs, dcs, w, KH, KW, OC); }
function inp3(dx: usize, n: i32, d: usize, drs: usize, dcs: usize, w: usize, KH: i32, KW: i32, OC: i32): void { inputTile(3, dx, n, d, drs, dcs, w, KH, KW, OC); }
function inp4(dx: usize, n: i32, d: usize, drs: usize, dcs: usize, w: usize, KH: i32, KW: i32, OC: i32): void { inputTile(4, dx, n, d, drs, dcs, w, KH, KW, OC); }
function inp5(dx: usize, n: i32, d: usize, drs: usize, dcs: usize, w: usize, KH: i32, KW: i32, OC: i32): void { inputTile(5, dx, n, d, drs, dcs, w, KH, KW, OC); }
function inp6(dx: usize, n: i32, d: usize, drs: usize, dcs: usize, w: usize, KH: i32, KW: i32, OC: i32): void { inputTile(6, dx, n, d, drs, dcs, w, KH, KW, OC); }
function inp7(dx: usize, n: i32, d: usize, drs: usize, dcs: usize, w: usize, KH: i32, KW: i32, OC: i32): void { inputTile(7, dx, n, d, drs, dcs, w, KH, KW, OC); }
function inp8(dx: usize, n: i32, d: usize, drs: usize, dcs: usize, w: usize, KH: i32, KW: i32, OC: i32): void { inputTile(8, dx, n, d, drs, dcs, w, KH, KW, OC); }

export function conv2d_backward_input_direct(dx: usize, dy: usize, w: usize, g: usize, scratch: usize): void {
  const B = geom(g, GEOM_B), H = geom(g, GEOM_H), W = geom(g, GEOM_W), OC = geom(g, GEOM_OC);
  const KH = geom(g, GEOM_KH), KW = geom(g, GEOM_KW), PT = geom(g, GEOM_PT), PL = geom(g, GEOM_PL);
  const rows = dRows(g), cols = dCols(g);
  const drs = <usize>cols << 2, dcs = <usize>(rows * cols) << 2;
  // w transposed to [kh][kw][oc] is w itself (C = 1): one splat per (tap, oc), in order.
  const V = (W + 3) >> 2;
  for (let b = 0; b < B; b++) {
    padDy(scratch, dy, g, b);
    for (let ih = 0; ih < H; ih++) {
      // Tap (0, 0) of pixel iw reads D row ih + PT + KH − 1, column iw + PL + KW − 1.
      const drow = f32At(scratch, (ih + PT + KH - 1) * cols + PL + KW - 1);
      const xrow = f32At(dx, (b * H + ih) * W);
      for (let v = 0; v < V; v += 8) {
        const R = imin(8, V - v);
        const n = W - 4 * v;
        const px = f32At(xrow, 4 * v), pd = f32At(drow, 4 * v);
        switch (R) {
          case 1: inp1(px, n, pd, drs, dcs, w, KH, KW, OC); break;
          case 2: inp2(px, n, pd, drs, dcs, w, KH, KW, OC); break;
          case 3: inp3(px, n, pd, drs, dcs, w, KH, KW, OC); break;
          case 4: inp4(px, n, pd, drs, dcs, w, KH, KW, OC); break;
          case 5: inp5(px, n, pd, drs, dcs, w, KH, KW, OC); break;
          case 6: inp6(px, n, pd, drs, dcs, w, KH, KW, OC); break;
          case 7: inp7(px, n, pd, drs, dcs, w, KH, KW, OC); break;
          default: inp8(px, n, pd, drs, dcs, w, KH, KW, OC); break;
        }
      }
    }
  }
}
