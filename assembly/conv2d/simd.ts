// conv2d kernels, SIMD (f32x4) variant: im2col one block of output pixels at a time into
// scratch, then a register-tiled "splat" matrix product on that block. Single-channel inputs
// with unit width stride (directApplies) go to the direct kernels of conv2d/direct*.ts instead,
// which need no im2col; conv2d_forward_act adds the inference path's fused relu. With C > 1
// forward and backward_filter go to conv2d/implicit.ts (implicitApplies: every geometry whose
// band of padded input rows fits this file's block scratch), which reads the im2col matrix
// straight from x instead of copying it; the im2col code below then serves C = 1 with SW ≠ 1,
// the geometries that do not fit, and backward_input outside conv2d/input-lanes.ts, which takes
// unit strides with OC ≤ 32 (lanesInputApplies, below).
//
// Shapes and semantics are those of conv2d/naive.ts (same formulas, same reads/writes/
// accumulates; x NHWC [B][H][W][C], w HWIO [KH][KW][C][OC], y/dy NHWC [B][OH][OW][OC]).
// Write K = KH·KW·C (one im2col row), Kp = K rounded up to 4, OCp = OC rounded up to 4,
// M = B·OH·OW (output pixels, flattened over the batch, so a block may span two samples),
// MB = min(BLOCK, M). The im2col row of pixel p = (b,oh,ow) is A[p][k], k = (kh·KW + kw)·C + c,
// holding x[b, oh·SH−PT+kh, ow·SW−PL+kw, c], or 0 for taps outside the input (any padding).
// A's rows are Kp apart; columns K ≤ k < Kp are never written or read. With C = 1 (first
// layers) A is built transposed instead, At[k][i] with rows of MB (see im2colTBlock): for one
// tap a row of output pixels reads a run of x, so At fills by long copies where A would need
// KH copies of KW floats per pixel. That halved im2col time and cut forward and backward_filter
// by about 30% on the 5x5x1→6 and 3x3x1→32 layers; gemmBlock takes either layout via strides.
//
//   forward:          Y[p][oc] = bias[oc] + Σ_k A[p][k]·Wp[k][oc]
//                     Wp = w packed to [K][OCp], zero columns past OC (the product reads only
//                     the OC valid ones); reads x, w, bias; OVERWRITES y.
//   backward_input:   D[p][k] = Σ_oc dY[p][oc]·Wt[oc][k]   (Wt = w transposed to [OC][Kp]),
//                     then col2im: dx[b,ih,iw,c] += D[p][k] for every in-bounds tap.
//                     dx is zeroed first, so it is OVERWRITTEN; reads dy, w.
//   backward_filter:  dWp[k][oc] = Σ_p A[p][k]·dY[p][oc]  over all blocks, in scratch from 0,
//                     then dw[k][oc] += dWp[k][oc];  db[oc] += Σ_p dY[p][oc];  reads x, dy;
//                     ACCUMULATES into dw, db. dY rows are used in place when OC % 4 = 0, else
//                     copied per block to rows of OCp (zero-padded) so f32x4 loads stay in bounds.
//                     Each dw/db element is summed over p in the naive order, from 0, then added
//                     to the old value; padding taps add an exact 0, so for finite inputs the
//                     result equals the naive kernel's bit for bit (up to the sign of a zero).
//
// The product kernel (gemmBlock) runs tile4x8 of gemm/tile.ts, the register tile gemm_nn and
// gemm_nn_packed use too: a 4 × 8 tile of outputs in eight f32x4 accumulators; per reduction
// step it loads two f32x4 of the right operand (8 contiguous outputs) and splats four left
// values, reusing each loaded right vector four times (8 mul + 8 add per 6 loads, and 8 + 2 + 1
// live vectors fit the 16 SIMD registers). No FMA: f32x4.mul then f32x4.add. Only where the
// left rows come from is conv's own (im2col rows, At columns, dY rows; any strides).
// Tails: the last 1..7 columns use a tile of 1 or 2 vectors whose last vector loads and stores
// only its valid lanes; a row tail (rows not a multiple of 4) recomputes the last valid row in
// the missing rows and does not store them (no out-of-bounds reads).
// Padding lanes (Wp, Wt, dY copies, bias) are zeroed, never left as garbage: their results
// are never stored, but NaN or subnormal garbage would slow the arithmetic down.
//
// Scratch (conv2d_scratch_bytes_simd), in f32 units; no alignment needed (v128 loads are
// unaligned-safe), the arena gives 16 bytes anyway:
//   [0, OCp·Kp)                    Wp [K][OCp] | Wt [OC][Kp] | dWp [K][OCp]
//   [OCp·Kp, +OCp)                 padded bias (forward only)
//   [.., +MB·Kp)                   im2col block A (or At), or column-gradient block D
//   [.., +MB·OCp)                  padded dY block (backward_filter with OC % 4 ≠ 0 only)
// bytes = 4·(OCp·Kp + OCp + MB·(Kp + OCp)): with BLOCK = 64 that is 164 KB for the 3x3x32→64
// layer, 53 KB for 5x5x6→16, 10 KB for 5x5x1→6, whatever the batch size (B only enters via
// MB = min(BLOCK, B·OH·OW), so scratch sized for a batch also serves every smaller batch).
// Blocks of 32 or 128 pixels timed the same within noise (B = 32, all four layers), so the
// smaller block stays.

