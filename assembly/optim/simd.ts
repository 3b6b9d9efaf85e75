// Optimizer updates, SIMD variant: four parameters per f32x4, naive loop for the n % 4 tail.
// Same formulas and in-place rules as optim/naive.ts (read its header). Every lane performs
// the naive sequence of IEEE operations in the same order (f32x4.mul/add/sub, and f32x4.div
// and f32x4.sqrt, which are correctly rounded exactly like f32.div and f32.sqrt; no FMA), so
// the result is bit-identical to the naive build. The one reduction, grad_sumsq, is not: it
// keeps four f64 partial sums (lanes 0..3 of the f32x4 loads, two f64x2 accumulators), added
// ((0 + 1) + (2 + 3)) + tail at the end, so it differs from the naive left-to-right sum by
// f64 rounding only (relative ~n·2^-53). It depends on n alone, never on threads.
import { f32At } from "../util/ptr";
import { sgd_update_naive, momentum_update_naive, adam_update_naive, nesterov_update_naive, adamw_update_naive, rmsprop_update_naive, grad_sumsq_naive } from "./naive";

export function sgd_update_simd(w: usize, g: usize, n: i32, lr: f32, wd: f32): void {
  const vlr = f32x4.splat(lr), vwd = f32x4.splat(wd);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const pw = f32At(w, i);
    const wi = v128.load(pw);
    const gg = f32x4.add(v128.load(f32At(g, i)), f32x4.mul(vwd, wi));
    v128.store(pw, f32x4.sub(wi, f32x4.mul(vlr, gg)));
  }
  sgd_update_naive(f32At(w, i), f32At(g, i), n - i, lr, wd);
}

export function momentum_update_simd(w: usize, v: usize, g: usize, n: i32, lr: f32, mu: f32, wd: f32): void {
  const vlr = f32x4.splat(lr), vmu = f32x4.splat(mu), vwd = f32x4.splat(wd);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const pw = f32At(w, i), pv = f32At(v, i);
    const wi = v128.load(pw);
    const gg = f32x4.add(v128.load(f32At(g, i)), f32x4.mul(vwd, wi));
    const vi = f32x4.sub(f32x4.mul(vmu, v128.load(pv)), f32x4.mul(vlr, gg));
    v128.store(pv, vi);
    v128.store(pw, f32x4.add(wi, vi));
  }
  momentum_update_naive(f32At(w, i), f32At(v, i), f32At(g, i), n - i, lr, mu, wd);
}

/** Four lanes of adamStep (optim/naive.ts), the same operations in the same order. */
@inline function adamStep4(pw: usize, pm: usize, pv: usize, wi: v128, gg: v128, vlr: v128, vb1: v128, vb2: v128, vc1: v128, vc2: v128, veps: v128, vbc1: v128, vbc2: v128): void {
  const mi = f32x4.add(f32x4.mul(vb1, v128.load(pm)), f32x4.mul(vc1, gg));
  const vi = f32x4.add(f32x4.mul(vb2, v128.load(pv)), f32x4.mul(vc2, f32x4.mul(gg, gg)));
  v128.store(pm, mi);
  v128.store(pv, vi);
  v128.store(pw, f32x4.sub(wi, f32x4.div(f32x4.mul(vlr, f32x4.div(mi, vbc1)), f32x4.add(f32x4.sqrt(f32x4.div(vi, vbc2)), veps))));
}

export function adam_update_simd(w: usize, m: usize, v: usize, g: usize, n: i32, lr: f32, b1: f32, b2: f32, eps: f32, bc1: f32, bc2: f32, wd: f32): void {
  const c1: f32 = <f32>1 - b1, c2: f32 = <f32>1 - b2;
  const vlr = f32x4.splat(lr), vb1 = f32x4.splat(b1), vb2 = f32x4.splat(b2), vc1 = f32x4.splat(c1), vc2 = f32x4.splat(c2);
  const veps = f32x4.splat(eps), vbc1 = f32x4.splat(bc1), vbc2 = f32x4.splat(bc2), vwd = f32x4.splat(wd);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const pw = f32At(w, i), pm = f32At(m, i), pv = f32At(v, i);
    const wi = v128.load(pw);
    adamStep4(pw, pm, pv, wi, f32x4.add(v128.load(f32At(g, i)), f32x4.mul(vwd, wi)), vlr, vb1, vb2, vc1, vc2, veps, vbc1, vbc2);
  }
  adam_update_naive(f32At(w, i), f32At(m, i), f32At(v, i), f32At(g, i), n - i, lr, b1, b2, eps, bc1, bc2, wd);
}

