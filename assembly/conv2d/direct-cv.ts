// conv2d direct kernels for C = 1, SW = 1 and OC a multiple of 4, with the vectors along the
// output CHANNELS (direct.ts runs them along the width). Called from conv2d_forward_direct and
// conv2d_backward_filter_direct when cvApplies(g); same semantics, same padded image P.
//
// y and dy are NHWC, so the channels of one output pixel are OC/4 adjacent vectors, and the
// input value one tap of that pixel reads is one float of P, splat to all lanes (one
// broadcast load). Nothing is transposed and no lane is padding:
//   forward:  a register tile of NP adjacent pixels of one output row × Q channel vectors
//             (NP·Q accumulators), started from the bias; per tap Q loads of w (whose
//             [KH][KW][1][OC] layout already has each tap's channels adjacent), NP splats of P,
//             NP·Q madds. The epilogue applies relu (relu4) while the tile is in registers and
//             stores whole vectors. OVERWRITES y.
//   backward_filter: a tile of TT taps (kh, kw0..kw0+TT−1) × Q channel vectors keeps its TT·Q
//             sums of dw in registers over all of a sample's pixels: per pixel Q loads of dy,
//             TT splats of P, TT·Q madds. The sums live in scratch between samples (accS, laid
//             out as dw), and at the end dw += accS; db the same from its own pass over dy.
//             ACCUMULATES into dw, db.
// Live vectors: tile + Q (weights or dy) + 1 (splat) + 1 (product) ≤ 14 for the tiles used,
// inside the 15 xmm registers V8 allocates.
//
// Summation order: the bias, then the taps in (kh, kw) order (forward); per lane (channel)
// the pixels of each sample in order, samples in order (backward_filter). Both differ from
// naive's only by reordering, which the tests bound with K·2^-23·S.
//
// Measured (B = 32, one thread, Node 24, paired min against the width-vector kernels of
// direct.ts, bench:kernels --baseline): 28x28x1→32@3x3 forward 1.3x, forward with relu 1.57x,
// backward_filter 1.83x (there the per-sample transpose of dy and the 1-tap tile left over
// from KW = 3 had held it at ~45% of peak); 28x28x1→24@5x5 forward 1.06x, relu 1.17x,
// backward_filter 1.24x. All of these ran at 79–100% of the f32x4 mul+add peak.

import { geom, GEOM_B, GEOM_OH, GEOM_OW, GEOM_OC, GEOM_KH, GEOM_KW, GEOM_SH } from "../abi";
import { f32At } from "../util/ptr";
import { madd } from "../util/simd";
import { imin, zeroF32, copyF32, addF32 } from "./vec";
import { padW, padFloats, padImage, relu4 } from "./direct";

/** Whether the channel-vector kernels take g (already directApplies): OC a multiple of 4. */
@inline export function cvApplies(g: usize): bool { return (geom(g, GEOM_OC) & 3) == 0; }

// ---- forward ---------------------------------------------------------------------------

/**
 * `tiles` forward tiles of NP (1..5) pixels × Q (1..4) channel vectors along one output row
 * (NP, Q compile-time). y: the first pixel at channel oc0, ys = OC·4 bytes per pixel; p: P at
 * the first pixel's input column of row oh·SH, prs bytes per P row; w: the weights at oc0,
 * ws = OC·4 bytes per tap; bias: the bias (or zeros) at oc0.
 */
