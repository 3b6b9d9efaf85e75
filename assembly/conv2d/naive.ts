// conv2d kernels, naive variant: the plain loop nests straight from the definition.
//
// Shapes (letters as in assembly/abi.ts, geometry read from the Geom2d struct at g):
//   x  [B][H][W][C]      NHWC input
//   w  [KH][KW][C][OC]   HWIO filter
//   b  [OC]              bias (pointer 0 = no bias)
//   y  [B][OH][OW][OC]   NHWC output
// Output pixel (oh, ow) with tap (kh, kw) reads input pixel
//   ih = oh·SH − PT + kh,  iw = ow·SW − PL + kw;
// a tap that falls outside [0,H)×[0,W) reads 0 (zero padding, any side, any amount).
//
//   forward:          y[b,oh,ow,oc]  = bias[oc] + Σ_{kh,kw,c} x[b,ih,iw,c]·w[kh,kw,c,oc]
//                     reads x, w, bias; OVERWRITES y.
//   forward_act:      forward, then y = max(y, 0) if act = 1 (relu), the inference path's fusion.
//   backward_input:   dx[b,ih,iw,c]  = Σ over (oh,ow,kh,kw) with oh·SH−PT+kh = ih and
//                     ow·SW−PL+kw = iw, and over oc, of dy[b,oh,ow,oc]·w[kh,kw,c,oc]
//                     reads dy, w; OVERWRITES every element of dx (dx is never 0).
//   backward_filter:  dw[kh,kw,c,oc] += Σ_{b,oh,ow} x[b,ih,iw,c]·dy[b,oh,ow,oc]
//                     db[oc]         += Σ_{b,oh,ow} dy[b,oh,ow,oc]   (skipped when db = 0)
//                     reads x, dy; ACCUMULATES into dw and db.
//
// Each output element is one f32 running sum in the loop order written below, added to
// the bias / the old dw or db value at the end. No scratch (conv2d_scratch_bytes_naive = 0);
// the `scratch` argument is ignored. No alignment assumptions, no tails: everything is scalar.

import { geom, GEOM_B, GEOM_H, GEOM_W, GEOM_C, GEOM_OH, GEOM_OW, GEOM_OC, GEOM_KH, GEOM_KW,
  GEOM_SH, GEOM_SW, GEOM_PT, GEOM_PL } from "../abi";
import { f32At } from "../util/ptr";

export function conv2d_scratch_bytes_naive(g: usize): i32 {
  return 0;
}

export function conv2d_forward_naive(y: usize, x: usize, w: usize, bias: usize, g: usize, scratch: usize): void {
  const B = geom(g, GEOM_B), H = geom(g, GEOM_H), W = geom(g, GEOM_W), C = geom(g, GEOM_C);
  const OH = geom(g, GEOM_OH), OW = geom(g, GEOM_OW), OC = geom(g, GEOM_OC);
  const KH = geom(g, GEOM_KH), KW = geom(g, GEOM_KW), SH = geom(g, GEOM_SH), SW = geom(g, GEOM_SW);
  const PT = geom(g, GEOM_PT), PL = geom(g, GEOM_PL);
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        for (let oc = 0; oc < OC; oc++) {
          let s: f32 = 0;
          for (let kh = 0; kh < KH; kh++) {
            const ih = oh * SH - PT + kh;
            if (ih < 0 || ih >= H) continue;
            for (let kw = 0; kw < KW; kw++) {
              const iw = ow * SW - PL + kw;
              if (iw < 0 || iw >= W) continue;
              for (let c = 0; c < C; c++) {
                const xv = load<f32>(f32At(x, ((b * H + ih) * W + iw) * C + c));
                const wv = load<f32>(f32At(w, ((kh * KW + kw) * C + c) * OC + oc));
                s += xv * wv;
              }
            }
          }
          if (bias != 0) s += load<f32>(f32At(bias, oc));
          store<f32>(f32At(y, ((b * OH + oh) * OW + ow) * OC + oc), s);
        }
      }
    }
  }
}

/**
 * conv2d_forward_naive, then y = max(y, 0) when act = 1 (relu; 0 = linear): relu_forward's
 * operation on the same values, so bit-identical to the two kernels one after the other.
 */
