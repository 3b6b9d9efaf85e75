// conv2d backward_input with the f32x4 lanes over four SAMPLES of the batch: see simd.ts
// (lanesInputApplies) for which geometries take it and why.
//
// dx[b,ih,iw,c] = Σ_{kh,kw valid} Σ_oc dy[b, ih+PT−kh, iw+PL−kw, oc]·w[kh,kw,c,oc]  (SH = SW = 1)
//
// Small layers (lenet.conv2: dy 10x10x16, x 14x14x6, 5x5 taps) waste most of any spatial
// vectorisation at the edges: a "full" correlation over a zero-padded dy multiplies 1.96x as
// many terms as there are, and im2col + col2im spends as long scattering D as forming it. Along
// the batch nothing is wasted: four samples at the same pixel, channel and tap are one vector,
// every dx pixel loops over exactly its valid taps, and nothing pads but a short last group.
// A pass takes PM vectors of four samples (PM = 4 for C ≤ 3, else 2: 16 or 8 samples, so a
// tile has enough independent accumulators) and transposes their dy into scratch,
//   D[OH−1−oh][OW−1−ow][oc][q][lane] = dy[b0 + 4q + lane, oh, ow, oc]   (0 for lanes past B),
// reversed in oh and ow so that, for one kh, the valid kw in ascending order (ow descending)
// and all oc are ONE contiguous run of D, matched by one contiguous run of the filter copy
//   Wt[kh][kw][oc][c] = w[kh][kw][c][oc]   (rows of Cp = C rounded up to 4, zeros past C).
// A register tile is one dx pixel × P (≤ PM) sample vectors × CT channels, P·CT ≤ 12
// accumulators (CT ≤ 8 at P = 1, 6 at P = 2, 3 at P = 3, 4; C split into even groups): per
// (tap, oc) P loads of D (immediate offsets), CT splats of Wt, P·CT madds. The tile is
// transposed 4 × 4 in registers so each sample's channels are stored as whole runs of dx.
// Tried and dropped (lenet.conv2, B = 32, same run): pairs of neighbouring pixels instead of
// pairs of sample vectors, 1.36x of im2col against 1.40x (only interior pixels share a kw
// range); 4 sample vectors × 2 groups of 3 channels, 1.39x against 1.42x; the PM vectors in
// separate planes instead of interleaved, the same within noise.
// Samples that fill no vector: B mod 4 (or B mod 16 when C = 1) go one at a time through
// input-pixels.ts (lanes over channels) or, for C = 1, direct-input.ts; both add the same
// terms in the same order, so a sample gets the same bits on either path (and B = 3 with
// C mod 4 ≠ 0 takes one vector with a zero lane, the cheaper there). OVERWRITES dx.
//
// Summation order per element: kh ascending, kw ascending, oc ascending from 0, each term
// rounded then added: the naive kernel's order, so the simd build's dx equals the naive one
// bit for bit (tests check this; the relaxed build fuses and only meets the tolerance). A
// sample's dx depends on that sample only (its own lane), whatever the batch split.
//
// Scratch (f32, lanesScratchFloats): Wt [KH·KW·OC·Cp], then D [OH·OW·OC·4·PM] or, in the same
// place, the remainder's padded dy (input-pixels.ts's E, or direct-input.ts's D when C = 1).
// Measured (B = 32, one thread, side by side with the old kernels; GF/s counts only the valid
// terms): 14x14x6→16@5x5 31-32 GF/s, 1.37-1.5x; see simd.ts (lanesInputApplies) for the rest.

import { geom, GEOM_B, GEOM_H, GEOM_W, GEOM_C, GEOM_OH, GEOM_OW, GEOM_OC, GEOM_KH, GEOM_KW, GEOM_PT, GEOM_PL } from "../abi";
import { f32At } from "../util/ptr";
import { madd } from "../util/simd";
import { imin, imax, roundUp4 } from "./vec";
import { backwardInputPixels, pixelsScratchFloats } from "./input-pixels";
import { backwardInputDirectSample } from "./direct-input";
import { dRows, dCols } from "./direct";