@inline function cvFwd(NP: i32, Q: i32, tiles: i32, y: usize, ys: usize, p: usize, prs: usize,
  w: usize, ws: usize, KH: i32, KW: i32, bias: usize, relu: bool): void {
  const b0 = v128.load(bias), b1 = Q > 1 ? v128.load(bias, 16) : b0;
  const b2 = Q > 2 ? v128.load(bias, 32) : b0, b3 = Q > 3 ? v128.load(bias, 48) : b0;
  const rowBytes = <usize>KW << 2;
  for (let t = 0; t < tiles; t++) {
    let a00 = b0, a01 = b1, a02 = b2, a03 = b3;
    let a10 = b0, a11 = b1, a12 = b2, a13 = b3;
    let a20 = b0, a21 = b1, a22 = b2, a23 = b3;
    let a30 = b0, a31 = b1, a32 = b2, a33 = b3;
    let a40 = b0, a41 = b1, a42 = b2, a43 = b3;
    let pw = w;
    for (let kh = 0; kh < KH; kh++) {
      let px = p + <usize>kh * prs;
      const end = px + rowBytes;
      while (px < end) {
        const w0 = v128.load(pw);
        const w1 = Q > 1 ? v128.load(pw, 16) : w0;
        const w2 = Q > 2 ? v128.load(pw, 32) : w0;
        const w3 = Q > 3 ? v128.load(pw, 48) : w0;
        let s = v128.load32_splat(px);
        a00 = madd(s, w0, a00); if (Q > 1) a01 = madd(s, w1, a01); if (Q > 2) a02 = madd(s, w2, a02); if (Q > 3) a03 = madd(s, w3, a03);
        if (NP > 1) { s = v128.load32_splat(px, 4); a10 = madd(s, w0, a10); if (Q > 1) a11 = madd(s, w1, a11); if (Q > 2) a12 = madd(s, w2, a12); if (Q > 3) a13 = madd(s, w3, a13); }
        if (NP > 2) { s = v128.load32_splat(px, 8); a20 = madd(s, w0, a20); if (Q > 1) a21 = madd(s, w1, a21); if (Q > 2) a22 = madd(s, w2, a22); if (Q > 3) a23 = madd(s, w3, a23); }
        if (NP > 3) { s = v128.load32_splat(px, 12); a30 = madd(s, w0, a30); if (Q > 1) a31 = madd(s, w1, a31); if (Q > 2) a32 = madd(s, w2, a32); if (Q > 3) a33 = madd(s, w3, a33); }
        if (NP > 4) { s = v128.load32_splat(px, 16); a40 = madd(s, w0, a40); if (Q > 1) a41 = madd(s, w1, a41); if (Q > 2) a42 = madd(s, w2, a42); if (Q > 3) a43 = madd(s, w3, a43); }
        px += 4;
        pw += ws;
      }
    }
    // One branch around all the stores: with the relu inside storePixel binaryen turned each
    // `if (relu)` into a select, so the plain forward computed the relu too.
    if (relu) {
      storePixel(Q, y, true, a00, a01, a02, a03);
      if (NP > 1) storePixel(Q, y + ys, true, a10, a11, a12, a13);
      if (NP > 2) storePixel(Q, y + 2 * ys, true, a20, a21, a22, a23);
      if (NP > 3) storePixel(Q, y + 3 * ys, true, a30, a31, a32, a33);
      if (NP > 4) storePixel(Q, y + 4 * ys, true, a40, a41, a42, a43);
    } else {
      storePixel(Q, y, false, a00, a01, a02, a03);
      if (NP > 1) storePixel(Q, y + ys, false, a10, a11, a12, a13);
      if (NP > 2) storePixel(Q, y + 2 * ys, false, a20, a21, a22, a23);
      if (NP > 3) storePixel(Q, y + 3 * ys, false, a30, a31, a32, a33);
      if (NP > 4) storePixel(Q, y + 4 * ys, false, a40, a41, a42, a43);
    }
    y += <usize>NP * ys;
    p += <usize>NP << 2;
  }
}

/** Stores Q (compile-time) channel vectors of one pixel at y, through relu4 when relu (compile-time). */
@inline function storePixel(Q: i32, y: usize, relu: bool, a0: v128, a1: v128, a2: v128, a3: v128): void {
  if (relu) { a0 = relu4(a0); a1 = relu4(a1); a2 = relu4(a2); a3 = relu4(a3); }
  v128.store(y, a0);
  if (Q > 1) v128.store(y, a1, 16);
  if (Q > 2) v128.store(y, a2, 32);
  if (Q > 3) v128.store(y, a3, 48);
}