import { geom, GEOM_B, GEOM_H, GEOM_W, GEOM_C, GEOM_OH, GEOM_OW, GEOM_OC, GEOM_KH, GEOM_KW,
  GEOM_SH, GEOM_SW, GEOM_PT, GEOM_PL } from "../abi";
import { f32At } from "../util/ptr";
import { tile4x8, START_ZERO, START_C, START_ROW } from "../gemm/tile";
import { roundUp4, imin, imax, zeroF32, copyF32, packWeightsAndBias, addF32, reluInPlace } from "./vec";
import { ACT_RELU, DIRECT_SCRATCH_CAP, directApplies, directInputApplies, directScratchBytes, conv2d_forward_direct } from "./direct";
import { conv2d_backward_filter_direct } from "./direct-filter";
import { conv2d_backward_input_direct } from "./direct-input";
import { implicitApplies, conv2d_forward_implicit } from "./implicit";
import { conv2d_backward_filter_implicit, sumRowsInto } from "./implicit-filter";
import { conv2d_backward_input_lanes, lanesScratchFloats } from "./input-lanes";

/** Output pixels per im2col block (any size ≥ 1 is correct; see the header for the choice). */
const BLOCK: i32 = 64;


/** Rows of the im2col block for geometry g. */
@inline function blockRows(g: usize): i32 {
  return imin(BLOCK, geom(g, GEOM_B) * geom(g, GEOM_OH) * geom(g, GEOM_OW));
}

/** Scratch of the im2col path. */
function im2colScratchBytes(g: usize): i32 {
  const Kp = roundUp4(geom(g, GEOM_KH) * geom(g, GEOM_KW) * geom(g, GEOM_C));
  const OCp = roundUp4(geom(g, GEOM_OC));
  return 4 * (OCp * Kp + OCp + blockRows(g) * (Kp + OCp));
}

export function conv2d_scratch_bytes_simd(g: usize): i32 {
  const fwd = forwardScratchBytes(g);
  if (!lanesInputApplies(g)) return fwd;
  const lanes = 4 * <i32>lanesScratchFloats(g);
  return lanes > fwd ? lanes : fwd;
}

/** Scratch of forward, backward_filter and (unless lanesInputApplies) backward_input. */
function forwardScratchBytes(g: usize): i32 {
  if (!directApplies(g)) return im2colScratchBytes(g);
  const direct = directScratchBytes(g);
  if (directInputApplies(g)) return direct;
  const im2col = im2colScratchBytes(g); // backward_input takes the im2col path
  return direct > im2col ? direct : im2col;
}

/**
 * Whether backward_input takes the batch-lanes kernel (conv2d/input-lanes.ts): SH = SW = 1,
 * OC ≤ 32, and its scratch within DIRECT_SCRATCH_CAP (else im2col, or direct-input.ts for
 * C = 1 with OC < 16). The rule does not look at B, so a sample's dx never depends on the size
 * of the batch or shard it came in (the kernel's remainder paths give the same bits).
 * Why these bounds: im2col's product reduces over OC only, and its col2im then adds K floats
 * per output pixel, a share of the work that falls as 1/OC; the lanes kernel does no such pass
 * and wastes no lanes at the edges, but has fewer accumulators per weight load. Measured side
 * by side (B = 32, one thread, new/old): 14x14x6→16@5x5 1.37-1.5x, 12x12x24→32@3x3 1.12-1.17x,
 * 28x28x1→6@5x5 1.17-1.4x (against direct-input.ts), →24@5x5 1.17-1.3x, →32@3x3 1.14-1.34x;
 * at 26x26x32→64@3x3 it ran 0.99-1.1x (0.91x at B = 4), so OC = 64 stays on im2col. Strides
 * are not implemented (a tap's parity would differ between neighbouring pixels). The cost: a
 * batch that fills no vector runs the remainder kernels only, at B = 1 0.84-0.96x of im2col
 * for 14x14x6→16 and 12x12x24→32, 0.85-0.9x for the C = 1, OC ≥ 16 layers (direct-input.ts);
 * training's shards have 8 to 15 samples (src/model/plan.ts), where it is 1.36x at B = 8.
 */