/** Scratch floats of this kernel (i64: huge shapes must not wrap before the cap test). */
export function lanesScratchFloats(g: usize): i64 {
  const PM = <i64>sampleVectors(geom(g, GEOM_C));
  const OC = <i64>geom(g, GEOM_OC);
  const wt = <i64>geom(g, GEOM_KH) * <i64>geom(g, GEOM_KW) * <i64>roundUp4(geom(g, GEOM_C)) * OC;
  const d = <i64>geom(g, GEOM_OH) * <i64>geom(g, GEOM_OW) * OC * 4 * PM;
  // The remainder's scratch in D's place: input-pixels.ts's E, or direct-input.ts's D (C = 1).
  const e = geom(g, GEOM_C) == 1 ? OC * <i64>dRows(g) * <i64>dCols(g) : pixelsScratchFloats(g);
  return wt + (d > e ? d : e);
}

/** D for samples b0 .. b0+ns−1 (ns ≤ 4), lanes past ns zero; 4 × 4 transposes of dy. */
function transposeDy(d: usize, dy: usize, g: usize, b0: i32, ns: i32, PM: i32): void {
  const OH = geom(g, GEOM_OH), OW = geom(g, GEOM_OW), OC = geom(g, GEOM_OC);
  const pix = OH * OW;
  const ss = <usize>(pix * OC) << 2; // bytes per dy sample
  const z = f32x4.splat(0);
  const vs = <usize>PM << 4;
  for (let p = 0; p < pix; p++) {
    const s0 = f32At(dy, (b0 * pix + p) * OC);
    const s1 = s0 + ss, s2 = s1 + ss, s3 = s2 + ss;
    const dst = f32At(d, (pix - 1 - p) * OC * 4 * PM);
    let oc = 0;
    for (; oc + 4 <= OC; oc += 4) {
      const o = <usize>oc << 2;
      const v0 = v128.load(s0 + o);
      const v1 = ns > 1 ? v128.load(s1 + o) : z;
      const v2 = ns > 2 ? v128.load(s2 + o) : z;
      const v3 = ns > 3 ? v128.load(s3 + o) : z;
      const t0 = i32x4.shuffle(v0, v1, 0, 4, 1, 5), t1 = i32x4.shuffle(v0, v1, 2, 6, 3, 7);
      const t2 = i32x4.shuffle(v2, v3, 0, 4, 1, 5), t3 = i32x4.shuffle(v2, v3, 2, 6, 3, 7);
      const q = dst + <usize>oc * vs;
      v128.store(q, i32x4.shuffle(t0, t2, 0, 1, 4, 5));
      v128.store(q + vs, i32x4.shuffle(t0, t2, 2, 3, 6, 7));
      v128.store(q + 2 * vs, i32x4.shuffle(t1, t3, 0, 1, 4, 5));
      v128.store(q + 3 * vs, i32x4.shuffle(t1, t3, 2, 3, 6, 7));
    }
    for (; oc < OC; oc++) {
      const o = <usize>oc << 2;
      let v = f32x4.splat(0);
      v = f32x4.replace_lane(v, 0, load<f32>(s0 + o));
      if (ns > 1) v = f32x4.replace_lane(v, 1, load<f32>(s1 + o));
      if (ns > 2) v = f32x4.replace_lane(v, 2, load<f32>(s2 + o));
      if (ns > 3) v = f32x4.replace_lane(v, 3, load<f32>(s3 + o));
      v128.store(dst + <usize>oc * vs, v);
    }
  }
}

/** The first W (1..4) lanes of v at p. */
@inline function storeLanes(p: usize, v: v128, W: i32): void {
  if (W >= 4) v128.store(p, v);
  else if (W == 3) { v128.store64_lane(p, v, 0); v128.store32_lane(p, v, 2, 8); }
  else if (W == 2) v128.store64_lane(p, v, 0);
  else v128.store32_lane(p, v, 0);
}

/**
 * Channels c0 .. c0+W−1 (W ≤ 4; a_j: channel j, lane s = sample s) of one pixel: sample s's
 * W floats at p + s·ss, for the ns valid samples.
 */
