// conv2d forward and backward_filter for C > 1 without an im2col copy ("implicit GEMM"):
// the products of conv2d/simd.ts read the im2col matrix straight out of the input. Called by
// conv2d/simd.ts when implicitApplies(g); semantics are those of conv2d/naive.ts.
//
// im2col row p = (b,oh,ow), column k = (kh·KW + kw)·C + c holds x[b, oh·SH−PT+kh, ow·SW−PL+kw, c].
// In a zero-padded copy P of the input, [Hp][Wp][C] with rows rs = Wp·C floats apart, that is
//   P[(oh·SH + kh)·rs + ow·SW·C + (kw·C + c)],
// a pixel offset plus a tap offset kh·rs + j (j = kw·C + c < KW·C): for one kernel row kh the
// KW·C columns are contiguous in P. When no tap leaves the input (PT = PL = 0 and the padded
// extents fit, as for every 'valid' layer) P is x itself (rs = W·C) and nothing is copied;
// otherwise a band of output rows at a time gets its input rows copied with their padding
// (copyBand) into the scratch that the im2col path uses for its block, so the scratch size
// (conv2d_scratch_bytes_simd) is unchanged; geometries where one output row's band does not
// fit there stay on the im2col path.
//
//   forward:  tiles of 4 output pixels × 8 channels (f32x4 along oc), started from the bias,
//             reduced over k in ascending order (kh outer, j inner, Wp = w packed to [K][OCp]
//             walked row by row): the same 4 × 8 splat body as gemm/tile.ts, with four pixel
//             pointers into P. Per output the same mul, add sequence as the im2col path, so the
//             two give identical bits. OVERWRITES y (then relu, for forward_act).
//   backward_filter: dWp[k][oc] = Σ_p P(p, k)·dy[p][oc] (scratch, from 0), tiles of 4 taps k ×
//             8 channels whose accumulators stay in registers over a whole band of pixels
//             (bandRows: P and dy rows within BAND_BYTES; a whole sample at 14x14x6 and
//             12x12x24, 2 output rows at 26x26x32) and are stored and reloaded between bands.
//             Four taps j..j+3 of one kernel row are adjacent floats of P, so such a tile
//             splats them from one pointer (immediate offsets 0, 4, 8, 12); the KW·C mod 4
//             taps left over per kernel row are gathered into tiles of four independent
//             pointers. dy rows are read in place: the last channel vector of a row loads only
//             its valid lanes (no padded copy). Each dw element is then one sum over p in the
//             naive order (b, oh, ow) from 0, added to the old dw, and padding taps add exact
//             zeros, so the result equals the naive kernel's bit for bit (up to the sign of a
//             zero) as on the im2col path. db is summed as there.
//
// Why: the im2col path copies every im2col row (K floats per output pixel, in KH copies of
// KW·C floats) before its product, and its backward_filter reduction ran only one 64-pixel
// block between reloads of the tile, reading block rows Kp floats apart. Measured (B = 32,
// one thread, Node 24, Intel Xeon; fastest of 60 alternating calls against the im2col build):
// 14x14x6→16@5x5 forward 566 → 456 µs (1.24x), backward_filter 615 → 468 µs (1.31x);
// 12x12x24→32@3x3 forward 1.07x, backward_filter 1.17x; 26x26x32→64@3x3 (12 calls) forward
// 1.10x, backward_filter 1.07x. Bands for backward_filter at 26x26x32→64 (a sample's P and dy
// are 233 KB): 32 KB 22.7 ms, 16 KB 24.4, 64 KB 23.5, a whole sample 24.7 (BAND_BYTES).
//
// This file has the shared parts (which geometries, bands) and forward; backward_filter is in
// implicit-filter.ts.
// Scratch (f32 units, inside the im2col layout of conv2d/simd.ts):
//   [0, OCp·Kp)             Wp [K][OCp] (forward) | dWp [K][OCp] (backward_filter)
//   [OCp·Kp, +OCp)          padded bias (forward)
//   [.., +MB·(Kp + OCp))    the padded band, ((R − 1)·SH + KH)·Wp·C floats (padded case only)

import { geom, GEOM_B, GEOM_H, GEOM_W, GEOM_C, GEOM_OH, GEOM_OW, GEOM_OC, GEOM_KH, GEOM_KW,
  GEOM_SH, GEOM_SW, GEOM_PT, GEOM_PL } from "../abi";
