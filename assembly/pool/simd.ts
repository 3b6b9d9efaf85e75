// 2-D pooling, SIMD variant: four channels per f32x4 (C is contiguous in NHWC).
//
// Same formulas, layouts, window clipping and read/write/overwrite rules as pool/naive.ts
// (read its header). Every kernel here loops over outputs and window positions in the
// same order as the naive one and only spreads the channel loop over four lanes, so each
// lane performs exactly the naive sequence of IEEE operations: results are bit-identical
// to the naive build, including the overlapping-window accumulations of avgpool backward.
//
// maxpool2d_forward: running max per lane with f32x4.gt (strict, so the first maximum in
//   (h, w) order wins ties) and v128.bitselect to carry both the value and its i32 index
//   (skipped when argmax = 0). A whole 2 × 2 window with C ≥ 4 is unrolled (max2x2Block4).
// maxpool2d_backward: the naive kernel (memory.fill, then one scalar scatter-add per output).
//   The vector alternative, adding each output's dy over its whole window with lanes masked
//   by (argmax == flat index), costs KH·KW vector read-modify-writes per four outputs instead
//   of four scalar ones; measured at LeNet sizes (B=32; 24x24x6, 28x28x6 and 8x8x16; 2x2/s2)
//   it ran at 0.4-0.5x the speed of the scalar scatter, so the scatter stays.
// avgpool2d_*: the naive sums, four channels at a time.
// Tails (C % 4 channels left at each output position):
//   forward kernels with C ≥ 4 redo the LAST four channels, C − 4 .. C − 1, as one more vector
//   (overlapping the previous block). Each channel's result depends only on that channel, so
//   the overlapped lanes store exactly the bits already there; for LeNet's C = 6 this is two
//   vectors instead of one vector and two scalar passes. C < 4, and avgpool backward (which
//   accumulates, so must not add twice), use the naive scalar loop body.
import { f32At } from "../util/ptr";
import { maxpool2d_backward_naive } from "./naive";
import { geom, GEOM_B, GEOM_H, GEOM_W, GEOM_C, GEOM_OH, GEOM_OW, GEOM_KH, GEOM_KW, GEOM_SH, GEOM_SW, GEOM_PT, GEOM_PL } from "../abi";

/** Max over the window [hs, he) × [ws, we) for channels c..c+3 of one output position. */
@inline function maxBlock4(y: usize, argmax: usize, xb: usize, o: i32, c: i32,
  hs: i32, he: i32, ws: i32, we: i32, W: i32, C: i32, withArg: bool): void {
  const lane = i32x4(0, 1, 2, 3);
  // Start from the first in-bounds element (as the naive bi < 0 case does).
  const first = (hs * W + ws) * C + c;
  let best = v128.load(f32At(xb, first));
  let bi = i32x4.add(i32x4.splat(first), lane);
  for (let h = hs; h < he; h++) {
    for (let w = ws; w < we; w++) {
      const i = (h * W + w) * C + c;
      const v = v128.load(f32At(xb, i));
      const m = f32x4.gt(v, best);
      best = v128.bitselect(v, best, m);
      if (withArg) bi = v128.bitselect(i32x4.add(i32x4.splat(i), lane), bi, m);
    }
  }
  v128.store(f32At(y, o + c), best);
  if (withArg) v128.store(f32At(argmax, o + c), bi);
}

/**
 * maxBlock4 for a whole 2 × 2 window (no clipping): the same comparisons in the same (h, w)
 * order, unrolled (the first element starts the max, so its compare with itself is dropped; it
 * would select nothing). The loops' bounds and branches cost more than the four compares.
 */
