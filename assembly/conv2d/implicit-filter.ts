// conv2d backward_filter for C > 1 without an im2col copy: the implicit kernels' second half
// (shared parts, bands and forward in conv2d/implicit.ts, whose header has the layout and the
// reasons). dWp[k][oc] = Σ_p P(p, k)·dy[p][oc] in scratch from 0, by tiles of 4 taps × 8
// channels kept in registers over a band of pixels, then dw += dWp; db as on the im2col path.
// Bit-identical to the naive kernel (each element one sum over p in naive order from 0).

import { geom, GEOM_B, GEOM_C, GEOM_OH, GEOM_OW, GEOM_OC, GEOM_KH, GEOM_KW, GEOM_SH, GEOM_SW } from "../abi";
import { f32At } from "../util/ptr";
import { madd } from "../util/simd";
import { loadPart, storePart } from "../gemm/tile";
import { roundUp4, imin, zeroF32, addF32 } from "./vec";
import { bandRows, bandStart, bandStride } from "./implicit";

/**
 * Four taps (P pointers a0..a3 at the band's first pixel; `packed`: a0 + 0, 4, 8, 12 instead)
 * × NV channel vectors (last W lanes wide) of dWp at c0..c3 (rows ≥ `rows` repeat a valid one
 * and are not stored): c += Σ over the band's R × OW pixels of P·dy, pixels in order.
 */
@inline function filterTile(c0: usize, c1: usize, c2: usize, c3: usize, rows: i32,
  a0: usize, a1: usize, a2: usize, a3: usize, packed: bool, R: i32, OW: i32, colStep: usize, rowStep: usize,
  d: usize, ds: usize, NV: i32, W: i32): void {
  const W0 = NV == 2 ? 4 : W;
  let x00 = loadPart(c0, W0), x10 = loadPart(c1, W0), x20 = loadPart(c2, W0), x30 = loadPart(c3, W0);
  let x01 = f32x4.splat(0), x11 = x01, x21 = x01, x31 = x01;
  if (NV == 2) {
    x01 = loadPart(c0 + 16, W); x11 = loadPart(c1 + 16, W);
    x21 = loadPart(c2 + 16, W); x31 = loadPart(c3 + 16, W);
  }
  const rowD = <usize>OW * ds;
  for (let r = 0; r < R; r++) {
    let q0 = a0, q1 = a1, q2 = a2, q3 = a3;
    const end = d + rowD;
    while (d < end) {
      const b0 = loadPart(d, W0);
      const b1 = NV == 2 ? loadPart(d + 16, W) : b0;
      let s = v128.load32_splat(q0);
      x00 = madd(s, b0, x00); if (NV == 2) x01 = madd(s, b1, x01);
      if (packed) s = v128.load32_splat(q0, 4); else s = v128.load32_splat(q1);
      x10 = madd(s, b0, x10); if (NV == 2) x11 = madd(s, b1, x11);
      if (packed) s = v128.load32_splat(q0, 8); else s = v128.load32_splat(q2);
      x20 = madd(s, b0, x20); if (NV == 2) x21 = madd(s, b1, x21);
      if (packed) s = v128.load32_splat(q0, 12); else s = v128.load32_splat(q3);
      x30 = madd(s, b0, x30); if (NV == 2) x31 = madd(s, b1, x31);
      q0 += colStep;
      if (!packed) { q1 += colStep; q2 += colStep; q3 += colStep; }
      d += ds;
    }
    a0 += rowStep;
    if (!packed) { a1 += rowStep; a2 += rowStep; a3 += rowStep; }
  }
  storePart(c0, x00, W0);
  if (NV == 2) storePart(c0 + 16, x01, W);
  if (rows > 1) { storePart(c1, x10, W0); if (NV == 2) storePart(c1 + 16, x11, W); }
  if (rows > 2) { storePart(c2, x20, W0); if (NV == 2) storePart(c2 + 16, x21, W); }
  if (rows > 3) { storePart(c3, x30, W0); if (NV == 2) storePart(c3 + 16, x31, W); }
}

