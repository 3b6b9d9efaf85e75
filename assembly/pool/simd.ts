// 2-D pooling, SIMD variant: four channels per f32x4 (C is contiguous in NHWC).
//
// Same formulas, layouts, window clipping and read/write/overwrite rules as pool/naive.ts
// (read its header). Every kernel here loops over outputs and window positions in the
// same order as the naive one and only spreads the channel loop over four lanes, so each
// lane performs exactly the naive sequence of IEEE operations: results are bit-identical
// to the naive build, including the overlapping-window accumulations.
//
// maxpool2d_forward: running max per lane with f32x4.gt (strict, so the first maximum in
//   (h, w) order wins ties) and v128.bitselect to carry both the value and its i32 index.
// maxpool2d_backward: dx is zeroed, then each output's dy is added to its window, lane
//   masked by (argmax == flat index): the scatter becomes KH·KW masked vector adds per four
//   outputs instead of four scalar scatters (adding +0 leaves a lane unchanged: dx starts
//   at +0 and a sum of floats never becomes −0 in round-to-nearest unless both are −0).
// avgpool2d_*: the naive sums, four channels at a time.
// Tails: channels C − C % 4 .. C − 1 of each output position go through a scalar loop that
//   is the naive loop body (so C = 1, 3, 5, 13 all work).
import { f32At } from "../util/ptr";
import { geom, GEOM_B, GEOM_H, GEOM_W, GEOM_C, GEOM_OH, GEOM_OW, GEOM_KH, GEOM_KW, GEOM_SH, GEOM_SW, GEOM_PT, GEOM_PL } from "../abi";

export function maxpool2d_forward_simd(y: usize, argmax: usize, x: usize, g: usize): void {
  const B = geom(g, GEOM_B), H = geom(g, GEOM_H), W = geom(g, GEOM_W), C = geom(g, GEOM_C);
  const OH = geom(g, GEOM_OH), OW = geom(g, GEOM_OW), KH = geom(g, GEOM_KH), KW = geom(g, GEOM_KW);
  const SH = geom(g, GEOM_SH), SW = geom(g, GEOM_SW), PT = geom(g, GEOM_PT), PL = geom(g, GEOM_PL);
  const lane = i32x4(0, 1, 2, 3);
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
        for (; c + 4 <= C; c += 4) {
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
              bi = v128.bitselect(i32x4.add(i32x4.splat(i), lane), bi, m);
            }
          }
          v128.store(f32At(y, o + c), best);
          v128.store(f32At(argmax, o + c), bi);
        }
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
          store<i32>(f32At(argmax, o + c), bi);
        }
        o += C;
      }
    }
  }
}

export function maxpool2d_backward_simd(dx: usize, dy: usize, argmax: usize, g: usize): void {
  const B = geom(g, GEOM_B), H = geom(g, GEOM_H), W = geom(g, GEOM_W), C = geom(g, GEOM_C);
  const OH = geom(g, GEOM_OH), OW = geom(g, GEOM_OW), KH = geom(g, GEOM_KH), KW = geom(g, GEOM_KW);
  const SH = geom(g, GEOM_SH), SW = geom(g, GEOM_SW), PT = geom(g, GEOM_PT), PL = geom(g, GEOM_PL);
  memory.fill(dx, 0, <usize>(B * H * W * C) << 2);
  const lane = i32x4(0, 1, 2, 3);
  let o = 0;
  for (let b = 0; b < B; b++) {
    const dxb = dx + (<usize>(b * H * W * C) << 2);
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * SH - PT;
      const hs = max(h0, 0), he = min(h0 + KH, H);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * SW - PL;
        const ws = max(w0, 0), we = min(w0 + KW, W);
        let c = 0;
        for (; c + 4 <= C; c += 4) {
          const a = v128.load(f32At(argmax, o + c));
          const d = v128.load(f32At(dy, o + c));
          for (let h = hs; h < he; h++) {
            for (let w = ws; w < we; w++) {
              const i = (h * W + w) * C + c;
              const m = i32x4.eq(a, i32x4.add(i32x4.splat(i), lane));
              const p = f32At(dxb, i);
              v128.store(p, f32x4.add(v128.load(p), v128.and(d, m)));
            }
          }
        }
        for (; c < C; c++) {
          const a = load<i32>(f32At(argmax, o + c));
          if (a < 0) continue;
          const p = f32At(dxb, a);
          store<f32>(p, load<f32>(p) + load<f32>(f32At(dy, o + c)));
        }
        o += C;
      }
    }
  }
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
        for (; c + 4 <= C; c += 4) {
          let s = f32x4.splat(0);
          for (let h = hs; h < he; h++) {
            for (let w = ws; w < we; w++) s = f32x4.add(s, v128.load(f32At(xb, (h * W + w) * C + c)));
          }
          v128.store(f32At(y, o + c), f32x4.div(s, vcount));
        }
        for (; c < C; c++) {
          let s: f32 = 0;
          for (let h = hs; h < he; h++) {
            for (let w = ws; w < we; w++) s += load<f32>(f32At(xb, (h * W + w) * C + c));
          }
          store<f32>(f32At(y, o + c), s / count);
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