@inline function max2x2Block4(y: usize, argmax: usize, xb: usize, o: i32, c: i32,
  hs: i32, ws: i32, W: i32, C: i32, withArg: bool): void {
  const lane = i32x4(0, 1, 2, 3);
  const i0 = (hs * W + ws) * C + c, i1 = i0 + C, i2 = i0 + W * C, i3 = i2 + C;
  let best = v128.load(f32At(xb, i0));
  let bi = i32x4.add(i32x4.splat(i0), lane);
  let v = v128.load(f32At(xb, i1));
  let m = f32x4.gt(v, best);
  best = v128.bitselect(v, best, m);
  if (withArg) bi = v128.bitselect(i32x4.add(i32x4.splat(i1), lane), bi, m);
  v = v128.load(f32At(xb, i2));
  m = f32x4.gt(v, best);
  best = v128.bitselect(v, best, m);
  if (withArg) bi = v128.bitselect(i32x4.add(i32x4.splat(i2), lane), bi, m);
  v = v128.load(f32At(xb, i3));
  m = f32x4.gt(v, best);
  best = v128.bitselect(v, best, m);
  if (withArg) bi = v128.bitselect(i32x4.add(i32x4.splat(i3), lane), bi, m);
  v128.store(f32At(y, o + c), best);
  if (withArg) v128.store(f32At(argmax, o + c), bi);
}

/** Mean over the window for channels c..c+3 of one output position. */
@inline function avgBlock4(y: usize, xb: usize, o: i32, c: i32,
  hs: i32, he: i32, ws: i32, we: i32, W: i32, C: i32, vcount: v128): void {
  let s = f32x4.splat(0);
  for (let h = hs; h < he; h++) {
    for (let w = ws; w < we; w++) s = f32x4.add(s, v128.load(f32At(xb, (h * W + w) * C + c)));
  }
  v128.store(f32At(y, o + c), f32x4.div(s, vcount));
}

export function maxpool2d_forward_simd(y: usize, argmax: usize, x: usize, g: usize): void {
  const B = geom(g, GEOM_B), H = geom(g, GEOM_H), W = geom(g, GEOM_W), C = geom(g, GEOM_C);
  const OH = geom(g, GEOM_OH), OW = geom(g, GEOM_OW), KH = geom(g, GEOM_KH), KW = geom(g, GEOM_KW);
  const SH = geom(g, GEOM_SH), SW = geom(g, GEOM_SW), PT = geom(g, GEOM_PT), PL = geom(g, GEOM_PL);
  let o = 0; // flat index of (b, oh, ow, c = 0) in y / argmax
  for (let b = 0; b < B; b++) {
    const xb = x + (<usize>(b * H * W * C) << 2);
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * SH - PT;
      const hs = max(h0, 0), he = min(h0 + KH, H);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * SW - PL;
        const ws = max(w0, 0), we = min(w0 + KW, W);
        let c = 0;
        if (KH == 2 && KW == 2 && he - hs == 2 && we - ws == 2 && C >= 4) {
          // The common 2 × 2 window, whole: unrolled, overlapped tail as below.
          if (argmax != 0) {
            for (; c + 4 <= C; c += 4) max2x2Block4(y, argmax, xb, o, c, hs, ws, W, C, true);
            if (c < C) max2x2Block4(y, argmax, xb, o, C - 4, hs, ws, W, C, true);
          } else {
            for (; c + 4 <= C; c += 4) max2x2Block4(y, argmax, xb, o, c, hs, ws, W, C, false);
            if (c < C) max2x2Block4(y, argmax, xb, o, C - 4, hs, ws, W, C, false);
          }
          o += C;
          continue;
        }
        if (argmax != 0) {
          for (; c + 4 <= C; c += 4) maxBlock4(y, argmax, xb, o, c, hs, he, ws, we, W, C, true);
        } else {
          for (; c + 4 <= C; c += 4) maxBlock4(y, argmax, xb, o, c, hs, he, ws, we, W, C, false);
        }
        if (c < C) {
          if (C >= 4) {
            // overlapped tail, see header
            if (argmax != 0) maxBlock4(y, argmax, xb, o, C - 4, hs, he, ws, we, W, C, true);
            else maxBlock4(y, argmax, xb, o, C - 4, hs, he, ws, we, W, C, false);
          } else {
            for (; c < C; c++) {
              let best: f32 = -Infinity;
              let bi: i32 = -1;
              for (let h = hs; h < he; h++) {
                for (let w = ws; w < we; w++) {
                  const i = (h * W + w) * C + c;
                  const v = load<f32>(f32At(xb, i));
                  if (bi < 0 || v > best) { best = v; bi = i; }
                }
              }
              store<f32>(f32At(y, o + c), best);
              if (argmax != 0) store<i32>(f32At(argmax, o + c), bi);
            }
          }
        }
        o += C;
      }
    }
  }
}