export function nesterov_update_simd(w: usize, v: usize, g: usize, n: i32, lr: f32, mu: f32, wd: f32): void {
  const vlr = f32x4.splat(lr), vmu = f32x4.splat(mu), vwd = f32x4.splat(wd);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const pw = f32At(w, i), pv = f32At(v, i);
    const wi = v128.load(pw);
    const gg = f32x4.add(v128.load(f32At(g, i)), f32x4.mul(vwd, wi));
    const lg = f32x4.mul(vlr, gg);
    const vi = f32x4.sub(f32x4.mul(vmu, v128.load(pv)), lg);
    v128.store(pv, vi);
    v128.store(pw, f32x4.add(wi, f32x4.sub(f32x4.mul(vmu, vi), lg)));
  }
  nesterov_update_naive(f32At(w, i), f32At(v, i), f32At(g, i), n - i, lr, mu, wd);
}

export function adamw_update_simd(w: usize, m: usize, v: usize, g: usize, n: i32, lr: f32, b1: f32, b2: f32, eps: f32, bc1: f32, bc2: f32, wd: f32): void {
  const c1: f32 = <f32>1 - b1, c2: f32 = <f32>1 - b2, d: f32 = <f32>1 - lr * wd;
  const vlr = f32x4.splat(lr), vb1 = f32x4.splat(b1), vb2 = f32x4.splat(b2), vc1 = f32x4.splat(c1), vc2 = f32x4.splat(c2);
  const veps = f32x4.splat(eps), vbc1 = f32x4.splat(bc1), vbc2 = f32x4.splat(bc2), vd = f32x4.splat(d);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const pw = f32At(w, i), pm = f32At(m, i), pv = f32At(v, i);
    adamStep4(pw, pm, pv, f32x4.mul(v128.load(pw), vd), v128.load(f32At(g, i)), vlr, vb1, vb2, vc1, vc2, veps, vbc1, vbc2);
  }
  adamw_update_naive(f32At(w, i), f32At(m, i), f32At(v, i), f32At(g, i), n - i, lr, b1, b2, eps, bc1, bc2, wd);
}

export function rmsprop_update_simd(w: usize, v: usize, b: usize, g: usize, n: i32, lr: f32, rho: f32, eps: f32, mu: f32, wd: f32): void {
  const c: f32 = <f32>1 - rho;
  const vlr = f32x4.splat(lr), vrho = f32x4.splat(rho), vc = f32x4.splat(c), veps = f32x4.splat(eps);
  const vmu = f32x4.splat(mu), vwd = f32x4.splat(wd);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const pw = f32At(w, i), pv = f32At(v, i);
    const wi = v128.load(pw);
    const gg = f32x4.add(v128.load(f32At(g, i)), f32x4.mul(vwd, wi));
    const vi = f32x4.add(f32x4.mul(vrho, v128.load(pv)), f32x4.mul(vc, f32x4.mul(gg, gg)));
    v128.store(pv, vi);
    const d = f32x4.add(f32x4.sqrt(vi), veps);
    if (b != 0) {
      const pb = f32At(b, i);
      const bi = f32x4.add(f32x4.mul(vmu, v128.load(pb)), f32x4.div(gg, d));
      v128.store(pb, bi);
      v128.store(pw, f32x4.sub(wi, f32x4.mul(vlr, bi)));
    } else {
      v128.store(pw, f32x4.sub(wi, f32x4.mul(vlr, f32x4.div(gg, d))));
    }
  }
  rmsprop_update_naive(f32At(w, i), f32At(v, i), b == 0 ? 0 : f32At(b, i), f32At(g, i), n - i, lr, rho, eps, mu, wd);
}

export function grad_sumsq_simd(g: usize, n: i32): f64 {
  let a01 = f64x2.splat(0), a23 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const x = v128.load(f32At(g, i));
    const lo = f64x2.promote_low_f32x4(x);
    const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 0, 1));
    a01 = f64x2.add(a01, f64x2.mul(lo, lo));
    a23 = f64x2.add(a23, f64x2.mul(hi, hi));
  }
  const s = (f64x2.extract_lane(a01, 0) + f64x2.extract_lane(a01, 1)) + (f64x2.extract_lane(a23, 0) + f64x2.extract_lane(a23, 1));
  return s + grad_sumsq_naive(f32At(g, i), n - i);
}