@inline function storeSamples(p: usize, ss: usize, ns: i32, W: i32, a0: v128, a1: v128, a2: v128, a3: v128): void {
  const t0 = i32x4.shuffle(a0, a1, 0, 4, 1, 5), t1 = i32x4.shuffle(a0, a1, 2, 6, 3, 7);
  const t2 = i32x4.shuffle(a2, a3, 0, 4, 1, 5), t3 = i32x4.shuffle(a2, a3, 2, 6, 3, 7);
  storeLanes(p, i32x4.shuffle(t0, t2, 0, 1, 4, 5), W);
  if (ns > 1) storeLanes(p + ss, i32x4.shuffle(t0, t2, 2, 3, 6, 7), W);
  if (ns > 2) storeLanes(p + 2 * ss, i32x4.shuffle(t1, t3, 0, 1, 4, 5), W);
  if (ns > 3) storeLanes(p + 3 * ss, i32x4.shuffle(t1, t3, 2, 3, 6, 7), W);
}

/** Stores CT (1..8) channel vectors of one pixel, a0.. first. */
@inline function storeTile(CT: i32, p: usize, ss: usize, ns: i32,
  a0: v128, a1: v128, a2: v128, a3: v128, a4: v128, a5: v128, a6: v128, a7: v128): void {
  storeSamples(p, ss, ns, imin(CT, 4), a0, a1, a2, a3);
  if (CT > 4) storeSamples(p + 16, ss, ns, CT - 4, a4, a5, a6, a7);
}

/**
 * One tile: one pixel × P (1..4) sample vectors × CT channels (CT ≤ 8, 6, 3, 3 for P = 1, 2,
 * 3, 4), compile-time. dx: the pixel's channel c0 in sample b0; ss: bytes per dx sample; ns:
 * valid samples (lanes past it are not stored). d: D at the pixel's first tap (kh = khLo,
 * kw = kwLo), vector q at +16q; vs: bytes per (pixel, oc) of D; drs: bytes per D row; w: Wt
 * at that tap, oc 0, channel c0; wrs: bytes per Wt kh row; cs = 4·Cp bytes per (tap, oc);
 * nkh rows of `run` = nkw·OC (kw, oc) steps each.
 */
@inline function lanesTile(P: i32, CT: i32, dx: usize, ss: usize, ns: i32,
  d: usize, vs: usize, drs: usize, w: usize, wrs: usize, cs: usize, nkh: i32, run: i32): void {
  const z = f32x4.splat(0);
  let a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z, a7 = z;
  let b0 = z, b1 = z, b2 = z, b3 = z, b4 = z, b5 = z;
  let c0 = z, c1 = z, c2 = z, e0 = z, e1 = z, e2 = z;
  for (let i = 0; i < nkh; i++) {
    let pd = d + <usize>i * drs;
    let pw = w + <usize>i * wrs;
    const end = pd + <usize>run * vs;
    while (pd < end) {
      const x0 = v128.load(pd);
      const x1 = P > 1 ? v128.load(pd, 16) : z;
      const x2 = P > 2 ? v128.load(pd, 32) : z;
      const x3 = P > 3 ? v128.load(pd, 48) : z;
      let s = v128.load32_splat(pw);
      a0 = madd(x0, s, a0); if (P > 1) b0 = madd(x1, s, b0);
      if (P > 2) c0 = madd(x2, s, c0); if (P > 3) e0 = madd(x3, s, e0);
      if (CT > 1) {
        s = v128.load32_splat(pw, 4); a1 = madd(x0, s, a1); if (P > 1) b1 = madd(x1, s, b1);
        if (P > 2) c1 = madd(x2, s, c1); if (P > 3) e1 = madd(x3, s, e1);
      }
      if (CT > 2) {
        s = v128.load32_splat(pw, 8); a2 = madd(x0, s, a2); if (P > 1) b2 = madd(x1, s, b2);
        if (P > 2) c2 = madd(x2, s, c2); if (P > 3) e2 = madd(x3, s, e2);
      }
      if (CT > 3) { s = v128.load32_splat(pw, 12); a3 = madd(x0, s, a3); if (P > 1) b3 = madd(x1, s, b3); }
      if (CT > 4) { s = v128.load32_splat(pw, 16); a4 = madd(x0, s, a4); if (P > 1) b4 = madd(x1, s, b4); }
      if (CT > 5) { s = v128.load32_splat(pw, 20); a5 = madd(x0, s, a5); if (P > 1) b5 = madd(x1, s, b5); }
      if (CT > 6) { s = v128.load32_splat(pw, 24); a6 = madd(x0, s, a6); }
      if (CT > 7) { s = v128.load32_splat(pw, 28); a7 = madd(x0, s, a7); }
      pd += vs;
      pw += cs;
    }
  }
  storeTile(CT, dx, ss, ns, a0, a1, a2, a3, a4, a5, a6, a7);
  if (P > 1) storeTile(CT, dx + 4 * ss, ss, ns - 4, b0, b1, b2, b3, b4, b5, z, z);
  if (P > 2) storeTile(CT, dx + 8 * ss, ss, ns - 8, c0, c1, c2, z, z, z, z, z);
  if (P > 3) storeTile(CT, dx + 12 * ss, ss, ns - 12, e0, e1, e2, z, z, z, z, z);
}