export function maxpool2d_backward_simd(dx: usize, dy: usize, argmax: usize, g: usize): void {
  // Scalar scatter: see the header (masked vector adds measured 2-3x slower).
  maxpool2d_backward_naive(dx, dy, argmax, g);
}

export function avgpool2d_forward_simd(y: usize, x: usize, g: usize): void {
  const B = geom(g, GEOM_B), H = geom(g, GEOM_H), W = geom(g, GEOM_W), C = geom(g, GEOM_C);
  const OH = geom(g, GEOM_OH), OW = geom(g, GEOM_OW), KH = geom(g, GEOM_KH), KW = geom(g, GEOM_KW);
  const SH = geom(g, GEOM_SH), SW = geom(g, GEOM_SW), PT = geom(g, GEOM_PT), PL = geom(g, GEOM_PL);
  let o = 0;
  for (let b = 0; b < B; b++) {
    const xb = x + (<usize>(b * H * W * C) << 2);
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * SH - PT;
      const hs = max(h0, 0), he = min(h0 + KH, H);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * SW - PL;
        const ws = max(w0, 0), we = min(w0 + KW, W);
        const count = <f32>((he - hs) * (we - ws));
        const vcount = f32x4.splat(count);
        let c = 0;
        for (; c + 4 <= C; c += 4) avgBlock4(y, xb, o, c, hs, he, ws, we, W, C, vcount);
        if (c < C) {
          if (C >= 4) {
            avgBlock4(y, xb, o, C - 4, hs, he, ws, we, W, C, vcount); // overlapped tail
          } else {
            for (; c < C; c++) {
              let s: f32 = 0;
              for (let h = hs; h < he; h++) {
                for (let w = ws; w < we; w++) s += load<f32>(f32At(xb, (h * W + w) * C + c));
              }
              store<f32>(f32At(y, o + c), s / count);
            }
          }
        }
        o += C;
      }
    }
  }
}

export function avgpool2d_backward_simd(dx: usize, dy: usize, g: usize): void {
  const B = geom(g, GEOM_B), H = geom(g, GEOM_H), W = geom(g, GEOM_W), C = geom(g, GEOM_C);
  const OH = geom(g, GEOM_OH), OW = geom(g, GEOM_OW), KH = geom(g, GEOM_KH), KW = geom(g, GEOM_KW);
  const SH = geom(g, GEOM_SH), SW = geom(g, GEOM_SW), PT = geom(g, GEOM_PT), PL = geom(g, GEOM_PL);
  memory.fill(dx, 0, <usize>(B * H * W * C) << 2);
  let o = 0;
  for (let b = 0; b < B; b++) {
    const dxb = dx + (<usize>(b * H * W * C) << 2);
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * SH - PT;
      const hs = max(h0, 0), he = min(h0 + KH, H);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * SW - PL;
        const ws = max(w0, 0), we = min(w0 + KW, W);
        const count = <f32>((he - hs) * (we - ws));
        const vcount = f32x4.splat(count);
        let c = 0;
        for (; c + 4 <= C; c += 4) {
          const share = f32x4.div(v128.load(f32At(dy, o + c)), vcount);
          for (let h = hs; h < he; h++) {
            for (let w = ws; w < we; w++) {
              const p = f32At(dxb, (h * W + w) * C + c);
              v128.store(p, f32x4.add(v128.load(p), share));
            }
          }
        }
        for (; c < C; c++) {
          const share = load<f32>(f32At(dy, o + c)) / count;
          for (let h = hs; h < he; h++) {
            for (let w = ws; w < we; w++) {
              const p = f32At(dxb, (h * W + w) * C + c);
              store<f32>(p, load<f32>(p) + share);
            }
          }
        }
        o += C;
      }
    }
  }
}