/** All channel tiles of one tap tile (the arguments of filterTile). */
@inline function filterTaps(c0: usize, c1: usize, c2: usize, c3: usize, rows: i32,
  a0: usize, a1: usize, a2: usize, a3: usize, packed: bool, R: i32, OW: i32, colStep: usize, rowStep: usize,
  d: usize, ds: usize, OC: i32): void {
  let n = 0;
  for (; n + 8 <= OC; n += 8) {
    const o = <usize>n << 2;
    if (packed) filterP8(c0 + o, c1 + o, c2 + o, c3 + o, a0, R, OW, colStep, rowStep, d + o, ds);
    else filterU8(c0 + o, c1 + o, c2 + o, c3 + o, rows, a0, a1, a2, a3, R, OW, colStep, rowStep, d + o, ds);
  }
  if (n < OC) {
    const o = <usize>n << 2;
    if (packed) filterPTail(OC - n, c0 + o, c1 + o, c2 + o, c3 + o, a0, R, OW, colStep, rowStep, d + o, ds);
    else filterUTail(OC - n, c0 + o, c1 + o, c2 + o, c3 + o, rows, a0, a1, a2, a3, R, OW, colStep, rowStep, d + o, ds);
  }
}

function filterP8(c0: usize, c1: usize, c2: usize, c3: usize, a0: usize, R: i32, OW: i32,
  colStep: usize, rowStep: usize, d: usize, ds: usize): void {
  filterTile(c0, c1, c2, c3, 4, a0, a0, a0, a0, true, R, OW, colStep, rowStep, d, ds, 2, 4);
}

function filterU8(c0: usize, c1: usize, c2: usize, c3: usize, rows: i32, a0: usize, a1: usize, a2: usize, a3: usize,
  R: i32, OW: i32, colStep: usize, rowStep: usize, d: usize, ds: usize): void {
  filterTile(c0, c1, c2, c3, rows, a0, a1, a2, a3, false, R, OW, colStep, rowStep, d, ds, 2, 4);
}

function filterPTail(cols: i32, c0: usize, c1: usize, c2: usize, c3: usize, a0: usize, R: i32, OW: i32,
  colStep: usize, rowStep: usize, d: usize, ds: usize): void {
  switch (cols) {
    case 1: filterTile(c0, c1, c2, c3, 4, a0, a0, a0, a0, true, R, OW, colStep, rowStep, d, ds, 1, 1); break;
    case 2: filterTile(c0, c1, c2, c3, 4, a0, a0, a0, a0, true, R, OW, colStep, rowStep, d, ds, 1, 2); break;
    case 3: filterTile(c0, c1, c2, c3, 4, a0, a0, a0, a0, true, R, OW, colStep, rowStep, d, ds, 1, 3); break;
    case 4: filterTile(c0, c1, c2, c3, 4, a0, a0, a0, a0, true, R, OW, colStep, rowStep, d, ds, 1, 4); break;
    case 5: filterTile(c0, c1, c2, c3, 4, a0, a0, a0, a0, true, R, OW, colStep, rowStep, d, ds, 2, 1); break;
    case 6: filterTile(c0, c1, c2, c3, 4, a0, a0, a0, a0, true, R, OW, colStep, rowStep, d, ds, 2, 2); break;
    case 7: filterTile(c0, c1, c2, c3, 4, a0, a0, a0, a0, true, R, OW, colStep, rowStep, d, ds, 2, 3); break;
    default: break;
  }
}

function filterUTail(cols: i32, c0: usize, c1: usize, c2: usize, c3: usize, rows: i32, a0: usize, a1: usize, a2: usize, a3: usize,
  R: i32, OW: i32, colStep: usize, rowStep: usize, d: usize, ds: usize): void {
  switch (cols) {
    case 1: filterTile(c0, c1, c2, c3, rows, a0, a1, a2, a3, false, R, OW, colStep, rowStep, d, ds, 1, 1); break;
    case 2: filterTile(c0, c1, c2, c3, rows, a0, a1, a2, a3, false, R, OW, colStep, rowStep, d, ds, 1, 2); break;
    case 3: filterTile(c0, c1, c2, c3, rows, a0, a1, a2, a3, false, R, OW, colStep, rowStep, d, ds, 1, 3); break;
    case 4: filterTile(c0, c1, c2, c3, rows, a0, a1, a2, a3, false, R, OW, colStep, rowStep, d, ds, 1, 4); break;
    case 5: filterTile(c0, c1, c2, c3, rows, a0, a1, a2, a3, false, R, OW, colStep, rowStep, d, ds, 2, 1); break;
    case 6: filterTile(c0, c1, c2, c3, rows, a0, a1, a2, a3, false, R, OW, colStep, rowStep, d, ds, 2, 2); break;
    case 7: filterTile(c0, c1, c2, c3, rows, a0, a1, a2, a3, false, R, OW, colStep, rowStep, d, ds, 2, 3); break;
    default: break;
  }
}