// One function per (NP, Q), so each tile is its own small function for V8's register allocator.
function cvFwd1x1(n: i32, y: usize, ys: usize, p: usize, prs: usize, w: usize, ws: usize, KH: i32, KW: i32, b: usize, relu: bool): void { cvFwd(1, 1, n, y, ys, p, prs, w, ws, KH, KW, b, relu); }
function cvFwd1x2(n: i32, y: usize, ys: usize, p: usize, prs: usize, w: usize, ws: usize, KH: i32, KW: i32, b: usize, relu: bool): void { cvFwd(1, 2, n, y, ys, p, prs, w, ws, KH, KW, b, relu); }
function cvFwd1x3(n: i32, y: usize, ys: usize, p: usize, prs: usize, w: usize, ws: usize, KH: i32, KW: i32, b: usize, relu: bool): void { cvFwd(1, 3, n, y, ys, p, prs, w, ws, KH, KW, b, relu); }
function cvFwd1x4(n: i32, y: usize, ys: usize, p: usize, prs: usize, w: usize, ws: usize, KH: i32, KW: i32, b: usize, relu: bool): void { cvFwd(1, 4, n, y, ys, p, prs, w, ws, KH, KW, b, relu); }
function cvFwd2x1(n: i32, y: usize, ys: usize, p: usize, prs: usize, w: usize, ws: usize, KH: i32, KW: i32, b: usize, relu: bool): void { cvFwd(2, 1, n, y, ys, p, prs, w, ws, KH, KW, b, relu); }
function cvFwd2x2(n: i32, y: usize, ys: usize, p: usize, prs: usize, w: usize, ws: usize, KH: i32, KW: i32, b: usize, relu: bool): void { cvFwd(2, 2, n, y, ys, p, prs, w, ws, KH, KW, b, relu); }
function cvFwd2x3(n: i32, y: usize, ys: usize, p: usize, prs: usize, w: usize, ws: usize, KH: i32, KW: i32, b: usize, relu: bool): void { cvFwd(2, 3, n, y, ys, p, prs, w, ws, KH, KW, b, relu); }
function cvFwd2x4(n: i32, y: usize, ys: usize, p: usize, prs: usize, w: usize, ws: usize, KH: i32, KW: i32, b: usize, relu: bool): void { cvFwd(2, 4, n, y, ys, p, prs, w, ws, KH, KW, b, relu); }
function cvFwd3x1(n: i32, y: usize, ys: usize, p: usize, prs: usize, w: usize, ws: usize, KH: i32, KW: i32, b: usize, relu: bool): void { cvFwd(3, 1, n, y, ys, p, prs, w, ws, KH, KW, b, relu); }
function cvFwd3x2(n: i32, y: usize, ys: usize, p: usize, prs: usize, w: usize, ws: usize, KH: i32, KW: i32, b: usize, relu: bool): void { cvFwd(3, 2, n, y, ys, p, prs, w, ws, KH, KW, b, relu); }
function cvFwd3x3(n: i32, y: usize, ys: usize, p: usize, prs: usize, w: usize, ws: usize, KH: i32, KW: i32, b: usize, relu: bool): void { cvFwd(3, 3, n, y, ys, p, prs, w, ws, KH, KW, b, relu); }
function cvFwd3x4(n: i32, y: usize, ys: usize, p: usize, prs: usize, w: usize, ws: usize, KH: i32, KW: i32, b: usize, relu: bool): void { cvFwd(3, 4, n, y, ys, p, prs, w, ws, KH, KW, b, relu); }
function cvFwd4x1(n: i32, y: usize, ys: usize, p: usize, prs: usize, w: usize, ws: usize, KH: i32, KW: i32, b: usize, relu: bool): void { cvFwd(4, 1, n, y, ys, p, prs, w, ws, KH, KW, b, relu); }
function cvFwd4x2(n: i32, y: usize, ys: usize, p: usize, prs: usize, w: usize, ws: usize, KH: i32, KW: i32, b: usize, relu: bool): void { cvFwd(4, 2, n, y, ys, p, prs, w, ws, KH, KW, b, relu); }
function cvFwd4x3(n: i32, y: usize, ys: usize, p: usize, prs: usize, w: usize, ws: usize, KH: i32, KW: i32, b: usize, relu: bool): void { cvFwd(4, 3, n, y, ys, p, prs, w, ws, KH, KW, b, relu); }
function cvFwd4x4(n: i32, y: usize, ys: usize, p: usize, prs: usize, w: usize, ws: usize, KH: i32, KW: i32, b: usize, relu: bool): void { cvFwd(4, 4, n, y, ys, p, prs, w, ws, KH, KW, b, relu); }
function cvFwd5x1(n: i32, y: usize, ys: usize, p: usize, prs: usize, w: usize, ws: usize, KH: i32, KW: i32, b: usize, relu: bool): void { cvFwd(5, 1, n, y, ys, p, prs, w, ws, KH, KW, b, relu); }
function cvFwd5x2(n: i32, y: usize, ys: usize, p: usize, prs: usize, w: usize, ws: usize, KH: i32, KW: i32, b: usize, relu: bool): void { cvFwd(5, 2, n, y, ys, p, prs, w, ws, KH, KW, b, relu); }
function cvFwd5x3(n: i32, y: usize, ys: usize, p: usize, prs: usize, w: usize, ws: usize, KH: i32, KW: i32, b: usize, relu: bool): void { cvFwd(5, 3, n, y, ys, p, prs, w, ws, KH, KW, b, relu); }
function cvFwd5x4(n: i32, y: usize, ys: usize, p: usize, prs: usize, w: usize, ws: usize, KH: i32, KW: i32, b: usize, relu: bool): void { cvFwd(5, 4, n, y, ys, p, prs, w, ws, KH, KW, b, relu); }