import { f32At } from "../util/ptr";
import { madd } from "../util/simd";
import { loadPart, storePart } from "../gemm/tile";
import { roundUp4, imin, imax, zeroF32, copyF32, packWeightsAndBias, reluInPlace } from "./vec";
import { ACT_RELU } from "./direct";

/**
 * Bytes of P rows and dy rows one band may span (about two thirds of a 48 KB L1 data cache):
 * every tap tile of backward_filter streams the whole band again.
 */
const BAND_BYTES: i32 = 32 << 10;

/** Whether no tap of any output pixel falls outside x (then P is x itself). */
@inline export function inPlace(g: usize): bool {
  return geom(g, GEOM_PT) == 0 && geom(g, GEOM_PL) == 0 &&
    (geom(g, GEOM_OH) - 1) * geom(g, GEOM_SH) + geom(g, GEOM_KH) <= geom(g, GEOM_H) &&
    (geom(g, GEOM_OW) - 1) * geom(g, GEOM_SW) + geom(g, GEOM_KW) <= geom(g, GEOM_W);
}

/** Width of the padded band, in pixels. */
@inline function paddedW(g: usize): i32 {
  return (geom(g, GEOM_OW) - 1) * geom(g, GEOM_SW) + geom(g, GEOM_KW);
}

/** Floats of scratch past the packed weights and bias: the im2col path's block region. */
function bandBudget(g: usize): i32 {
  const Kp = roundUp4(geom(g, GEOM_KH) * geom(g, GEOM_KW) * geom(g, GEOM_C));
  const OCp = roundUp4(geom(g, GEOM_OC));
  const M = geom(g, GEOM_B) * geom(g, GEOM_OH) * geom(g, GEOM_OW);
  return imin(64, M) * (Kp + OCp); // BLOCK of conv2d/simd.ts
}

/**
 * Output rows per band: the most whose P rows and dy rows take at most BAND_BYTES (at least 1,
 * at most OH); in the padded case also no more than fit the scratch (0: not even one).
 */
export function bandRows(g: usize): i32 {
  const OH = geom(g, GEOM_OH), OW = geom(g, GEOM_OW), C = geom(g, GEOM_C);
  const SH = geom(g, GEOM_SH), KH = geom(g, GEOM_KH);
  const inRow = <i64>(inPlace(g) ? geom(g, GEOM_W) : paddedW(g)) * C;  // floats of one P row
  const outRow = <i64>OW * geom(g, GEOM_OC);                            // floats of one dy row
  // ((R − 1)·SH + KH)·inRow + R·outRow ≤ BAND_BYTES / 4
  const spare = <i64>(BAND_BYTES >> 2) - <i64>(KH - SH) * inRow;
  const perRow = <i64>SH * inRow + outRow;
  let R = spare >= perRow ? <i32>min<i64>(<i64>OH, spare / perRow) : 1;
  if (R > OH) R = OH;
  if (inPlace(g)) return R;
  const fit = <i32>(<i64>bandBudget(g) / (<i64>paddedW(g) * C)); // padded rows the scratch holds
  return fit < KH ? 0 : imin(R, (fit - KH) / SH + 1);
}

/** Whether this file's kernels take geometry g (else the im2col path of conv2d/simd.ts). */
export function implicitApplies(g: usize): bool {
  return geom(g, GEOM_C) > 1 && bandRows(g) > 0;
}

/**
 * Copies the input rows of output rows oh0 .. oh0+R−1 of sample b, with their zero padding, to
 * p: ((R − 1)·SH + KH) rows of Wp·C floats, row r holding input row oh0·SH − PT + r from
 * column −PL on.
 */
function copyBand(p: usize, x: usize, g: usize, b: i32, oh0: i32, R: i32): void {
  const H = geom(g, GEOM_H), W = geom(g, GEOM_W), C = geom(g, GEOM_C);
  const SH = geom(g, GEOM_SH), KH = geom(g, GEOM_KH), PT = geom(g, GEOM_PT), PL = geom(g, GEOM_PL);
  const Wp = paddedW(g);
  const rs = Wp * C;
  const c0 = imin(PL, Wp);                 // padding columns on the left
  const c1 = imin(Wp, imax(0, W + PL));      // end of the input's columns
  for (let r = 0, rows = (R - 1) * SH + KH; r < rows; r++) {
    const dst = f32At(p, r * rs);
    const ih = oh0 * SH - PT + r;
    if (ih < 0 || ih >= H || c1 <= c0) { zeroF32(dst, rs); continue; }
    zeroF32(dst, c0 * C);
    copyF32(f32At(dst, c0 * C), f32At(x, ((b * H + ih) * W + c0 - PL) * C), (c1 - c0) * C);
    zeroF32(f32At(dst, c1 * C), (Wp - c1) * C);
  }
}

