// 2-D pooling, naive variant: the plain loop nest from the definition.
//
// Layouts: x [B][H][W][C] and dx likewise (NHWC); y, dy and argmax [B][OH][OW][C].
// Geometry from the Geom2d struct at g (B H W C OH OW KH KW SH SW PT PL; OC ignored,
// it must equal C). The window of output (oh, ow) covers input rows
//   h in [oh·SH − PT, oh·SH − PT + KH) ∩ [0, H)      (columns likewise with SW, PL, KW, W)
// i.e. windows are CLIPPED to the input: padding never contributes a value.
// Precondition (windowGeom guarantees it): every window overlaps the input.
//
// maxpool2d_forward(y, argmax, x, g)
//   y[b,oh,ow,c] = max over the window of x[b,h,w,c]
//   argmax[b,oh,ow,c] = h·W·C + w·C + c of that max (i32, within the sample); the first
//   maximum in (h, w) scan order wins ties. Writes y and argmax; reads x. argmax = 0 (inference,
//   nothing to backpropagate): writes y only, the same values.
//   (An empty window, impossible under the precondition, would give y = −inf, argmax = −1.)
// maxpool2d_backward(dx, dy, argmax, g)
//   dx = 0, then dx[b, argmax[b,o,c]] += dy[b,o,c] for every output, in output order
//   (overlapping windows add up). Overwrites dx; reads dy, argmax. Negative argmax skipped.
// avgpool2d_forward(y, x, g)
//   y = (Σ_window x, summed in (h, w) order from 0) / count, count = in-bounds elements
//   (TensorFlow 'same' convention). Writes y; reads x.
// avgpool2d_backward(dx, dy, g)
//   dx = 0, then for every output in order, dx[h,w,c] += dy / count over its window.
//   Overwrites dx; reads dy.
//
// No tails: this is the scalar reference the SIMD twin (pool/simd.ts) is tested against.
import { f32At } from "../util/ptr";
import { geom, GEOM_B, GEOM_H, GEOM_W, GEOM_C, GEOM_OH, GEOM_OW, GEOM_KH, GEOM_KW, GEOM_SH, GEOM_SW, GEOM_PT, GEOM_PL } from "../abi";

export function maxpool2d_forward_naive(y: usize, argmax: usize, x: usize, g: usize): void {
  const B = geom(g, GEOM_B), H = geom(g, GEOM_H), W = geom(g, GEOM_W), C = geom(g, GEOM_C);
  const OH = geom(g, GEOM_OH), OW = geom(g, GEOM_OW), KH = geom(g, GEOM_KH), KW = geom(g, GEOM_KW);
  const SH = geom(g, GEOM_SH), SW = geom(g, GEOM_SW), PT = geom(g, GEOM_PT), PL = geom(g, GEOM_PL);
  let o = 0; // flat output index over [B][OH][OW][C]
  for (let b = 0; b < B; b++) {
    const xb = x + (<usize>(b * H * W * C) << 2);
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * SH - PT;
      const hs = max(h0, 0), he = min(h0 + KH, H);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * SW - PL;
        const ws = max(w0, 0), we = min(w0 + KW, W);
        for (let c = 0; c < C; c++) {
          let best: f32 = -Infinity;
          let bi: i32 = -1;
          for (let h = hs; h < he; h++) {
            for (let w = ws; w < we; w++) {
              const i = (h * W + w) * C + c;
              const v = load<f32>(f32At(xb, i));
              if (bi < 0 || v > best) { best = v; bi = i; }
            }
          }
          store<f32>(f32At(y, o), best);
          if (argmax != 0) store<i32>(f32At(argmax, o), bi);
          o++;
        }
      }
    }
  }
}

export function maxpool2d_backward_naive(dx: usize, dy: usize, argmax: usize, g: usize): void {
  const B = geom(g, GEOM_B), H = geom(g, GEOM_H), W = geom(g, GEOM_W), C = geom(g, GEOM_C);
  const OH = geom(g, GEOM_OH), OW = geom(g, GEOM_OW);
  const HWC = H * W * C, per = OH * OW * C;
  memory.fill(dx, 0, <usize>(B * HWC) << 2);
  for (let b = 0; b < B; b++) {
    const dxb = dx + (<usize>(b * HWC) << 2);
    for (let j = 0; j < per; j++) {
      const o = b * per + j;
      const a = load<i32>(f32At(argmax, o));
      if (a < 0) continue;
      const p = f32At(dxb, a);
      store<f32>(p, load<f32>(p) + load<f32>(f32At(dy, o)));
    }
  }
}

export function avgpool2d_forward_naive(y: usize, x: usize, g: usize): void {
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
        for (let c = 0; c < C; c++) {
          let s: f32 = 0;
          for (let h = hs; h < he; h++) {
            for (let w = ws; w < we; w++) s += load<f32>(f32At(xb, (h * W + w) * C + c));
          }
          store<f32>(f32At(y, o), s / count);
          o++;
        }
      }
    }
  }
}

export function avgpool2d_backward_naive(dx: usize, dy: usize, g: usize): void {
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
        for (let c = 0; c < C; c++) {
          const share = load<f32>(f32At(dy, o)) / count;
          for (let h = hs; h < he; h++) {
            for (let w = ws; w < we; w++) {
              const p = f32At(dxb, (h * W + w) * C + c);
              store<f32>(p, load<f32>(p) + share);
            }
          }
          o++;
        }
      }
    }
  }
}