/** `n` tiles of NP × Q (runtime values, 1..5 and 1..4): one call of the matching function. */
function cvFwdCall(NP: i32, Q: i32, n: i32, y: usize, ys: usize, p: usize, prs: usize, w: usize, ws: usize, KH: i32, KW: i32, b: usize, relu: bool): void {
  switch (NP * 8 + Q) {
    case 9: cvFwd1x1(n, y, ys, p, prs, w, ws, KH, KW, b, relu); break;
    case 10: cvFwd1x2(n, y, ys, p, prs, w, ws, KH, KW, b, relu); break;
    case 11: cvFwd1x3(n, y, ys, p, prs, w, ws, KH, KW, b, relu); break;
    case 12: cvFwd1x4(n, y, ys, p, prs, w, ws, KH, KW, b, relu); break;
    case 17: cvFwd2x1(n, y, ys, p, prs, w, ws, KH, KW, b, relu); break;
    case 18: cvFwd2x2(n, y, ys, p, prs, w, ws, KH, KW, b, relu); break;
    case 19: cvFwd2x3(n, y, ys, p, prs, w, ws, KH, KW, b, relu); break;
    case 20: cvFwd2x4(n, y, ys, p, prs, w, ws, KH, KW, b, relu); break;
    case 25: cvFwd3x1(n, y, ys, p, prs, w, ws, KH, KW, b, relu); break;
    case 26: cvFwd3x2(n, y, ys, p, prs, w, ws, KH, KW, b, relu); break;
    case 27: cvFwd3x3(n, y, ys, p, prs, w, ws, KH, KW, b, relu); break;
    case 28: cvFwd3x4(n, y, ys, p, prs, w, ws, KH, KW, b, relu); break;
    case 33: cvFwd4x1(n, y, ys, p, prs, w, ws, KH, KW, b, relu); break;
    case 34: cvFwd4x2(n, y, ys, p, prs, w, ws, KH, KW, b, relu); break;
    case 35: cvFwd4x3(n, y, ys, p, prs, w, ws, KH, KW, b, relu); break;
    case 36: cvFwd4x4(n, y, ys, p, prs, w, ws, KH, KW, b, relu); break;
    case 41: cvFwd5x1(n, y, ys, p, prs, w, ws, KH, KW, b, relu); break;
    case 42: cvFwd5x2(n, y, ys, p, prs, w, ws, KH, KW, b, relu); break;
    case 43: cvFwd5x3(n, y, ys, p, prs, w, ws, KH, KW, b, relu); break;
    case 44: cvFwd5x4(n, y, ys, p, prs, w, ws, KH, KW, b, relu); break;
    default: unreachable();
  }
}

/**
 * Forward tile shape: Q channel vectors (the last group takes the rest) × NP pixels, 8 or 9
 * accumulators. Measured side by side at 28x28x1→32@3x3 (B = 32, paired min): 4 × 2 ran 1.05x
 * 2 × 4 and 2 × 5; at →24@5x5 3 × 3 and 2 × 4 ran the same.
 */
@inline function fwdQ(OCV: i32): i32 { return OCV % 4 == 0 ? 4 : OCV % 3 == 0 ? 3 : 2; }
@inline function fwdNP(Q: i32): i32 { return Q == 4 ? 2 : Q == 3 ? 3 : 4; }