/** Where band (b, oh0, R) of P starts, copying it first in the padded case; its row stride (floats) is bandStride(g). */
export function bandStart(x: usize, g: usize, band: usize, b: i32, oh0: i32, R: i32): usize {
  if (inPlace(g)) {
    const H = geom(g, GEOM_H), W = geom(g, GEOM_W), C = geom(g, GEOM_C);
    return f32At(x, (b * H + oh0 * geom(g, GEOM_SH)) * W * C);
  }
  copyBand(band, x, g, b, oh0, R);
  return band;
}

@inline export function bandStride(g: usize): i32 {
  return (inPlace(g) ? geom(g, GEOM_W) : paddedW(g)) * geom(g, GEOM_C);
}

// ---- forward -----------------------------------------------------------------------------

/**
 * Four output pixels (P pointers a0..a3, rows ≥ `rows` repeat a valid one and are not stored)
 * × NV vectors of channels, the last W lanes wide: y = bias + Σ_{kh} Σ_{j < kwc} P·Wp.
 */
@inline function fwdTile(y0: usize, y1: usize, y2: usize, y3: usize, rows: i32, bias: usize,
  a0: usize, a1: usize, a2: usize, a3: usize, rsB: usize, KH: i32, kwc: i32,
  wp: usize, ws: usize, NV: i32, W: i32): void {
  const W0 = NV == 2 ? 4 : W;
  let x00 = loadPart(bias, W0), x10 = x00, x20 = x00, x30 = x00;
  let x01 = f32x4.splat(0);
  if (NV == 2) x01 = loadPart(bias + 16, W);
  let x11 = x01, x21 = x01, x31 = x01;
  let pb = wp;
  const rowW = <usize>kwc * ws;
  for (let kh = 0; kh < KH; kh++) {
    let q0 = a0, q1 = a1, q2 = a2, q3 = a3;
    const end = pb + rowW;
    while (pb < end) {
      const b0 = loadPart(pb, W0);
      const b1 = NV == 2 ? loadPart(pb + 16, W) : b0;
      let s = v128.load32_splat(q0);
      x00 = madd(s, b0, x00); if (NV == 2) x01 = madd(s, b1, x01);
      s = v128.load32_splat(q1);
      x10 = madd(s, b0, x10); if (NV == 2) x11 = madd(s, b1, x11);
      s = v128.load32_splat(q2);
      x20 = madd(s, b0, x20); if (NV == 2) x21 = madd(s, b1, x21);
      s = v128.load32_splat(q3);
      x30 = madd(s, b0, x30); if (NV == 2) x31 = madd(s, b1, x31);
      q0 += 4; q1 += 4; q2 += 4; q3 += 4;
      pb += ws;
    }
    a0 += rsB; a1 += rsB; a2 += rsB; a3 += rsB;
  }
  storePart(y0, x00, W0);
  if (NV == 2) storePart(y0 + 16, x01, W);
  if (rows > 1) { storePart(y1, x10, W0); if (NV == 2) storePart(y1 + 16, x11, W); }
  if (rows > 2) { storePart(y2, x20, W0); if (NV == 2) storePart(y2 + 16, x21, W); }
  if (rows > 3) { storePart(y3, x30, W0); if (NV == 2) storePart(y3 + 16, x31, W); }
}

function fwd8(y0: usize, y1: usize, y2: usize, y3: usize, rows: i32, bias: usize,
  a0: usize, a1: usize, a2: usize, a3: usize, rsB: usize, KH: i32, kwc: i32, wp: usize, ws: usize): void {
  fwdTile(y0, y1, y2, y3, rows, bias, a0, a1, a2, a3, rsB, KH, kwc, wp, ws, 2, 4);
}

