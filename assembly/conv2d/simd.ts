// conv2d kernels, SIMD (f32x4) variant: im2col one block of output pixels at a time into
// scratch, then a register-tiled "splat" matrix product on that block.
//
// Shapes and semantics are those of conv2d/naive.ts (same formulas, same reads/writes/
// accumulates; x NHWC [B][H][W][C], w HWIO [KH][KW][C][OC], y/dy NHWC [B][OH][OW][OC]).
// Write K = KH·KW·C (one im2col row), Kp = K rounded up to 4, OCp = OC rounded up to 4,
// M = B·OH·OW (output pixels, flattened over the batch), MB = min(BLOCK, M).
// An im2col row for pixel p = (b,oh,ow) is A[p][k], k = (kh·KW + kw)·C + c, holding
// x[b, oh·SH−PT+kh, ow·SW−PL+kw, c] or 0 for taps outside the input; columns K ≤ k < Kp are
// never read (rows are padded only so that they start 16 bytes apart).
//
//   forward:          Y[p][oc] = bias[oc] + Σ_k A[p][k]·W[k][oc]        (W = w viewed [K][OC])
//                     the filter is first packed to Wp [K][OCp] (zero columns past OC) so every
//                     f32x4 load of a weight row is in bounds; OVERWRITES y.
//   backward_input:   D[p][k] = Σ_oc dY[p][oc]·Wt[oc][k]   (Wt = w transposed, [OC][Kp]),
//                     then col2im: dx[b,ih,iw,c] += D[p][k] for every in-bounds tap.
//                     dx is zeroed first, so dx is OVERWRITTEN.
//   backward_filter:  dWt[oc][k] = Σ_p dY[p][oc]·A[p][k]  summed over all blocks in scratch,
//                     then dw[k][oc] += dWt[oc][k];  db[oc] += Σ_p dY[p][oc]. ACCUMULATES.
//
// The product kernel (gemmBlock) keeps a 4 × 8 tile of outputs in eight f32x4 accumulators:
// per reduction step it loads two f32x4 of the right operand (8 contiguous outputs) and splats
// four left values, reusing each loaded right vector four times (8 mul + 8 add per 6 loads,
// and 8 + 2 + 1 live vectors fit the 16 SIMD registers). No FMA: f32x4.mul then f32x4.add.
// Tails: a column tail of 4 uses a 4 × 4 tile; a last column vector that is only partly
// inside the output is stored lane by lane; a row tail (M not a multiple of 4) recomputes
// the last valid row in the missing rows and does not store them (no out-of-bounds reads).
//
// Scratch (conv2d_scratch_bytes_simd), 16-byte aligned by the caller, in f32 units:
//   [0, OCp·Kp)               packed filter: Wp [K][OCp] | Wt [OC][Kp] | dWt [OC][Kp]
//   [OCp·Kp, OCp·Kp + OCp)    padded bias (forward only)
//   [.., + MB·Kp)             im2col block A or column-gradient block D, rows of Kp
// so bytes = 4·(OCp·Kp + OCp + MB·Kp): with BLOCK = 64 that is 110 KB for a 3x3x32→64
// layer and 44 KB for 5x5x6→16, independent of the batch size.

import { geom, GEOM_B, GEOM_H, GEOM_W, GEOM_C, GEOM_OH, GEOM_OW, GEOM_OC, GEOM_KH, GEOM_KW,
  GEOM_SH, GEOM_SW, GEOM_PT, GEOM_PL } from "../abi";
import { f32At } from "../util/ptr";

/** Output pixels per im2col block (a multiple of 4, the tile height). */
const BLOCK: i32 = 64;

const MODE_ZERO: i32 = 0; // accumulators start at 0
const MODE_ROW: i32 = 1;  // accumulators start at init[n] (a row padded to a multiple of 4)
const MODE_ACC: i32 = 2;  // accumulators start at the current output (rows padded to 4)

@inline function roundUp4(n: i32): i32 { return (n + 3) & ~3; }
@inline function imin(a: i32, b: i32): i32 { return a < b ? a : b; }
@inline function imax(a: i32, b: i32): i32 { return a > b ? a : b; }

/** Rows of the im2col block for geometry g. */
@inline function blockRows(g: usize): i32 {
  return imin(BLOCK, geom(g, GEOM_B) * geom(g, GEOM_OH) * geom(g, GEOM_OW));
}