export function conv2d_forward_cv(y: usize, x: usize, w: usize, bias: usize, g: usize, scratch: usize, relu: bool): void {
  const B = geom(g, GEOM_B), OH = geom(g, GEOM_OH), OW = geom(g, GEOM_OW), OC = geom(g, GEOM_OC);
  const KH = geom(g, GEOM_KH), KW = geom(g, GEOM_KW), SH = geom(g, GEOM_SH);
  const Wp = padW(g), OCV = OC >> 2;
  const prs = <usize>Wp << 2, ys = <usize>OC << 2;
  // The bias (or zeros) after the padded image, so every tile starts from a vector load.
  const bp = f32At(scratch, padFloats(g));
  if (bias != 0) copyF32(bp, bias, OC); else zeroF32(bp, OC);
  const Qn = fwdQ(OCV), NPn = fwdNP(Qn);
  const tiles = OW / NPn, rest = OW - tiles * NPn;
  for (let b = 0; b < B; b++) {
    padImage(scratch, x, g, b);
    for (let oh = 0; oh < OH; oh++) {
      const prow = f32At(scratch, oh * SH * Wp);
      const yrow = f32At(y, (b * OH + oh) * OW * OC);
      for (let v0 = 0; v0 < OCV; v0 += Qn) {
        const Q = imin(Qn, OCV - v0);
        const pw = f32At(w, 4 * v0), pb = f32At(bp, 4 * v0), py = f32At(yrow, 4 * v0);
        if (tiles > 0) cvFwdCall(NPn, Q, tiles, py, ys, prow, prs, pw, ys, KH, KW, pb, relu);
        if (rest > 0) cvFwdCall(rest, Q, 1, f32At(py, tiles * NPn * OC), ys, f32At(prow, tiles * NPn), prs, pw, ys, KH, KW, pb, relu);
      }
    }
  }
}

// ---- backward_filter -------------------------------------------------------------------

/**
 * One backward_filter tile over all of a sample's pixels: TT (1..5) taps kw0.. of kernel row kh
 * × Q (1..4) channel vectors, both compile-time. acc: accS at (kh, kw0) channel oc0, accTap =
 * OC·4 bytes per tap; p: P at row kh, column kw0, prs bytes per P row; dy: the sample's dy at
 * oc0, ys = OC·4 bytes per pixel.
 */