// One function per (P, CT), so each is its own small function for V8's register allocator.
function t1c1(dx: usize, ss: usize, ns: i32, d: usize, vs: usize, drs: usize, w: usize, wrs: usize, cs: usize, nkh: i32, run: i32): void { lanesTile(1, 1, dx, ss, ns, d, vs, drs, w, wrs, cs, nkh, run); }
function t1c2(dx: usize, ss: usize, ns: i32, d: usize, vs: usize, drs: usize, w: usize, wrs: usize, cs: usize, nkh: i32, run: i32): void { lanesTile(1, 2, dx, ss, ns, d, vs, drs, w, wrs, cs, nkh, run); }
function t1c3(dx: usize, ss: usize, ns: i32, d: usize, vs: usize, drs: usize, w: usize, wrs: usize, cs: usize, nkh: i32, run: i32): void { lanesTile(1, 3, dx, ss, ns, d, vs, drs, w, wrs, cs, nkh, run); }
function t1c4(dx: usize, ss: usize, ns: i32, d: usize, vs: usize, drs: usize, w: usize, wrs: usize, cs: usize, nkh: i32, run: i32): void { lanesTile(1, 4, dx, ss, ns, d, vs, drs, w, wrs, cs, nkh, run); }
function t1c5(dx: usize, ss: usize, ns: i32, d: usize, vs: usize, drs: usize, w: usize, wrs: usize, cs: usize, nkh: i32, run: i32): void { lanesTile(1, 5, dx, ss, ns, d, vs, drs, w, wrs, cs, nkh, run); }
function t1c6(dx: usize, ss: usize, ns: i32, d: usize, vs: usize, drs: usize, w: usize, wrs: usize, cs: usize, nkh: i32, run: i32): void { lanesTile(1, 6, dx, ss, ns, d, vs, drs, w, wrs, cs, nkh, run); }
function t1c7(dx: usize, ss: usize, ns: i32, d: usize, vs: usize, drs: usize, w: usize, wrs: usize, cs: usize, nkh: i32, run: i32): void { lanesTile(1, 7, dx, ss, ns, d, vs, drs, w, wrs, cs, nkh, run); }
function t1c8(dx: usize, ss: usize, ns: i32, d: usize, vs: usize, drs: usize, w: usize, wrs: usize, cs: usize, nkh: i32, run: i32): void { lanesTile(1, 8, dx, ss, ns, d, vs, drs, w, wrs, cs, nkh, run); }
function t2c1(dx: usize, ss: usize, ns: i32, d: usize, vs: usize, drs: usize, w: usize, wrs: usize, cs: usize, nkh: i32, run: i32): void { lanesTile(2, 1, dx, ss, ns, d, vs, drs, w, wrs, cs, nkh, run); }
function t2c2(dx: usize, ss: usize, ns: i32, d: usize, vs: usize, drs: usize, w: usize, wrs: usize, cs: usize, nkh: i32, run: i32): void { lanesTile(2, 2, dx, ss, ns, d, vs, drs, w, wrs, cs, nkh, run); }
function t2c3(dx: usize, ss: usize, ns: i32, d: usize, vs: usize, drs: usize, w: usize, wrs: usize, cs: usize, nkh: i32, run: i32): void { lanesTile(2, 3, dx, ss, ns, d, vs, drs, w, wrs, cs, nkh, run); }
function t2c4(dx: usize, ss: usize, ns: i32, d: usize, vs: usize, drs: usize, w: usize, wrs: usize, cs: usize, nkh: i32, run: i32): void { lanesTile(2, 4, dx, ss, ns, d, vs, drs, w, wrs, cs, nkh, run); }
function t2c5(dx: usize, ss: usize, ns: i32, d: usize, vs: usize, drs: usize, w: usize, wrs: usize, cs: usize, nkh: i32, run: i32): void { lanesTile(2, 5, dx, ss, ns, d, vs, drs, w, wrs, cs, nkh, run); }
function t2c6(dx: usize, ss: usize, ns: i32, d: usize, vs: usize, drs: usize, w: usize, wrs: usize, cs: usize, nkh: i32, run: i32): void { lanesTile(2, 6, dx, ss, ns, d, vs, drs, w, wrs, cs, nkh, run); }
function t3c1(dx: usize, ss: usize, ns: i32, d: usize, vs: usize, drs: usize, w: usize, wrs: usize, cs: usize, nkh: i32, run: i32): void { lanesTile(3, 1, dx, ss, ns, d, vs, drs, w, wrs, cs, nkh, run); }
function t3c2(dx: usize, ss: usize, ns: i32, d: usize, vs: usize, drs: usize, w: usize, wrs: usize, cs: usize, nkh: i32, run: i32): void { lanesTile(3, 2, dx, ss, ns, d, vs, drs, w, wrs, cs, nkh, run); }
function t3c3(dx: usize, ss: usize, ns: i32, d: usize, vs: usize, drs: usize, w: usize, wrs: usize, cs: usize, nkh: i32, run: i32): void { lanesTile(3, 3, dx, ss, ns, d, vs, drs, w, wrs, cs, nkh, run); }
function t4c1(dx: usize, ss: usize, ns: i32, d: usize, vs: usize, drs: usize, w: usize, wrs: usize, cs: usize, nkh: i32, run: i32): void { lanesTile(4, 1, dx, ss, ns, d, vs, drs, w, wrs, cs, nkh, run); }
function t4c2(dx: usize, ss: usize, ns: i32, d: usize, vs: usize, drs: usize, w: usize, wrs: usize, cs: usize, nkh: i32, run: i32): void { lanesTile(4, 2, dx, ss, ns, d, vs, drs, w, wrs, cs, nkh, run); }
function t4c3(dx: usize, ss: usize, ns: i32, d: usize, vs: usize, drs: usize, w: usize, wrs: usize, cs: usize, nkh: i32, run: i32): void { lanesTile(4, 3, dx, ss, ns, d, vs, drs, w, wrs, cs, nkh, run); }

