// conv2d backward_input, one sample at a time with the f32x4 lanes over CHANNELS: the samples
// of a batch that do not fill a vector of four in input-lanes.ts (B mod 4; all of them when
// B < 4), which there would leave lanes idle. Same element order as input-lanes.ts and the
// naive kernel (kh, kw, oc ascending, each term rounded then added), so a sample gets the
// same bits whichever of the two kernels computes it (see below for the zero terms).
//
// The sample's dy is copied zero-padded into scratch, columns reversed like input-lanes.ts's D:
//   E[OH−1−oh][U−1−(ow + KW − 1)][oc] = dy[b, oh, ow, oc],   U = OW + 2(KW − 1) + 3 columns,
// 0 in the padding columns; so for one kh the kw of a tile in ascending order and all oc are one
// contiguous run of E, matching one run of Wt (input-lanes.ts, rows of Cp = C rounded up to 4).
// A tile is Q (1..4) adjacent pixels of one dx row × V (1..3) vectors of four channels: per
// (tap, oc) V loads of Wt, Q splats of E, Q·V madds. Its kh are exactly the row's valid ones;
// its kw are the union of its pixels' valid ranges, so a pixel may meet taps outside its own
// range, which read E's zero padding (the 3 extra columns cover Q − 1 ≤ 3 pixels past any
// range). Such a term is ±0 and adds nothing: the running sum starts at +0, and x + ±0 = x for
// every x but −0, which a sum started at +0 never reaches (in round-to-nearest, x + y = −0 only
// when x = y = −0). Only a non-finite w (0·inf = NaN) would tell the difference.

import { geom, GEOM_H, GEOM_W, GEOM_C, GEOM_OH, GEOM_OW, GEOM_OC, GEOM_KH, GEOM_KW, GEOM_PT, GEOM_PL } from "../abi";
import { f32At } from "../util/ptr";
import { madd } from "../util/simd";
import { imin, imax, zeroF32, copyF32 } from "./vec";

/** Columns of E. */
@inline function ecols(g: usize): i32 { return geom(g, GEOM_OW) + 2 * (geom(g, GEOM_KW) - 1) + 3; }

/** Floats of E (i64, for the cap test). */
export function pixelsScratchFloats(g: usize): i64 {
  return <i64>geom(g, GEOM_OH) * <i64>ecols(g) * <i64>geom(g, GEOM_OC);
}

/** The first W (1..4) lanes of v at p. */
@inline function storeLanes(p: usize, v: v128, W: i32): void {
  if (W >= 4) v128.store(p, v);
  else if (W == 3) { v128.store64_lane(p, v, 0); v128.store32_lane(p, v, 2, 8); }
  else if (W == 2) v128.store64_lane(p, v, 0);
  else v128.store32_lane(p, v, 0);
}

/**
 * One tile, Q pixels × V channel vectors (compile-time). dx: pixel 0, channel c0; ps: bytes per
 * dx pixel (4C); last: valid channels of the last vector (1..4); e: E at pixel 0's first tap;
 * es: bytes from one pixel's E column to the next pixel's (−4·OC: columns are reversed);
 * ers: bytes per E row; w: Wt at the first tap, oc 0, channel c0; wrs: bytes per Wt kh row;
 * cs: bytes per Wt (tap, oc) row; nkh rows of `run` (kw, oc) steps each.
 */
@inline function pixTile(Q: i32, V: i32, dx: usize, ps: usize, last: i32, e: usize, es: isize,
  ers: usize, w: usize, wrs: usize, cs: usize, nkh: i32, run: i32): void {
  const z = f32x4.splat(0);
  let a0 = z, a1 = z, a2 = z, b0 = z, b1 = z, b2 = z;
  let c0 = z, c1 = z, c2 = z, d0 = z, d1 = z, d2 = z;
  const e1 = <usize>es, e2 = e1 + e1, e3 = e2 + e1;
  for (let i = 0; i < nkh; i++) {
    let pe = e + <usize>i * ers;
    let pw = w + <usize>i * wrs;
    const end = pe + (<usize>run << 2);
    while (pe < end) {
      const w0 = v128.load(pw);
      const w1 = V > 1 ? v128.load(pw, 16) : z;
      const w2 = V > 2 ? v128.load(pw, 32) : z;
      let s = v128.load32_splat(pe);
      a0 = madd(s, w0, a0); if (V > 1) a1 = madd(s, w1, a1); if (V > 2) a2 = madd(s, w2, a2);
      if (Q > 1) {
        s = v128.load32_splat(pe + e1);
        b0 = madd(s, w0, b0); if (V > 1) b1 = madd(s, w1, b1); if (V > 2) b2 = madd(s, w2, b2);
      }
      if (Q > 2) {
        s = v128.load32_splat(pe + e2);
        c0 = madd(s, w0, c0); if (V > 1) c1 = madd(s, w1, c1); if (V > 2) c2 = madd(s, w2, c2);
      }
      if (Q > 3) {
        s = v128.load32_splat(pe + e3);
        d0 = madd(s, w0, d0); if (V > 1) d1 = madd(s, w1, d1); if (V > 2) d2 = madd(s, w2, d2);
      }
      pe += 4;
      pw += cs;
    }
  }
  storePixel(V, dx, last, a0, a1, a2);
  if (Q > 1) storePixel(V, dx + ps, last, b0, b1, b2);
  if (Q > 2) storePixel(V, dx + 2 * ps, last, c0, c1, c2);
  if (Q > 3) storePixel(V, dx + 3 * ps, last, d0, d1, d2);
}