export function conv2d_scratch_bytes_simd(g: usize): i32 {
  const Kp = roundUp4(geom(g, GEOM_KH) * geom(g, GEOM_KW) * geom(g, GEOM_C));
  const OCp = roundUp4(geom(g, GEOM_OC));
  return 4 * (OCp * Kp + OCp + blockRows(g) * (Kp + OCp));
}

// ---- small vector helpers ---------------------------------------------------------------

/** dst[i] = 0 for i < n. */
function zeroF32(dst: usize, n: i32): void {
  const z = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(f32At(dst, i), z);
  for (; i < n; i++) store<f32>(f32At(dst, i), 0);
}

/** dst[i] = src[i] for i < n. */
function copyF32(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(f32At(dst, i), v128.load(f32At(src, i)));
  for (; i < n; i++) store<f32>(f32At(dst, i), load<f32>(f32At(src, i)));
}

/** dst[i] += src[i] for i < n. */
function addF32(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const p = f32At(dst, i);
    v128.store(p, f32x4.add(v128.load(p), v128.load(f32At(src, i))));
  }
  for (; i < n; i++) {
    const p = f32At(dst, i);
    store<f32>(p, load<f32>(p) + load<f32>(f32At(src, i)));
  }
}

/** The first n lanes (n ≥ 4: all four) of the f32s at p; the other lanes 0. */
@inline function loadLanes(p: usize, n: i32): v128 {
  if (n >= 4) return v128.load(p);
  let v = f32x4.splat(0);
  if (n > 0) v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (n > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (n > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

/** Stores the first n lanes (n ≥ 4: all four) of v at p. */
@inline function storeLanes(p: usize, v: v128, n: i32): void {
  if (n >= 4) { v128.store(p, v); return; }
  if (n > 0) store<f32>(p, f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (n > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

@inline function initVec(mode: i32, init: usize, o: usize, cols: i32): v128 {
  if (mode == MODE_ROW) return v128.load(init);
  if (mode == MODE_ACC) return loadLanes(o, cols);
  return f32x4.splat(0);
}

// ---- the product kernel -----------------------------------------------------------------

/**
 * O[m][n] = start + Σ_{k<K} L(m,k)·R[k][n]  for m < M, n < N, where
 *   L(m,k) is the f32 at l + m·lsm + k·lsk (byte strides: any layout, it is splatted),
 *   R[k][n] is the f32 at r + k·rs + 4n, and each R row is readable up to roundUp4(N),
 *   O[m][n] is the f32 at o + m·os + 4n; only n < N is written (and read in MODE_ACC),
 *   start is 0 (MODE_ZERO), init[n] (MODE_ROW, init readable to roundUp4(N)) or the old O.
 */
function gemmBlock(o: usize, os: usize, N: i32, l: usize, lsm: usize, lsk: usize,
  r: usize, rs: usize, M: i32, K: i32, mode: i32, init: usize): void {
  const Np = roundUp4(N);
  for (let m = 0; m < M; m += 4) {
    const rows = imin(4, M - m);
    const lm = l + <usize>m * lsm;
    const om = o + <usize>m * os;
    let n = 0;
    for (; n + 8 <= Np; n += 8) {
      tile4x8(om + (<usize>n << 2), os, rows, N - n, lm, lsm, lsk, r + (<usize>n << 2), rs, K, mode, init + (<usize>n << 2));
    }
    if (n < Np) {
      tile4x4(om + (<usize>n << 2), os, rows, N - n, lm, lsm, lsk, r + (<usize>n << 2), rs, K, mode, init + (<usize>n << 2));
    }
  }
}

/** One 4-row × 8-column tile of gemmBlock: `rows` (1..4) and `cols` (≥ 1) are what is valid. */
function tile4x8(o: usize, os: usize, rows: i32, cols: i32, l: usize, lsm: usize, lsk: usize,
  r: usize, rs: usize, K: i32, mode: i32, init: usize): void {
  // Rows past the end repeat the last valid row (in bounds), and are not stored.
  const o1 = rows > 1 ? o + os : o;
  const o2 = rows > 2 ? o + 2 * os : o1;
  const o3 = rows > 3 ? o + 3 * os : o2;
  let l0 = l;
  let l1 = rows > 1 ? l + lsm : l0;
  let l2 = rows > 2 ? l + 2 * lsm : l1;
  let l3 = rows > 3 ? l + 3 * lsm : l2;
  const c1 = cols - 4;
  let a00 = initVec(mode, init, o, cols), a01 = initVec(mode, init + 16, o + 16, c1);
  let a10 = initVec(mode, init, o1, cols), a11 = initVec(mode, init + 16, o1 + 16, c1);
  let a20 = initVec(mode, init, o2, cols), a21 = initVec(mode, init + 16, o2 + 16, c1);
  let a30 = initVec(mode, init, o3, cols), a31 = initVec(mode, init + 16, o3 + 16, c1);
  let rp = r;
  for (let k = 0; k < K; k++) {
    const r0 = v128.load(rp);
    const r1 = v128.load(rp, 16);
    let s = v128.load32_splat(l0);
    a00 = f32x4.add(a00, f32x4.mul(s, r0));
    a01 = f32x4.add(a01, f32x4.mul(s, r1));
    s = v128.load32_splat(l1);
    a10 = f32x4.add(a10, f32x4.mul(s, r0));
    a11 = f32x4.add(a11, f32x4.mul(s, r1));
    s = v128.load32_splat(l2);
    a20 = f32x4.add(a20, f32x4.mul(s, r0));
    a21 = f32x4.add(a21, f32x4.mul(s, r1));
    s = v128.load32_splat(l3);
    a30 = f32x4.add(a30, f32x4.mul(s, r0));
    a31 = f32x4.add(a31, f32x4.mul(s, r1));
    rp += rs;
    l0 += lsk; l1 += lsk; l2 += lsk; l3 += lsk;
  }
  storeLanes(o, a00, cols); storeLanes(o + 16, a01, c1);
  if (rows > 1) { storeLanes(o1, a10, cols); storeLanes(o1 + 16, a11, c1); }
  if (rows > 2) { storeLanes(o2, a20, cols); storeLanes(o2 + 16, a21, c1); }
  if (rows > 3) { storeLanes(o3, a30, cols); storeLanes(o3 + 16, a31, c1); }
}

/** The 4-row × 4-column tile for a column tail of 1..4 (`cols`). */
function tile4x4(o: usize, os: usize, rows: i32, cols: i32, l: usize, lsm: usize, lsk: usize,
  r: usize, rs: usize, K: i32, mode: i32, init: usize): void {
  const o1 = rows > 1 ? o + os : o;
  const o2 = rows > 2 ? o + 2 * os : o1;
  const o3 = rows > 3 ? o + 3 * os : o2;
  let l0 = l;
  let l1 = rows > 1 ? l + lsm : l0;
  let l2 = rows > 2 ? l + 2 * lsm : l1;
  let l3 = rows > 3 ? l + 3 * lsm : l2;
  let a0 = initVec(mode, init, o, cols);
  let a1 = initVec(mode, init, o1, cols);
  let a2 = initVec(mode, init, o2, cols);
  let a3 = initVec(mode, init, o3, cols);
  let rp = r;
  for (let k = 0; k < K; k++) {
    const r0 = v128.load(rp);
    a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(l0), r0));
    a1 = f32x4.add(a1, f32x4.mul(v128.load32_splat(l1), r0));
    a2 = f32x4.add(a2, f32x4.mul(v128.load32_splat(l2), r0));
    a3 = f32x4.add(a3, f32x4.mul(v128.load32_splat(l3), r0));
    rp += rs;
    l0 += lsk; l1 += lsk; l2 += lsk; l3 += lsk;
  }
  storeLanes(o, a0, cols);
  if (rows > 1) storeLanes(o1, a1, cols);
  if (rows > 2) storeLanes(o2, a2, cols);
  if (rows > 3) storeLanes(o3, a3, cols);
}

// ---- im2col and col2im over one block of output pixels ----------------------------------

/**
 * Writes im2col rows for output pixels p0 .. p0+mb−1 (flattened b,oh,ow) into a (row stride
 * Kp floats). Within one kernel row kh the in-bounds taps kw ∈ [kwLo, kwHi) are contiguous in
 * x (NHWC), so each is one copy of (kwHi − kwLo)·C floats between two zero runs.
 */
function im2colBlock(a: usize, x: usize, g: usize, p0: i32, mb: i32, Kp: i32): void {
  const H = geom(g, GEOM_H), W = geom(g, GEOM_W), C = geom(g, GEOM_C);
  const OH = geom(g, GEOM_OH), OW = geom(g, GEOM_OW);
  const KH = geom(g, GEOM_KH), KW = geom(g, GEOM_KW), SH = geom(g, GEOM_SH), SW = geom(g, GEOM_SW);
  const PT = geom(g, GEOM_PT), PL = geom(g, GEOM_PL);
  const K = KH * KW * C, rowC = KW * C;
  let b = p0 / (OH * OW);
  let oh = (p0 - b * OH * OW) / OW;
  let ow = p0 - (b * OH + oh) * OW;
  for (let i = 0; i < mb; i++) {
    const row = f32At(a, i * Kp);
    const ih0 = oh * SH - PT, iw0 = ow * SW - PL;
    const kwLo = imax(0, -iw0), kwHi = imin(KW, W - iw0);
    for (let kh = 0; kh < KH; kh++) {
      const ih = ih0 + kh;
      const dst = f32At(row, kh * rowC);
      if (ih < 0 || ih >= H || kwHi <= kwLo) { zeroF32(dst, rowC); continue; }
      if (kwLo > 0) zeroF32(dst, kwLo * C);
      copyF32(f32At(dst, kwLo * C), f32At(x, ((b * H + ih) * W + iw0 + kwLo) * C), (kwHi - kwLo) * C);
      if (kwHi < KW) zeroF32(f32At(dst, kwHi * C), (KW - kwHi) * C);
    }
    if (++ow == OW) { ow = 0; if (++oh == OH) { oh = 0; b++; } }
  }
}

/** The adjoint of im2colBlock: dx[b,ih,iw,c] += d[i][k] for every in-bounds tap of the block. */
function col2imBlock(dx: usize, d: usize, g: usize, p0: i32, mb: i32, Kp: i32): void {
  const H = geom(g, GEOM_H), W = geom(g, GEOM_W), C = geom(g, GEOM_C);
  const OH = geom(g, GEOM_OH), OW = geom(g, GEOM_OW);
  const KH = geom(g, GEOM_KH), KW = geom(g, GEOM_KW), SH = geom(g, GEOM_SH), SW = geom(g, GEOM_SW);
  const PT = geom(g, GEOM_PT), PL = geom(g, GEOM_PL);
  const rowC = KW * C;
  let b = p0 / (OH * OW);
  let oh = (p0 - b * OH * OW) / OW;
  let ow = p0 - (b * OH + oh) * OW;
  for (let i = 0; i < mb; i++) {
    const row = f32At(d, i * Kp);
    const ih0 = oh * SH - PT, iw0 = ow * SW - PL;
    const kwLo = imax(0, -iw0), kwHi = imin(KW, W - iw0);
    if (kwHi > kwLo) {
      for (let kh = 0; kh < KH; kh++) {
        const ih = ih0 + kh;
        if (ih < 0 || ih >= H) continue;
        addF32(f32At(dx, ((b * H + ih) * W + iw0 + kwLo) * C), f32At(row, kh * rowC + kwLo * C), (kwHi - kwLo) * C);
      }
    }
    if (++ow == OW) { ow = 0; if (++oh == OH) { oh = 0; b++; } }
  }
}

// ---- the three kernels -------------------------------------------------------------------

export function conv2d_forward_simd(y: usize, x: usize, w: usize, bias: usize, g: usize, scratch: usize): void {
  const OC = geom(g, GEOM_OC);
  const K = geom(g, GEOM_KH) * geom(g, GEOM_KW) * geom(g, GEOM_C);
  const Kp = roundUp4(K), OCp = roundUp4(OC);
  const M = geom(g, GEOM_B) * geom(g, GEOM_OH) * geom(g, GEOM_OW);
  const MB = blockRows(g);
  const wp = scratch;
  const bp = f32At(wp, OCp * Kp);
  const a = f32At(bp, OCp);
  for (let k = 0; k < K; k++) {
    copyF32(f32At(wp, k * OCp), f32At(w, k * OC), OC);
    zeroF32(f32At(wp, k * OCp + OC), OCp - OC);
  }
  if (bias != 0) copyF32(bp, bias, OC); else zeroF32(bp, OC);
  zeroF32(f32At(bp, OC), OCp - OC);
  for (let p0 = 0; p0 < M; p0 += MB) {
    const mb = imin(MB, M - p0);
    im2colBlock(a, x, g, p0, mb, Kp);
    gemmBlock(f32At(y, p0 * OC), <usize>OC << 2, OC, a, <usize>Kp << 2, 4, wp, <usize>OCp << 2, mb, K, MODE_ROW, bp);
  }
}

export function conv2d_backward_input_simd(dx: usize, dy: usize, w: usize, g: usize, scratch: usize): void {
  const C = geom(g, GEOM_C), OC = geom(g, GEOM_OC);
  const K = geom(g, GEOM_KH) * geom(g, GEOM_KW) * C;
  const Kp = roundUp4(K), OCp = roundUp4(OC);
  const M = geom(g, GEOM_B) * geom(g, GEOM_OH) * geom(g, GEOM_OW);
  const MB = blockRows(g);
  const wt = scratch;
  const d = f32At(wt, OCp * Kp + OCp);
  // Wt[oc][k] = w[k][oc]. D's columns K..Kp are computed but col2im never reads them; Wt's are
  // zeroed anyway so that no garbage (NaN, subnormals, which are slow) enters the arithmetic.
  for (let oc = 0; oc < OC; oc++) {
    const row = f32At(wt, oc * Kp);
    for (let k = 0; k < K; k++) store<f32>(f32At(row, k), load<f32>(f32At(w, k * OC + oc)));
    zeroF32(f32At(row, K), Kp - K);
  }
  zeroF32(dx, geom(g, GEOM_B) * geom(g, GEOM_H) * geom(g, GEOM_W) * C);
  for (let p0 = 0; p0 < M; p0 += MB) {
    const mb = imin(MB, M - p0);
    gemmBlock(d, <usize>Kp << 2, Kp, f32At(dy, p0 * OC), <usize>OC << 2, 4, wt, <usize>Kp << 2, mb, OC, MODE_ZERO, 0);
    col2imBlock(dx, d, g, p0, mb, Kp);
  }
}

export function conv2d_backward_filter_simd(dw: usize, db: usize, dy: usize, x: usize, g: usize, scratch: usize): void {
  const OC = geom(g, GEOM_OC);
  const K = geom(g, GEOM_KH) * geom(g, GEOM_KW) * geom(g, GEOM_C);
  const Kp = roundUp4(K), OCp = roundUp4(OC);
  const M = geom(g, GEOM_B) * geom(g, GEOM_OH) * geom(g, GEOM_OW);
  const MB = blockRows(g);
  const dwp = scratch;
  const a = f32At(dwp, OCp * Kp + OCp);
  const dyp = f32At(a, MB * Kp);
  zeroF32(dwp, K * OCp);
  for (let p0 = 0; p0 < M; p0 += MB) {
    const mb = imin(MB, M - p0);
    im2colBlock(a, x, g, p0, mb, Kp);
    // The right operand is the block of dy, rows of OC; padded to OCp in scratch when OC is
    // not a multiple of 4 so that its f32x4 loads stay inside dy.
    let r = f32At(dy, p0 * OC);
    let rs = <usize>OC << 2;
    if (OC != OCp) {
      for (let i = 0; i < mb; i++) {
        copyF32(f32At(dyp, i * OCp), f32At(r, i * OC), OC);
        zeroF32(f32At(dyp, i * OCp + OC), OCp - OC);
      }
      r = dyp;
      rs = <usize>OCp << 2;
    }
    // dWp[k][oc] += Σ_{i<mb} A[i][k] · dy[p0+i][oc]: rows are k (stride 4 bytes in A), the
    // reduction runs down the block's pixels (stride Kp floats in A, one row of r).
    gemmBlock(dwp, <usize>OCp << 2, OCp, a, 4, <usize>Kp << 2, r, rs, K, mb, MODE_ACC, 0);
  }
  for (let k = 0; k < K; k++) addF32(f32At(dw, k * OC), f32At(dwp, k * OCp), OC);
  if (db == 0) return;
  // db: four output channels per f32x4 down all M pixels, then the scalar tail channels.
  let oc = 0;
  for (; oc + 4 <= OC; oc += 4) {
    let s = f32x4.splat(0);
    for (let i = 0; i < M; i++) s = f32x4.add(s, v128.load(f32At(dy, i * OC + oc)));
    const p = f32At(db, oc);
    v128.store(p, f32x4.add(v128.load(p), s));
  }
  for (; oc < OC; oc++) {
    let s: f32 = 0;
    for (let i = 0; i < M; i++) s += load<f32>(f32At(dy, i * OC + oc));
    const p = f32At(db, oc);
    store<f32>(p, load<f32>(p) + s);
  }
}