/** Dispatches a tile by (P, CT), within the bounds of lanesTile. */
function tile(P: i32, CT: i32, dx: usize, ss: usize, ns: i32, d: usize, vs: usize, drs: usize, w: usize, wrs: usize, cs: usize, nkh: i32, run: i32): void {
  switch (P * 16 + CT) {
    case 17: t1c1(dx, ss, ns, d, vs, drs, w, wrs, cs, nkh, run); break;
    case 18: t1c2(dx, ss, ns, d, vs, drs, w, wrs, cs, nkh, run); break;
    case 19: t1c3(dx, ss, ns, d, vs, drs, w, wrs, cs, nkh, run); break;
    case 20: t1c4(dx, ss, ns, d, vs, drs, w, wrs, cs, nkh, run); break;
    case 21: t1c5(dx, ss, ns, d, vs, drs, w, wrs, cs, nkh, run); break;
    case 22: t1c6(dx, ss, ns, d, vs, drs, w, wrs, cs, nkh, run); break;
    case 23: t1c7(dx, ss, ns, d, vs, drs, w, wrs, cs, nkh, run); break;
    case 24: t1c8(dx, ss, ns, d, vs, drs, w, wrs, cs, nkh, run); break;
    case 33: t2c1(dx, ss, ns, d, vs, drs, w, wrs, cs, nkh, run); break;
    case 34: t2c2(dx, ss, ns, d, vs, drs, w, wrs, cs, nkh, run); break;
    case 35: t2c3(dx, ss, ns, d, vs, drs, w, wrs, cs, nkh, run); break;
    case 36: t2c4(dx, ss, ns, d, vs, drs, w, wrs, cs, nkh, run); break;
    case 37: t2c5(dx, ss, ns, d, vs, drs, w, wrs, cs, nkh, run); break;
    case 49: t3c1(dx, ss, ns, d, vs, drs, w, wrs, cs, nkh, run); break;
    case 50: t3c2(dx, ss, ns, d, vs, drs, w, wrs, cs, nkh, run); break;
    case 51: t3c3(dx, ss, ns, d, vs, drs, w, wrs, cs, nkh, run); break;
    case 65: t4c1(dx, ss, ns, d, vs, drs, w, wrs, cs, nkh, run); break;
    case 66: t4c2(dx, ss, ns, d, vs, drs, w, wrs, cs, nkh, run); break;
    case 67: t4c3(dx, ss, ns, d, vs, drs, w, wrs, cs, nkh, run); break;
    default: t2c6(dx, ss, ns, d, vs, drs, w, wrs, cs, nkh, run); break;
  }
}

