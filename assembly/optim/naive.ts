// Optimizer updates over a flat range of n parameters, naive variant: one scalar loop each.
// w, g (and v, m) are f32[n]; lr, wd, mu, b1, b2, eps, bc1, bc2 are f32 scalars computed
// once per step in TypeScript (bc1 = 1 − b1^t, bc2 = 1 − b2^t).
//
//   sgd_update       gg = g + wd·w;  w = w − lr·gg
//   momentum_update  gg = g + wd·w;  v = mu·v − lr·gg;  w = w + v        (Keras / classic form)
//   adam_update      gg = g + wd·w
//                    m = b1·m + (1 − b1)·gg
//                    v = b2·v + (1 − b2)·(gg·gg)
//                    w = w − (lr·(m / bc1)) / (sqrt(v / bc2) + eps)   (eps outside the sqrt)
//   nesterov_update  gg = g + wd·w;  v = mu·v − lr·gg;  w = w + (mu·v − lr·gg)  (Keras nesterov, new v)
//   adamw_update     d = 1 − lr·wd (once per call);  w' = w·d  (decoupled decay, PyTorch AdamW),
//                    then adam_update's m, v and step with gg = g (no decay in the gradient)
//   rmsprop_update   gg = g + wd·w;  v = rho·v + (1 − rho)·(gg·gg);  d = sqrt(v) + eps
//                    with a momentum buffer (mom ≠ 0):  b = mu·b + gg / d;  w = w − lr·b
//                    without (mom = 0, absent):         w = w − lr·(gg / d)     (PyTorch RMSprop)
//   grad_sumsq       returns Σ g[i]² in f64: each g[i] is promoted to f64 first, so every square
//                    is exact and only the additions round (left to right here)
//
// Updates w, v, m (and b) in place; reads g. grad_sumsq only reads. Each parenthesised step is one f32 IEEE operation, in
// exactly this order, and (1 − b1), (1 − b2) are rounded once per call: optim/simd.ts does
// the same operations lane by lane, so both builds produce bit-identical parameters.
// wd = 0 adds 0·w, which leaves gg = g for every finite w.
import { f32At } from "../util/ptr";

export function sgd_update_naive(w: usize, g: usize, n: i32, lr: f32, wd: f32): void {
  for (let i = 0; i < n; i++) {
    const pw = f32At(w, i);
    const wi = load<f32>(pw);
    const gg = load<f32>(f32At(g, i)) + wd * wi;
    store<f32>(pw, wi - lr * gg);
  }
}

export function momentum_update_naive(w: usize, v: usize, g: usize, n: i32, lr: f32, mu: f32, wd: f32): void {
  for (let i = 0; i < n; i++) {
    const pw = f32At(w, i), pv = f32At(v, i);
    const wi = load<f32>(pw);
    const gg = load<f32>(f32At(g, i)) + wd * wi;
    const vi = mu * load<f32>(pv) - lr * gg;
    store<f32>(pv, vi);
    store<f32>(pw, wi + vi);
  }
}

/**
 * Adam's moments and step for one parameter, shared by adam_update (gg = g + wd·w) and
 * adamw_update (wi already decayed, gg = g): m, v, then w = wi − (lr·(m/bc1)) / (sqrt(v/bc2) + eps).
 */
@inline function adamStep(pw: usize, pm: usize, pv: usize, wi: f32, gg: f32, lr: f32, b1: f32, b2: f32, c1: f32, c2: f32, eps: f32, bc1: f32, bc2: f32): void {
  const mi = b1 * load<f32>(pm) + c1 * gg;
  const vi = b2 * load<f32>(pv) + c2 * (gg * gg);
  store<f32>(pm, mi);
  store<f32>(pv, vi);
  store<f32>(pw, wi - (lr * (mi / bc1)) / (Mathf.sqrt(vi / bc2) + eps));
}

export function adam_update_naive(w: usize, m: usize, v: usize, g: usize, n: i32, lr: f32, b1: f32, b2: f32, eps: f32, bc1: f32, bc2: f32, wd: f32): void {
  const c1: f32 = <f32>1 - b1, c2: f32 = <f32>1 - b2;
  for (let i = 0; i < n; i++) {
    const pw = f32At(w, i), pm = f32At(m, i), pv = f32At(v, i);
    const wi = load<f32>(pw);
    adamStep(pw, pm, pv, wi, load<f32>(f32At(g, i)) + wd * wi, lr, b1, b2, c1, c2, eps, bc1, bc2);
  }
}

export function nesterov_update_naive(w: usize, v: usize, g: usize, n: i32, lr: f32, mu: f32, wd: f32): void {
  for (let i = 0; i < n; i++) {
    const pw = f32At(w, i), pv = f32At(v, i);
    const wi = load<f32>(pw);
    const gg = load<f32>(f32At(g, i)) + wd * wi;
    const vi = mu * load<f32>(pv) - lr * gg;
    store<f32>(pv, vi);
    store<f32>(pw, wi + (mu * vi - lr * gg));
  }
}

export function adamw_update_naive(w: usize, m: usize, v: usize, g: usize, n: i32, lr: f32, b1: f32, b2: f32, eps: f32, bc1: f32, bc2: f32, wd: f32): void {
  const c1: f32 = <f32>1 - b1, c2: f32 = <f32>1 - b2, d: f32 = <f32>1 - lr * wd;
  for (let i = 0; i < n; i++) {
    const pw = f32At(w, i), pm = f32At(m, i), pv = f32At(v, i);
    adamStep(pw, pm, pv, load<f32>(pw) * d, load<f32>(f32At(g, i)), lr, b1, b2, c1, c2, eps, bc1, bc2);
  }
}

export function rmsprop_update_naive(w: usize, v: usize, b: usize, g: usize, n: i32, lr: f32, rho: f32, eps: f32, mu: f32, wd: f32): void {
  const c: f32 = <f32>1 - rho;
  for (let i = 0; i < n; i++) {
    const pw = f32At(w, i), pv = f32At(v, i);
    const wi = load<f32>(pw);
    const gg = load<f32>(f32At(g, i)) + wd * wi;
    const vi = rho * load<f32>(pv) + c * (gg * gg);
    store<f32>(pv, vi);
    const d = Mathf.sqrt(vi) + eps;
    if (b != 0) {
      const pb = f32At(b, i);
      const bi = mu * load<f32>(pb) + gg / d;
      store<f32>(pb, bi);
      store<f32>(pw, wi - lr * bi);
    } else {
      store<f32>(pw, wi - lr * (gg / d));
    }
  }
}

export function grad_sumsq_naive(g: usize, n: i32): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const x = <f64>load<f32>(f32At(g, i));
    s += x * x;
  }
  return s;
}