/** V channel vectors of one pixel at p, the last one `last` lanes wide. */
@inline function storePixel(V: i32, p: usize, last: i32, v0: v128, v1: v128, v2: v128): void {
  if (V == 1) { storeLanes(p, v0, last); return; }
  v128.store(p, v0);
  if (V == 2) { storeLanes(p + 16, v1, last); return; }
  v128.store(p, v1, 16);
  storeLanes(p + 32, v2, last);
}

// One function per (Q, V), each its own small function for V8's register allocator.
function p1v1(dx: usize, ps: usize, last: i32, e: usize, es: isize, ers: usize, w: usize, wrs: usize, cs: usize, nkh: i32, run: i32): void { pixTile(1, 1, dx, ps, last, e, es, ers, w, wrs, cs, nkh, run); }
function p1v2(dx: usize, ps: usize, last: i32, e: usize, es: isize, ers: usize, w: usize, wrs: usize, cs: usize, nkh: i32, run: i32): void { pixTile(1, 2, dx, ps, last, e, es, ers, w, wrs, cs, nkh, run); }
function p1v3(dx: usize, ps: usize, last: i32, e: usize, es: isize, ers: usize, w: usize, wrs: usize, cs: usize, nkh: i32, run: i32): void { pixTile(1, 3, dx, ps, last, e, es, ers, w, wrs, cs, nkh, run); }
function p2v1(dx: usize, ps: usize, last: i32, e: usize, es: isize, ers: usize, w: usize, wrs: usize, cs: usize, nkh: i32, run: i32): void { pixTile(2, 1, dx, ps, last, e, es, ers, w, wrs, cs, nkh, run); }
function p2v2(dx: usize, ps: usize, last: i32, e: usize, es: isize, ers: usize, w: usize, wrs: usize, cs: usize, nkh: i32, run: i32): void { pixTile(2, 2, dx, ps, last, e, es, ers, w, wrs, cs, nkh, run); }
function p2v3(dx: usize, ps: usize, last: i32, e: usize, es: isize, ers: usize, w: usize, wrs: usize, cs: usize, nkh: i32, run: i32): void { pixTile(2, 3, dx, ps, last, e, es, ers, w, wrs, cs, nkh, run); }
function p3v1(dx: usize, ps: usize, last: i32, e: usize, es: isize, ers: usize, w: usize, wrs: usize, cs: usize, nkh: i32, run: i32): void { pixTile(3, 1, dx, ps, last, e, es, ers, w, wrs, cs, nkh, run); }
function p3v2(dx: usize, ps: usize, last: i32, e: usize, es: isize, ers: usize, w: usize, wrs: usize, cs: usize, nkh: i32, run: i32): void { pixTile(3, 2, dx, ps, last, e, es, ers, w, wrs, cs, nkh, run); }
function p3v3(dx: usize, ps: usize, last: i32, e: usize, es: isize, ers: usize, w: usize, wrs: usize, cs: usize, nkh: i32, run: i32): void { pixTile(3, 3, dx, ps, last, e, es, ers, w, wrs, cs, nkh, run); }
function p4v1(dx: usize, ps: usize, last: i32, e: usize, es: isize, ers: usize, w: usize, wrs: usize, cs: usize, nkh: i32, run: i32): void { pixTile(4, 1, dx, ps, last, e, es, ers, w, wrs, cs, nkh, run); }
function p4v2(dx: usize, ps: usize, last: i32, e: usize, es: isize, ers: usize, w: usize, wrs: usize, cs: usize, nkh: i32, run: i32): void { pixTile(4, 2, dx, ps, last, e, es, ers, w, wrs, cs, nkh, run); }
function p4v3(dx: usize, ps: usize, last: i32, e: usize, es: isize, ers: usize, w: usize, wrs: usize, cs: usize, nkh: i32, run: i32): void { pixTile(4, 3, dx, ps, last, e, es, ers, w, wrs, cs, nkh, run); }