export function conv2d_backward_filter_implicit(dw: usize, db: usize, dy: usize, x: usize, g: usize, scratch: usize): void {
  const B = geom(g, GEOM_B), C = geom(g, GEOM_C), OC = geom(g, GEOM_OC);
  const OH = geom(g, GEOM_OH), OW = geom(g, GEOM_OW), KH = geom(g, GEOM_KH), KW = geom(g, GEOM_KW);
  const SH = geom(g, GEOM_SH), SW = geom(g, GEOM_SW);
  const K = KH * KW * C, kwc = KW * C;
  const Kp = roundUp4(K), OCp = roundUp4(OC);
  const full = kwc & ~3, rem = kwc - full;     // packed taps per kernel row, and the rest
  const dwp = scratch;
  const band = f32At(dwp, OCp * Kp + OCp);
  zeroF32(dwp, K * OCp);
  const R = bandRows(g);
  const rs = bandStride(g);
  const colStep = <usize>(SW * C) << 2, rowStep = <usize>(SH * rs) << 2, ds = <usize>OC << 2, cs = <usize>OCp << 2;
  for (let b = 0; b < B; b++) {
    for (let oh0 = 0; oh0 < OH; oh0 += R) {
      const rr = imin(R, OH - oh0);
      const src = bandStart(x, g, band, b, oh0, rr);
      const d = f32At(dy, (b * OH + oh0) * OW * OC);
      // Four adjacent taps of one kernel row: one pointer.
      for (let kh = 0; kh < KH; kh++) {
        for (let j = 0; j < full; j += 4) {
          const c0 = dwp + <usize>(kh * kwc + j) * cs;
          filterTaps(c0, c0 + cs, c0 + 2 * cs, c0 + 3 * cs, 4, f32At(src, kh * rs + j), 0, 0, 0, true,
            rr, OW, colStep, rowStep, d, ds, OC);
        }
      }
      // The rem taps left at the end of each kernel row, four at a time (t → kh = t / rem).
      for (let t = 0, nt = KH * rem; t < nt; t += 4) {
        const rows = imin(4, nt - t);
        const t1 = rows > 1 ? t + 1 : t, t2 = rows > 2 ? t + 2 : t1, t3 = rows > 3 ? t + 3 : t2;
        filterTaps(tapRow(dwp, t, rem, kwc, full, cs), tapRow(dwp, t1, rem, kwc, full, cs),
          tapRow(dwp, t2, rem, kwc, full, cs), tapRow(dwp, t3, rem, kwc, full, cs), rows,
          tapSrc(src, t, rem, rs, full), tapSrc(src, t1, rem, rs, full), tapSrc(src, t2, rem, rs, full),
          tapSrc(src, t3, rem, rs, full), false, rr, OW, colStep, rowStep, d, ds, OC);
      }
    }
  }
  for (let k = 0; k < K; k++) addF32(f32At(dw, k * OC), f32At(dwp, k * OCp), OC);
  if (db != 0) sumRowsInto(db, dy, B * OH * OW, OC);
}

/** dWp row of left-over tap t (kernel row t / rem, column full + t mod rem). */
@inline function tapRow(dwp: usize, t: i32, rem: i32, kwc: i32, full: i32, cs: usize): usize {
  const kh = t / rem;
  return dwp + <usize>(kh * kwc + full + t - kh * rem) * cs;
}

/** P pointer of left-over tap t at the band's first pixel. */
@inline function tapSrc(src: usize, t: i32, rem: i32, rs: i32, full: i32): usize {
  const kh = t / rem;
  return f32At(src, kh * rs + full + t - kh * rem);
}

/**
 * db[oc] += Σ_{i<M} dy[i][oc], each a sum from 0 in pixel order (the naive order): four
 * channels per f32x4, then the scalar tail channels. Shared with the im2col path.
 */
export function sumRowsInto(db: usize, dy: usize, M: i32, OC: i32): void {
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