/** Sample vectors per tile for C channels: 4 (16 samples) for C ≤ 3, else 2. */
@inline function sampleVectors(C: i32): i32 { return C <= 3 ? 4 : 2; }

/** Most channels per tile with one and with two sample vectors (three or four: 3). */
const CMAX1: i32 = 8;
const CMAX2: i32 = 6;

export function conv2d_backward_input_lanes(dx: usize, dy: usize, w: usize, g: usize, scratch: usize): void {
  const B = geom(g, GEOM_B), H = geom(g, GEOM_H), W = geom(g, GEOM_W), C = geom(g, GEOM_C);
  const OH = geom(g, GEOM_OH), OW = geom(g, GEOM_OW), OC = geom(g, GEOM_OC);
  const KH = geom(g, GEOM_KH), KW = geom(g, GEOM_KW), PT = geom(g, GEOM_PT), PL = geom(g, GEOM_PL);
  const K = KH * KW;
  const Cp = roundUp4(C);
  const wt = scratch;
  const d = f32At(wt, K * OC * Cp);
  const PM = sampleVectors(C);
  // Vectors of four samples here, PM at a time; the last B mod 4 samples one by one with the
  // lanes over channels (input-pixels.ts, in D's place, after the last group), which wastes
  // fewer lanes than a vector holding 1 or 2 samples (C = 6: 6 of 8 lanes and some kw-range
  // padding, about 0.63 of its work useful, against 0.25 or 0.5), but more than one holding 3
  // (0.75) unless C is a multiple of 4. Measured at B = 3: 14x14x6->16@5x5 0.84x of im2col with
  // the remainder kernel, 0.95x with a 3-sample vector; 12x12x24->32@3x3 0.94x against 0.82x.
  // With C = 1 a tile has only PM accumulators, so only whole passes of 16 samples run here and
  // the rest go through direct-input.ts per sample (same bits, see there).
  const rem = C == 1 ? B & 15 : B & 3;
  const nl = rem == 3 && (C & 3) != 0 ? B : B - rem;
  // Wt[tap][oc][c] = w[tap][c][oc], rows of Cp (zeros past C); direct-input.ts reads w itself.
  if (nl > 0 || C > 1) {
    for (let t = 0; t < K; t++) {
      for (let oc = 0; oc < OC; oc++) {
        const dst = f32At(wt, (t * OC + oc) * Cp);
        for (let c = 0; c < C; c++) store<f32>(f32At(dst, c), load<f32>(f32At(w, (t * C + c) * OC + oc)));
        for (let c = C; c < Cp; c++) store<f32>(f32At(dst, c), 0);
      }
    }
  }
  for (let b0 = 0; b0 < nl; b0 += 4 * PM) lanesGroup(dx, dy, g, wt, d, b0, imin(4 * PM, nl - b0), PM);
  for (let b = nl; b < B; b++) {
    if (C == 1) backwardInputDirectSample(dx, dy, w, g, d, b);
    else backwardInputPixels(f32At(dx, b * H * W * C), f32At(dy, b * OH * OW * OC), wt, Cp, g, d);
  }
}