@inline function cvFlt(TT: i32, Q: i32, acc: usize, accTap: usize, p: usize, prs: usize, dy: usize, ys: usize,
  OH: i32, OW: i32, SH: i32): void {
  const acc1 = acc + accTap, acc2 = acc1 + accTap, acc3 = acc2 + accTap, acc4 = acc3 + accTap;
  const z = f32x4.splat(0);
  let a00 = v128.load(acc), a01 = Q > 1 ? v128.load(acc, 16) : z, a02 = Q > 2 ? v128.load(acc, 32) : z, a03 = Q > 3 ? v128.load(acc, 48) : z;
  let a10 = z, a11 = z, a12 = z, a13 = z, a20 = z, a21 = z, a22 = z, a23 = z;
  let a30 = z, a31 = z, a32 = z, a33 = z, a40 = z, a41 = z, a42 = z, a43 = z;
  if (TT > 1) { a10 = v128.load(acc1); if (Q > 1) a11 = v128.load(acc1, 16); if (Q > 2) a12 = v128.load(acc1, 32); if (Q > 3) a13 = v128.load(acc1, 48); }
  if (TT > 2) { a20 = v128.load(acc2); if (Q > 1) a21 = v128.load(acc2, 16); if (Q > 2) a22 = v128.load(acc2, 32); if (Q > 3) a23 = v128.load(acc2, 48); }
  if (TT > 3) { a30 = v128.load(acc3); if (Q > 1) a31 = v128.load(acc3, 16); if (Q > 2) a32 = v128.load(acc3, 32); if (Q > 3) a33 = v128.load(acc3, 48); }
  if (TT > 4) { a40 = v128.load(acc4); if (Q > 1) a41 = v128.load(acc4, 16); if (Q > 2) a42 = v128.load(acc4, 32); if (Q > 3) a43 = v128.load(acc4, 48); }
  const rowStep = <usize>SH * prs, rowBytes = <usize>OW << 2;
  let prow = p, pd = dy;
  for (let oh = 0; oh < OH; oh++) {
    let px = prow;
    const end = prow + rowBytes;
    while (px < end) {
      const d0 = v128.load(pd);
      const d1 = Q > 1 ? v128.load(pd, 16) : d0;
      const d2 = Q > 2 ? v128.load(pd, 32) : d0;
      const d3 = Q > 3 ? v128.load(pd, 48) : d0;
      let s = v128.load32_splat(px);
      a00 = madd(s, d0, a00); if (Q > 1) a01 = madd(s, d1, a01); if (Q > 2) a02 = madd(s, d2, a02); if (Q > 3) a03 = madd(s, d3, a03);
      if (TT > 1) { s = v128.load32_splat(px, 4); a10 = madd(s, d0, a10); if (Q > 1) a11 = madd(s, d1, a11); if (Q > 2) a12 = madd(s, d2, a12); if (Q > 3) a13 = madd(s, d3, a13); }
      if (TT > 2) { s = v128.load32_splat(px, 8); a20 = madd(s, d0, a20); if (Q > 1) a21 = madd(s, d1, a21); if (Q > 2) a22 = madd(s, d2, a22); if (Q > 3) a23 = madd(s, d3, a23); }
      if (TT > 3) { s = v128.load32_splat(px, 12); a30 = madd(s, d0, a30); if (Q > 1) a31 = madd(s, d1, a31); if (Q > 2) a32 = madd(s, d2, a32); if (Q > 3) a33 = madd(s, d3, a33); }
      if (TT > 4) { s = v128.load32_splat(px, 16); a40 = madd(s, d0, a40); if (Q > 1) a41 = madd(s, d1, a41); if (Q > 2) a42 = madd(s, d2, a42); if (Q > 3) a43 = madd(s, d3, a43); }
      px += 4;
      pd += ys;
    }
    prow += rowStep;
  }
  v128.store(acc, a00); if (Q > 1) v128.store(acc, a01, 16); if (Q > 2) v128.store(acc, a02, 32); if (Q > 3) v128.store(acc, a03, 48);
  if (TT > 1) { v128.store(acc1, a10); if (Q > 1) v128.store(acc1, a11, 16); if (Q > 2) v128.store(acc1, a12, 32); if (Q > 3) v128.store(acc1, a13, 48); }
  if (TT > 2) { v128.store(acc2, a20); if (Q > 1) v128.store(acc2, a21, 16); if (Q > 2) v128.store(acc2, a22, 32); if (Q > 3) v128.store(acc2, a23, 48); }
  if (TT > 3) { v128.store(acc3, a30); if (Q > 1) v128.store(acc3, a31, 16); if (Q > 2) v128.store(acc3, a32, 32); if (Q > 3) v128.store(acc3, a33, 48); }
  if (TT > 4) { v128.store(acc4, a40); if (Q > 1) v128.store(acc4, a41, 16); if (Q > 2) v128.store(acc4, a42, 32); if (Q > 3) v128.store(acc4, a43, 48); }
}

