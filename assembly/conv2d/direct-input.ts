// conv2d backward_input, direct kernel for C = 1, unit strides and OC < 16: see the header
// of direct.ts. With unit strides and OC ≤ 32 simd.ts now sends such layers to input-lanes.ts,
// which calls backwardInputDirectSample below for the samples (B mod 16) that fill no pass;
// this kernel itself is left for geometries whose lanes scratch is over the cap.

import { geom, GEOM_B, GEOM_H, GEOM_W, GEOM_OH, GEOM_OW, GEOM_OC, GEOM_KH, GEOM_KW, GEOM_PT, GEOM_PL } from "../abi";
import { f32At } from "../util/ptr";
import { madd } from "../util/simd";
import { imin, zeroF32 } from "./vec";
import { dRows, dCols } from "./direct";

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
  const B = geom(g, GEOM_B);
  for (let b = 0; b < B; b++) backwardInputDirectSample(dx, dy, w, g, scratch, b);
}

/**
 * Sample b of conv2d_backward_input_direct, scratch: D of one sample (OC·dRows·dCols floats).
 * Also input-lanes.ts's remainder for C = 1: the same element order as that kernel's (kh, kw,
 * oc ascending; the padding's zero terms add nothing), so the same bits.
 */
export function backwardInputDirectSample(dx: usize, dy: usize, w: usize, g: usize, scratch: usize, b: i32): void {
  const H = geom(g, GEOM_H), W = geom(g, GEOM_W), OC = geom(g, GEOM_OC);
  const KH = geom(g, GEOM_KH), KW = geom(g, GEOM_KW), PT = geom(g, GEOM_PT), PL = geom(g, GEOM_PL);
  const rows = dRows(g), cols = dCols(g);
  const drs = <usize>cols << 2, dcs = <usize>(rows * cols) << 2;
  // w transposed to [kh][kw][oc] is w itself (C = 1): one splat per (tap, oc), in order.
  const V = (W + 3) >> 2;
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