/** Samples b0 .. b0 + ns − 1 (ns ≤ 4·PM) of dx; lanes past ns hold zeros and are not stored. */
function lanesGroup(dx: usize, dy: usize, g: usize, wt: usize, d: usize, b0: i32, ns: i32, PM: i32): void {
  const H = geom(g, GEOM_H), W = geom(g, GEOM_W), C = geom(g, GEOM_C);
  const OH = geom(g, GEOM_OH), OW = geom(g, GEOM_OW), OC = geom(g, GEOM_OC);
  const KH = geom(g, GEOM_KH), KW = geom(g, GEOM_KW), PT = geom(g, GEOM_PT), PL = geom(g, GEOM_PL);
  const Cp = roundUp4(C);
  const vs = <usize>PM << 4; // bytes per (pixel, oc) of D: PM vectors of 4 samples
  const drs = <usize>(OW * OC) * vs;
  const cs = <usize>Cp << 2, wrs = <usize>(KW * OC * Cp) << 2;
  const ss = <usize>(H * W * C) << 2;
  const P = (ns + 3) >> 2;
  for (let q = 0; q < P; q++) transposeDy(d + (<usize>q << 4), dy, g, b0 + 4 * q, imin(4, ns - 4 * q), PM);
  // Channel groups of at most cmax channels, as even as they come.
  const cmax = P == 1 ? CMAX1 : P == 2 ? CMAX2 : 3;
  const groups = (C + cmax - 1) / cmax;
  for (let ih = 0; ih < H; ih++) {
    // Valid kh: 0 ≤ oh = ih + PT − kh < OH.
    const khLo = imax(0, ih + PT - OH + 1), khHi = imin(KH - 1, ih + PT);
    const nkh = khHi - khLo + 1;
    const rowBase = f32At(dx, ((b0 * H + ih) * W) * C);
    for (let iw = 0; iw < W; iw++) {
      const kwLo = imax(0, iw + PL - OW + 1), kwHi = imin(KW - 1, iw + PL);
      const nkw = kwHi - kwLo + 1;
      const px = f32At(rowBase, iw * C);
      if (nkh <= 0 || nkw <= 0) {
        // No tap reaches this pixel: zeros (a tile with no taps stores its zero accumulators).
        for (let q = 0; q < groups; q++) {
          const c0 = q * C / groups, c1 = (q + 1) * C / groups;
          tile(P, c1 - c0, f32At(px, c0), ss, ns, d, vs, drs, wt, wrs, cs, 0, 0);
        }
        continue;
      }
      // D at (oh, ow) = (ih + PT − khLo, iw + PL − kwLo), stored reversed.
      const pd = d + <usize>(((OH - 1 - (ih + PT - khLo)) * OW + (OW - 1 - (iw + PL - kwLo))) * OC) * vs;
      const pw = f32At(wt, (khLo * KW + kwLo) * OC * Cp);
      const run = nkw * OC;
      for (let q = 0; q < groups; q++) {
        const c0 = q * C / groups, c1 = (q + 1) * C / groups;
        tile(P, c1 - c0, f32At(px, c0), ss, ns, pd, vs, drs, f32At(pw, c0), wrs, cs, nkh, run);
      }
    }
  }
}