function cvFlt1x1(a: usize, at: usize, p: usize, prs: usize, d: usize, ys: usize, OH: i32, OW: i32, SH: i32): void { cvFlt(1, 1, a, at, p, prs, d, ys, OH, OW, SH); }
function cvFlt1x2(a: usize, at: usize, p: usize, prs: usize, d: usize, ys: usize, OH: i32, OW: i32, SH: i32): void { cvFlt(1, 2, a, at, p, prs, d, ys, OH, OW, SH); }
function cvFlt1x3(a: usize, at: usize, p: usize, prs: usize, d: usize, ys: usize, OH: i32, OW: i32, SH: i32): void { cvFlt(1, 3, a, at, p, prs, d, ys, OH, OW, SH); }
function cvFlt1x4(a: usize, at: usize, p: usize, prs: usize, d: usize, ys: usize, OH: i32, OW: i32, SH: i32): void { cvFlt(1, 4, a, at, p, prs, d, ys, OH, OW, SH); }
function cvFlt2x1(a: usize, at: usize, p: usize, prs: usize, d: usize, ys: usize, OH: i32, OW: i32, SH: i32): void { cvFlt(2, 1, a, at, p, prs, d, ys, OH, OW, SH); }
function cvFlt2x2(a: usize, at: usize, p: usize, prs: usize, d: usize, ys: usize, OH: i32, OW: i32, SH: i32): void { cvFlt(2, 2, a, at, p, prs, d, ys, OH, OW, SH); }
function cvFlt2x3(a: usize, at: usize, p: usize, prs: usize, d: usize, ys: usize, OH: i32, OW: i32, SH: i32): void { cvFlt(2, 3, a, at, p, prs, d, ys, OH, OW, SH); }
function cvFlt2x4(a: usize, at: usize, p: usize, prs: usize, d: usize, ys: usize, OH: i32, OW: i32, SH: i32): void { cvFlt(2, 4, a, at, p, prs, d, ys, OH, OW, SH); }
function cvFlt3x1(a: usize, at: usize, p: usize, prs: usize, d: usize, ys: usize, OH: i32, OW: i32, SH: i32): void { cvFlt(3, 1, a, at, p, prs, d, ys, OH, OW, SH); }
function cvFlt3x2(a: usize, at: usize, p: usize, prs: usize, d: usize, ys: usize, OH: i32, OW: i32, SH: i32): void { cvFlt(3, 2, a, at, p, prs, d, ys, OH, OW, SH); }
function cvFlt3x3(a: usize, at: usize, p: usize, prs: usize, d: usize, ys: usize, OH: i32, OW: i32, SH: i32): void { cvFlt(3, 3, a, at, p, prs, d, ys, OH, OW, SH); }
function cvFlt3x4(a: usize, at: usize, p: usize, prs: usize, d: usize, ys: usize, OH: i32, OW: i32, SH: i32): void { cvFlt(3, 4, a, at, p, prs, d, ys, OH, OW, SH); }
function cvFlt4x1(a: usize, at: usize, p: usize, prs: usize, d: usize, ys: usize, OH: i32, OW: i32, SH: i32): void { cvFlt(4, 1, a, at, p, prs, d, ys, OH, OW, SH); }
function cvFlt4x2(a: usize, at: usize, p: usize, prs: usize, d: usize, ys: usize, OH: i32, OW: i32, SH: i32): void { cvFlt(4, 2, a, at, p, prs, d, ys, OH, OW, SH); }
function cvFlt4x3(a: usize, at: usize, p: usize, prs: usize, d: usize, ys: usize, OH: i32, OW: i32, SH: i32): void { cvFlt(4, 3, a, at, p, prs, d, ys, OH, OW, SH); }
function cvFlt4x4(a: usize, at: usize, p: usize, prs: usize, d: usize, ys: usize, OH: i32, OW: i32, SH: i32): void { cvFlt(4, 4, a, at, p, prs, d, ys, OH, OW, SH); }
function cvFlt5x1(a: usize, at: usize, p: usize, prs: usize, d: usize, ys: usize, OH: i32, OW: i32, SH: i32): void { cvFlt(5, 1, a, at, p, prs, d, ys, OH, OW, SH); }
function cvFlt5x2(a: usize, at: usize, p: usize, prs: usize, d: usize, ys: usize, OH: i32, OW: i32, SH: i32): void { cvFlt(5, 2, a, at, p, prs, d, ys, OH, OW, SH); }
function cvFlt5x3(a: usize, at: usize, p: usize, prs: usize, d: usize, ys: usize, OH: i32, OW: i32, SH: i32): void { cvFlt(5, 3, a, at, p, prs, d, ys, OH, OW, SH); }
function cvFlt5x4(a: usize, at: usize, p: usize, prs: usize, d: usize, ys: usize, OH: i32, OW: i32, SH: i32): void { cvFlt(5, 4, a, at, p, prs, d, ys, OH, OW, SH); }