export function lanesInputApplies(g: usize): bool {
  if (geom(g, GEOM_SH) != 1 || geom(g, GEOM_SW) != 1) return false;
  if (geom(g, GEOM_OC) > LANES_MAX_OC) return false;
  return lanesScratchFloats(g) <= DIRECT_SCRATCH_CAP;
}
const LANES_MAX_OC: i32 = 32;

// ---- the product kernel -----------------------------------------------------------------

/**
 * O[m][n] = start + Σ_{k<K} L(m,k)·R[k][n]  for m < M, n < N, where
 *   L(m,k) is the f32 at l + m·lsm + k·lsk (byte strides: any layout, it is splatted),
 *   R[k][n] is the f32 at r + k·rs + 4n (rs > 0), read only for n < N,
 *   O[m][n] is the f32 at o + m·os + 4n; only n < N is written (and read for START_C),
 *   start is 0 (START_ZERO), init[n] (START_ROW, init read for n < N) or the old O (START_C).
 * Tiles of 4 rows × 8 columns, then one of 4 columns, all tile4x8 of gemm/tile.ts.
 */
function gemmBlock(o: usize, os: usize, N: i32, l: usize, lsm: usize, lsk: usize,
  r: usize, rs: usize, M: i32, K: i32, mode: i32, init: usize): void {
  for (let m = 0; m < M; m += 4) {
    const rows = imin(4, M - m);
    const lm = l + <usize>m * lsm;
    const om = o + <usize>m * os;
    let n = 0;
    for (; n + 8 <= N; n += 8) {
      tile8(om + (<usize>n << 2), os, rows, lm, lsm, lsk, r + (<usize>n << 2), rs, K, mode, init + (<usize>n << 2));
    }
    if (n < N) {
      tileTail(om + (<usize>n << 2), os, rows, N - n, lm, lsm, lsk, r + (<usize>n << 2), rs, K, mode, init + (<usize>n << 2));
    }
  }
}

/**
 * One tile of gemmBlock: `rows` (1..4) rows valid, NV vectors of columns, the last one W lanes
 * wide (NV, W compile-time). Rows past the end repeat the last valid row (in bounds) and are
 * not stored.
 */
@inline function tileRows(o: usize, os: usize, rows: i32, l: usize, lsm: usize, lsk: usize,
  r: usize, rs: usize, K: i32, mode: i32, init: usize, NV: i32, W: i32): void {
  const o1 = rows > 1 ? o + os : o;
  const o2 = rows > 2 ? o1 + os : o1;
  const o3 = rows > 3 ? o2 + os : o2;
  const l1 = rows > 1 ? l + lsm : l;
  const l2 = rows > 2 ? l1 + lsm : l1;
  const l3 = rows > 3 ? l2 + lsm : l2;
  tile4x8(o, o1, o2, o3, rows, mode, init, l, l1, l2, l3, lsk, false, r, rs, K, NV, W);
}

/** 4 rows × 8 full columns. */
function tile8(o: usize, os: usize, rows: i32, l: usize, lsm: usize, lsk: usize,
  r: usize, rs: usize, K: i32, mode: i32, init: usize): void {
  tileRows(o, os, rows, l, lsm, lsk, r, rs, K, mode, init, 2, 4);
}

