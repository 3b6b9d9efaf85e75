// conv2d backward_filter, direct kernel for C = 1 and SW = 1: see the header of direct.ts.

import { geom, GEOM_B, GEOM_OH, GEOM_OW, GEOM_OC, GEOM_KH, GEOM_KW, GEOM_SH } from "../abi";
import { f32At } from "../util/ptr";
import { madd, hsum } from "../util/simd";
import { imin, zeroF32 } from "./vec";
import { vecsPerRow, padW, padFloats, padImage } from "./direct";
import { cvApplies, conv2d_backward_filter_cv } from "./direct-cv";

/**
 * Channels per backward_filter tile: 4 (the last group takes the rest), 3 at OC = 6; taps per
 * tile: 2 with 4 channels, 3 with fewer. At most 9 partial-sum vectors, so with the tap vectors
 * and dy's vector ≤ 13 are live, inside the 15 xmm registers V8 allocates. Measured side by
 * side (B = 32): 4 × 2 ran 1.4x as fast as 3 channels × 3 taps at 28x28x1→24@5x5 (before
 * direct-cv.ts took OC = 24); at →6@5x5, 3 × 3 (groups 3 + 3, no 2-channel tile) ran 1.06x
 * 4 × 2 (4 + 2), as did 2 channels × 5 taps.
 */
@inline function tileQ(OC: i32): i32 { return OC < 4 ? OC : OC == 6 ? 3 : 4; }
@inline function tileR(Q: i32): i32 { return Q == 4 ? 2 : 3; }

/**
 * T[((oh·OV + v)·OC + oc)·4 + i] = dy[b, oh, 4v + i, oc], 0 for 4v + i ≥ OW: full blocks of
 * 4 pixels × 4 channels by a register transpose, then 4 pixels × 2 channels, the rest element
 * by element.
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
      if (n == 4 && OC - oc >= 2) {
        // Two channels of 4 pixels: 64-bit loads and a 2 × 4 shuffle instead of 8 scalar copies.
        const p = f32At(s, oc);
        const q0 = v128.load64_zero(p), q1 = v128.load64_zero(p + ps);
        const q2 = v128.load64_zero(p + 2 * ps), q3 = v128.load64_zero(p + 3 * ps);
        const t0 = i32x4.shuffle(q0, q1, 0, 4, 1, 5), t1 = i32x4.shuffle(q2, q3, 0, 4, 1, 5);
        const q = f32At(d, oc * 4);
        v128.store(q, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
        v128.store(q, i32x4.shuffle(t0, t1, 2, 3, 6, 7), 16);
        oc += 2;
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
  if (cvApplies(g)) { conv2d_backward_filter_cv(dw, db, dy, x, g, scratch); return; }
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