function cvFltCall(TT: i32, Q: i32, a: usize, at: usize, p: usize, prs: usize, d: usize, ys: usize, OH: i32, OW: i32, SH: i32): void {
  switch (TT * 8 + Q) {
    case 9: cvFlt1x1(a, at, p, prs, d, ys, OH, OW, SH); break;
    case 10: cvFlt1x2(a, at, p, prs, d, ys, OH, OW, SH); break;
    case 11: cvFlt1x3(a, at, p, prs, d, ys, OH, OW, SH); break;
    case 12: cvFlt1x4(a, at, p, prs, d, ys, OH, OW, SH); break;
    case 17: cvFlt2x1(a, at, p, prs, d, ys, OH, OW, SH); break;
    case 18: cvFlt2x2(a, at, p, prs, d, ys, OH, OW, SH); break;
    case 19: cvFlt2x3(a, at, p, prs, d, ys, OH, OW, SH); break;
    case 20: cvFlt2x4(a, at, p, prs, d, ys, OH, OW, SH); break;
    case 25: cvFlt3x1(a, at, p, prs, d, ys, OH, OW, SH); break;
    case 26: cvFlt3x2(a, at, p, prs, d, ys, OH, OW, SH); break;
    case 27: cvFlt3x3(a, at, p, prs, d, ys, OH, OW, SH); break;
    case 28: cvFlt3x4(a, at, p, prs, d, ys, OH, OW, SH); break;
    case 33: cvFlt4x1(a, at, p, prs, d, ys, OH, OW, SH); break;
    case 34: cvFlt4x2(a, at, p, prs, d, ys, OH, OW, SH); break;
    case 35: cvFlt4x3(a, at, p, prs, d, ys, OH, OW, SH); break;
    case 36: cvFlt4x4(a, at, p, prs, d, ys, OH, OW, SH); break;
    case 41: cvFlt5x1(a, at, p, prs, d, ys, OH, OW, SH); break;
    case 42: cvFlt5x2(a, at, p, prs, d, ys, OH, OW, SH); break;
    case 43: cvFlt5x3(a, at, p, prs, d, ys, OH, OW, SH); break;
    case 44: cvFlt5x4(a, at, p, prs, d, ys, OH, OW, SH); break;
    default: unreachable();
  }
}

/** backward_filter tile shape: TT taps (the last group of a kernel row takes the rest) × Q vectors. */
@inline function fltTT(KW: i32): i32 { return KW >= 5 ? 5 : imin(KW, 3); }
@inline function fltQ(TT: i32, OCV: i32): i32 { return TT >= 4 ? 2 : TT == 3 ? (OCV == 4 ? 2 : 3) : 4; }

/** s[i] += Σ over the n pixels of dy (OC·4 bytes apart) of channel vector i, for the OCV vectors. */
function dbPass(s: usize, dy: usize, ys: usize, n: i32, OCV: i32): void {
  for (let v = 0; v < OCV; v += 2) {
    const two = v + 1 < OCV;
    const q = f32At(s, 4 * v);
    let s0 = v128.load(q), s1 = two ? v128.load(q, 16) : s0;
    let pd = f32At(dy, 4 * v);
    for (let i = 0; i < n; i++) {
      s0 = f32x4.add(s0, v128.load(pd));
      if (two) s1 = f32x4.add(s1, v128.load(pd, 16));
      pd += ys;
    }
    v128.store(q, s0);
    if (two) v128.store(q, s1, 16);
  }
}

export function conv2d_backward_filter_cv(dw: usize, db: usize, dy: usize, x: usize, g: usize, scratch: usize): void {
  const B = geom(g, GEOM_B), OH = geom(g, GEOM_OH), OW = geom(g, GEOM_OW), OC = geom(g, GEOM_OC);
  const KH = geom(g, GEOM_KH), KW = geom(g, GEOM_KW), SH = geom(g, GEOM_SH);
  const Wp = padW(g), OCV = OC >> 2, K = KH * KW;
  const prs = <usize>Wp << 2, ys = <usize>OC << 2;
  // accS [K][OC] (dw's layout) and dbS [OC] after the padded image.
  const accS = f32At(scratch, padFloats(g));
  const dbS = f32At(accS, K * OC);
  zeroF32(accS, K * OC + OC);
  const TTn = fltTT(KW), Qn = fltQ(TTn, OCV);
  for (let b = 0; b < B; b++) {
    padImage(scratch, x, g, b);
    const pd = f32At(dy, b * OH * OW * OC);
    for (let kh = 0; kh < KH; kh++) {
      for (let kw0 = 0; kw0 < KW; kw0 += TTn) {
        const TT = imin(TTn, KW - kw0);
        const pp = f32At(scratch, kh * Wp + kw0);
        for (let v0 = 0; v0 < OCV; v0 += Qn) {
          const Q = imin(Qn, OCV - v0);
          cvFltCall(TT, Q, f32At(accS, (kh * KW + kw0) * OC + 4 * v0), ys, pp, prs, f32At(pd, 4 * v0), ys, OH, OW, SH);
        }
      }
    }
    if (db != 0) dbPass(dbS, pd, ys, OH * OW, OCV);
  }
  addF32(dw, accS, K * OC);
  if (db != 0) addF32(db, dbS, OC);
}