/** 4 rows × the last 1..7 (`cols`) columns. */
function tileTail(o: usize, os: usize, rows: i32, cols: i32, l: usize, lsm: usize, lsk: usize,
  r: usize, rs: usize, K: i32, mode: i32, init: usize): void {
  switch (cols) {
    case 1: tileRows(o, os, rows, l, lsm, lsk, r, rs, K, mode, init, 1, 1); break;
    case 2: tileRows(o, os, rows, l, lsm, lsk, r, rs, K, mode, init, 1, 2); break;
    case 3: tileRows(o, os, rows, l, lsm, lsk, r, rs, K, mode, init, 1, 3); break;
    case 4: tileRows(o, os, rows, l, lsm, lsk, r, rs, K, mode, init, 1, 4); break;
    case 5: tileRows(o, os, rows, l, lsm, lsk, r, rs, K, mode, init, 2, 1); break;
    case 6: tileRows(o, os, rows, l, lsm, lsk, r, rs, K, mode, init, 2, 2); break;
    case 7: tileRows(o, os, rows, l, lsm, lsk, r, rs, K, mode, init, 2, 3); break;
    default: break;
  }
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

/**
 * The transposed layout, for C = 1 (first layers): At[k][i] = A[p0+i][k], rows of `ld` floats.
 * For one k and one output row, the pixels' inputs x[b, ih, ow·SW−PL+kw, c] are a run through
 * x with stride SW·C (contiguous when SW·C = 1), so At is filled by long copies with a zero run
 * at either end, where the row-by-row layout would need KH short copies per pixel. The product
 * then splats At by pixel (forward) or by k (backward_filter).
 */
function im2colTBlock(at: usize, x: usize, g: usize, p0: i32, mb: i32, ld: i32): void {
  const H = geom(g, GEOM_H), W = geom(g, GEOM_W), C = geom(g, GEOM_C);
  const OH = geom(g, GEOM_OH), OW = geom(g, GEOM_OW);
  const KH = geom(g, GEOM_KH), KW = geom(g, GEOM_KW), SH = geom(g, GEOM_SH), SW = geom(g, GEOM_SW);
  const PT = geom(g, GEOM_PT), PL = geom(g, GEOM_PL);
  const step = SW * C;
  let b = p0 / (OH * OW);
  let oh = (p0 - b * OH * OW) / OW;
  let ow = p0 - (b * OH + oh) * OW;
  let i = 0;
  while (i < mb) {
    // Pixels i .. i+len−1 of the block are ow .. ow1−1 of output row (b, oh).
    const len = imin(OW - ow, mb - i);
    const ow1 = ow + len;
    for (let kh = 0; kh < KH; kh++) {
      const ih = oh * SH - PT + kh;
      const rowInside = ih >= 0 && ih < H;
      for (let kw = 0; kw < KW; kw++) {
        // Output columns whose tap kw lands inside the input: ow·SW − PL + kw ∈ [0, W).
        const t = PL - kw, u = W - 1 + PL - kw;
        let owA = imax(ow, t <= 0 ? 0 : (t + SW - 1) / SW);
        let owB = imin(ow1, u < 0 ? 0 : u / SW + 1);
        if (!rowInside) { owA = ow1; owB = ow1; }
        if (owB < owA) owB = owA;
        for (let c = 0; c < C; c++) {
          const dst = f32At(at, ((kh * KW + kw) * C + c) * ld + i);
          zeroF32(dst, owA - ow);
          if (owB > owA) {
            const src = f32At(x, ((b * H + ih) * W + owA * SW - PL + kw) * C + c);
            const d = f32At(dst, owA - ow);
            if (step == 1) {
              copyF32(d, src, owB - owA);
            } else {
              for (let j = 0; j < owB - owA; j++) store<f32>(f32At(d, j), load<f32>(f32At(src, j * step)));
            }
          }
          zeroF32(f32At(dst, owB - ow), ow1 - owB);
        }
      }
    }
    i += len;
    ow = ow1;
    if (ow == OW) { ow = 0; if (++oh == OH) { oh = 0; b++; } }
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
  conv2d_forward_act_simd(y, x, w, bias, g, scratch, 0);
}

/**
 * conv2d_forward, then the activation `act` (0 linear, 1 relu) on the output: in the direct
 * kernel while the tile is in registers, on the im2col path over each block's output rows
 * right after its product (still in cache). Either way the same f32x4.max(z, 0) that
 * relu_forward applies to the same z, so the result equals forward + relu_forward bit for bit.
 */
export function conv2d_forward_act_simd(y: usize, x: usize, w: usize, bias: usize, g: usize, scratch: usize, act: i32): void {
  if (directApplies(g)) { conv2d_forward_direct(y, x, w, bias, g, scratch, act); return; }
  if (implicitApplies(g)) { conv2d_forward_implicit(y, x, w, bias, g, scratch, act); return; }
  const C = geom(g, GEOM_C), OC = geom(g, GEOM_OC);
  const K = geom(g, GEOM_KH) * geom(g, GEOM_KW) * C;
  const Kp = roundUp4(K), OCp = roundUp4(OC);
  const M = geom(g, GEOM_B) * geom(g, GEOM_OH) * geom(g, GEOM_OW);
  const MB = blockRows(g);
  const wp = scratch;
  const bp = f32At(wp, OCp * Kp);
  const a = f32At(bp, OCp);
  packWeightsAndBias(wp, bp, w, bias, K, OC);
  for (let p0 = 0; p0 < M; p0 += MB) {
    const mb = imin(MB, M - p0);
    if (C == 1) {
      // At [K][MB]: L(pixel i, k) at a + 4i + 4·MB·k.
      im2colTBlock(a, x, g, p0, mb, MB);
      gemmBlock(f32At(y, p0 * OC), <usize>OC << 2, OC, a, 4, <usize>MB << 2, wp, <usize>OCp << 2, mb, K, START_ROW, bp);
    } else {
      // A [MB][Kp]: L(pixel i, k) at a + 4·Kp·i + 4k.
      im2colBlock(a, x, g, p0, mb, Kp);
      gemmBlock(f32At(y, p0 * OC), <usize>OC << 2, OC, a, <usize>Kp << 2, 4, wp, <usize>OCp << 2, mb, K, START_ROW, bp);
    }
    if (act == ACT_RELU) reluInPlace(f32At(y, p0 * OC), mb * OC);
  }
}

export function conv2d_backward_input_simd(dx: usize, dy: usize, w: usize, g: usize, scratch: usize): void {
  if (lanesInputApplies(g)) { conv2d_backward_input_lanes(dx, dy, w, g, scratch); return; }
  if (directInputApplies(g)) { conv2d_backward_input_direct(dx, dy, w, g, scratch); return; }
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
    gemmBlock(d, <usize>Kp << 2, Kp, f32At(dy, p0 * OC), <usize>OC << 2, 4, wt, <usize>Kp << 2, mb, OC, START_ZERO, 0);
    col2imBlock(dx, d, g, p0, mb, Kp);
  }
}

export function conv2d_backward_filter_simd(dw: usize, db: usize, dy: usize, x: usize, g: usize, scratch: usize): void {
  if (directApplies(g)) { conv2d_backward_filter_direct(dw, db, dy, x, g, scratch); return; }
  if (implicitApplies(g)) { conv2d_backward_filter_implicit(dw, db, dy, x, g, scratch); return; }
  const C = geom(g, GEOM_C), OC = geom(g, GEOM_OC);
  const K = geom(g, GEOM_KH) * geom(g, GEOM_KW) * C;
  const Kp = roundUp4(K), OCp = roundUp4(OC);
  const M = geom(g, GEOM_B) * geom(g, GEOM_OH) * geom(g, GEOM_OW);
  const MB = blockRows(g);
  const dwp = scratch;
  const a = f32At(dwp, OCp * Kp + OCp);
  const dyp = f32At(a, MB * Kp);
  zeroF32(dwp, K * OCp);
  for (let p0 = 0; p0 < M; p0 += MB) {
    const mb = imin(MB, M - p0);
    // L(k, pixel i) = A[i][k]: at a + 4k + 4·Kp·i (rows), or a + 4·MB·k + 4i (transposed, C = 1).
    let lsm: usize = 4, lsk = <usize>Kp << 2;
    if (C == 1) {
      im2colTBlock(a, x, g, p0, mb, MB);
      lsm = <usize>MB << 2;
      lsk = 4;
    } else {
      im2colBlock(a, x, g, p0, mb, Kp);
    }
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
    // dWp[k][oc] += Σ_{i<mb} A[i][k] · dy[p0+i][oc]: rows are k, the reduction runs down the
    // block's pixels (one row of r per pixel).
    gemmBlock(dwp, <usize>OCp << 2, OCp, a, lsm, lsk, r, rs, K, mb, START_C, 0);
  }
  for (let k = 0; k < K; k++) addF32(f32At(dw, k * OC), f32At(dwp, k * OCp), OC);
  if (db != 0) sumRowsInto(db, dy, M, OC);
}