function pixDispatch(Q: i32, V: i32, dx: usize, ps: usize, last: i32, e: usize, es: isize, ers: usize, w: usize, wrs: usize, cs: usize, nkh: i32, run: i32): void {
  switch (Q * 4 + V) {
    case 5: p1v1(dx, ps, last, e, es, ers, w, wrs, cs, nkh, run); break;
    case 6: p1v2(dx, ps, last, e, es, ers, w, wrs, cs, nkh, run); break;
    case 7: p1v3(dx, ps, last, e, es, ers, w, wrs, cs, nkh, run); break;
    case 9: p2v1(dx, ps, last, e, es, ers, w, wrs, cs, nkh, run); break;
    case 10: p2v2(dx, ps, last, e, es, ers, w, wrs, cs, nkh, run); break;
    case 11: p2v3(dx, ps, last, e, es, ers, w, wrs, cs, nkh, run); break;
    case 13: p3v1(dx, ps, last, e, es, ers, w, wrs, cs, nkh, run); break;
    case 14: p3v2(dx, ps, last, e, es, ers, w, wrs, cs, nkh, run); break;
    case 15: p3v3(dx, ps, last, e, es, ers, w, wrs, cs, nkh, run); break;
    case 17: p4v1(dx, ps, last, e, es, ers, w, wrs, cs, nkh, run); break;
    case 18: p4v2(dx, ps, last, e, es, ers, w, wrs, cs, nkh, run); break;
    default: p4v3(dx, ps, last, e, es, ers, w, wrs, cs, nkh, run); break;
  }
}

/**
 * dx of one sample (dxb: its [H][W][C]) from its dy (dyb: [OH][OW][OC]); wt: Wt with rows of
 * Cp floats (input-lanes.ts); e: scratch for E (pixelsScratchFloats). OVERWRITES dxb.
 */
export function backwardInputPixels(dxb: usize, dyb: usize, wt: usize, Cp: i32, g: usize, e: usize): void {
  const H = geom(g, GEOM_H), W = geom(g, GEOM_W), C = geom(g, GEOM_C);
  const OH = geom(g, GEOM_OH), OW = geom(g, GEOM_OW), OC = geom(g, GEOM_OC);
  const KH = geom(g, GEOM_KH), KW = geom(g, GEOM_KW), PT = geom(g, GEOM_PT), PL = geom(g, GEOM_PL);
  const U = ecols(g);
  // E: row OH−1−oh, column U−1−(ow + KW − 1) = U − KW − ow holds dy[oh][ow][·]; zeros elsewhere.
  zeroF32(e, OH * U * OC);
  for (let oh = 0; oh < OH; oh++) {
    for (let ow = 0; ow < OW; ow++) {
      copyF32(f32At(e, ((OH - 1 - oh) * U + U - KW - ow) * OC), f32At(dyb, (oh * OW + ow) * OC), OC);
    }
  }
  const ers = <usize>(U * OC) << 2, es = -(<isize>OC << 2);
  const cs = <usize>Cp << 2, wrs = <usize>(KW * OC * Cp) << 2, ps = <usize>C << 2;
  // Channel vectors in groups of at most 3, as even as they come.
  const NV = Cp >> 2;
  const groups = (NV + 2) / 3;
  for (let ih = 0; ih < H; ih++) {
    const khLo = imax(0, ih + PT - OH + 1), khHi = imin(KH - 1, ih + PT);
    const nkh = khHi - khLo + 1; // ≤ 0: the row gets zeros (tiles with no rows)
    const row = f32At(dxb, ih * W * C);
    for (let iw = 0; iw < W; iw += 4) {
      const Q = imin(4, W - iw);
      // The union of the tile's valid kw: from its first pixel's lowest to its last's highest.
      const kwLo = imax(0, iw + PL - OW + 1), kwHi = imin(KW - 1, iw + Q - 1 + PL);
      const nkw = kwHi - kwLo + 1;
      const run = nkh > 0 && nkw > 0 ? nkw * OC : 0;
      // E at (oh, ow) = (ih + PT − khLo, iw + PL − kwLo); kwLo ≤ iw + PL keeps ow ≥ −(KW − 1).
      const pe = f32At(e, ((OH - 1 - (ih + PT - khLo)) * U + U - KW - (iw + PL - kwLo)) * OC);
      const pw = f32At(wt, (khLo * KW + kwLo) * OC * Cp);
      for (let q = 0; q < groups; q++) {
        const v0 = q * NV / groups, v1 = (q + 1) * NV / groups;
        const last = imin(4, C - 4 * (v1 - 1));
        pixDispatch(Q, v1 - v0, f32At(row, iw * C + 4 * v0), ps, last, f32At(pe, 0), es, ers,
          f32At(pw, 4 * v0), wrs, cs, run > 0 ? nkh : 0, run);
      }
    }
  }
}