/** The last 1..7 channels. */
function fwdTail(cols: i32, y0: usize, y1: usize, y2: usize, y3: usize, rows: i32, bias: usize,
  a0: usize, a1: usize, a2: usize, a3: usize, rsB: usize, KH: i32, kwc: i32, wp: usize, ws: usize): void {
  switch (cols) {
    case 1: fwdTile(y0, y1, y2, y3, rows, bias, a0, a1, a2, a3, rsB, KH, kwc, wp, ws, 1, 1); break;
    case 2: fwdTile(y0, y1, y2, y3, rows, bias, a0, a1, a2, a3, rsB, KH, kwc, wp, ws, 1, 2); break;
    case 3: fwdTile(y0, y1, y2, y3, rows, bias, a0, a1, a2, a3, rsB, KH, kwc, wp, ws, 1, 3); break;
    case 4: fwdTile(y0, y1, y2, y3, rows, bias, a0, a1, a2, a3, rsB, KH, kwc, wp, ws, 1, 4); break;
    case 5: fwdTile(y0, y1, y2, y3, rows, bias, a0, a1, a2, a3, rsB, KH, kwc, wp, ws, 2, 1); break;
    case 6: fwdTile(y0, y1, y2, y3, rows, bias, a0, a1, a2, a3, rsB, KH, kwc, wp, ws, 2, 2); break;
    case 7: fwdTile(y0, y1, y2, y3, rows, bias, a0, a1, a2, a3, rsB, KH, kwc, wp, ws, 2, 3); break;
    default: break;
  }
}

export function conv2d_forward_implicit(y: usize, x: usize, w: usize, bias: usize, g: usize, scratch: usize, act: i32): void {
  const B = geom(g, GEOM_B), C = geom(g, GEOM_C), OC = geom(g, GEOM_OC);
  const OH = geom(g, GEOM_OH), OW = geom(g, GEOM_OW), KH = geom(g, GEOM_KH), KW = geom(g, GEOM_KW);
  const SH = geom(g, GEOM_SH), SW = geom(g, GEOM_SW);
  const K = KH * KW * C, kwc = KW * C;
  const Kp = roundUp4(K), OCp = roundUp4(OC);
  const wp = scratch;
  const bp = f32At(wp, OCp * Kp);
  const band = f32At(bp, OCp);
  packWeightsAndBias(wp, bp, w, bias, K, OC);
  const R = bandRows(g);
  const rs = bandStride(g);
  const rsB = <usize>rs << 2, ws = <usize>OCp << 2, ys = <usize>OC << 2;
  const pixRow = SH * rs, pixCol = SW * C;
  for (let b = 0; b < B; b++) {
    for (let oh0 = 0; oh0 < OH; oh0 += R) {
      const rr = imin(R, OH - oh0);
      const src = bandStart(x, g, band, b, oh0, rr);
      const n = rr * OW;                          // pixels in the band
      const yb = f32At(y, (b * OH + oh0) * OW * OC);
      // Tiles of four consecutive band pixels (they may span output rows); a short last
      // tile repeats its last pixel, which is computed but not stored.
      for (let i = 0; i < n; i += 4) {
        const rows = imin(4, n - i);
        const a0 = pixel(src, i, OW, pixRow, pixCol);
        const a1 = rows > 1 ? pixel(src, i + 1, OW, pixRow, pixCol) : a0;
        const a2 = rows > 2 ? pixel(src, i + 2, OW, pixRow, pixCol) : a1;
        const a3 = rows > 3 ? pixel(src, i + 3, OW, pixRow, pixCol) : a2;
        const y0 = yb + <usize>i * ys;
        const y1 = rows > 1 ? y0 + ys : y0, y2 = rows > 2 ? y1 + ys : y1, y3 = rows > 3 ? y2 + ys : y2;
        let c = 0;
        for (; c + 8 <= OC; c += 8) {
          const o = <usize>c << 2;
          fwd8(y0 + o, y1 + o, y2 + o, y3 + o, rows, bp + o, a0, a1, a2, a3, rsB, KH, kwc, wp + o, ws);
        }
        if (c < OC) {
          const o = <usize>c << 2;
          fwdTail(OC - c, y0 + o, y1 + o, y2 + o, y3 + o, rows, bp + o, a0, a1, a2, a3, rsB, KH, kwc, wp + o, ws);
        }
      }
      if (act == ACT_RELU) reluInPlace(yb, n * OC);
    }
  }
}

/** P pointer of band pixel i: output row i / OW of the band, column i mod OW. */
@inline function pixel(src: usize, i: i32, OW: i32, pixRow: i32, pixCol: i32): usize {
  const oh = i / OW;
  return f32At(src, oh * pixRow + (i - oh * OW) * pixCol);
}