export function conv2d_forward_act_naive(y: usize, x: usize, w: usize, bias: usize, g: usize, scratch: usize, act: i32): void {
  conv2d_forward_naive(y, x, w, bias, g, scratch);
  if (act != 1) return;
  const n = geom(g, GEOM_B) * geom(g, GEOM_OH) * geom(g, GEOM_OW) * geom(g, GEOM_OC);
  for (let i = 0; i < n; i++) store<f32>(f32At(y, i), max<f32>(load<f32>(f32At(y, i)), 0));
}

export function conv2d_backward_input_naive(dx: usize, dy: usize, w: usize, g: usize, scratch: usize): void {
  const B = geom(g, GEOM_B), H = geom(g, GEOM_H), W = geom(g, GEOM_W), C = geom(g, GEOM_C);
  const OH = geom(g, GEOM_OH), OW = geom(g, GEOM_OW), OC = geom(g, GEOM_OC);
  const KH = geom(g, GEOM_KH), KW = geom(g, GEOM_KW), SH = geom(g, GEOM_SH), SW = geom(g, GEOM_SW);
  const PT = geom(g, GEOM_PT), PL = geom(g, GEOM_PL);
  for (let b = 0; b < B; b++) {
    for (let ih = 0; ih < H; ih++) {
      for (let iw = 0; iw < W; iw++) {
        for (let c = 0; c < C; c++) {
          let s: f32 = 0;
          for (let kh = 0; kh < KH; kh++) {
            // Which output row used input row ih through tap kh? oh·SH = ih + PT − kh.
            const th = ih + PT - kh;
            if (th < 0 || th % SH != 0) continue;
            const oh = th / SH;
            if (oh >= OH) continue;
            for (let kw = 0; kw < KW; kw++) {
              const tw = iw + PL - kw;
              if (tw < 0 || tw % SW != 0) continue;
              const ow = tw / SW;
              if (ow >= OW) continue;
              for (let oc = 0; oc < OC; oc++) {
                const dyv = load<f32>(f32At(dy, ((b * OH + oh) * OW + ow) * OC + oc));
                const wv = load<f32>(f32At(w, ((kh * KW + kw) * C + c) * OC + oc));
                s += dyv * wv;
              }
            }
          }
          store<f32>(f32At(dx, ((b * H + ih) * W + iw) * C + c), s);
        }
      }
    }
  }
}

export function conv2d_backward_filter_naive(dw: usize, db: usize, dy: usize, x: usize, g: usize, scratch: usize): void {
  const B = geom(g, GEOM_B), H = geom(g, GEOM_H), W = geom(g, GEOM_W), C = geom(g, GEOM_C);
  const OH = geom(g, GEOM_OH), OW = geom(g, GEOM_OW), OC = geom(g, GEOM_OC);
  const KH = geom(g, GEOM_KH), KW = geom(g, GEOM_KW), SH = geom(g, GEOM_SH), SW = geom(g, GEOM_SW);
  const PT = geom(g, GEOM_PT), PL = geom(g, GEOM_PL);
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      for (let c = 0; c < C; c++) {
        for (let oc = 0; oc < OC; oc++) {
          let s: f32 = 0;
          for (let b = 0; b < B; b++) {
            for (let oh = 0; oh < OH; oh++) {
              const ih = oh * SH - PT + kh;
              if (ih < 0 || ih >= H) continue;
              for (let ow = 0; ow < OW; ow++) {
                const iw = ow * SW - PL + kw;
                if (iw < 0 || iw >= W) continue;
                const xv = load<f32>(f32At(x, ((b * H + ih) * W + iw) * C + c));
                const dyv = load<f32>(f32At(dy, ((b * OH + oh) * OW + ow) * OC + oc));
                s += xv * dyv;
              }
            }
          }
          const p = f32At(dw, ((kh * KW + kw) * C + c) * OC + oc);
          store<f32>(p, load<f32>(p) + s);
        }
      }
    }
  }
  if (db == 0) return;
  for (let oc = 0; oc < OC; oc++) {
    let s: f32 = 0;
    for (let i = 0, n = B * OH * OW; i < n; i++) s += load<f32>(f32At(dy, i * OC + oc));
    const p = f32At(db, oc);
    store<f32>(p, load<f32>(p) + s);
  }
}
