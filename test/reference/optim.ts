// f64 reference for the optimizer updates, written for clarity. It does not import src/.
// Each function takes the current state (as numbers, usually the f32 values the kernel saw)
// and returns the new state; nothing is modified in place.

type Arr = ArrayLike<number>;

export function sgdRef(w: Arr, g: Arr, lr: number, wd: number): Float64Array {
  const out = new Float64Array(w.length);
  for (let i = 0; i < w.length; i++) out[i] = w[i]! - lr * (g[i]! + wd * w[i]!);
  return out;
}

/** Keras / classic momentum: v = mu·v − lr·(g + wd·w); w += v. */
export function momentumRef(w: Arr, v: Arr, g: Arr, lr: number, mu: number, wd: number): { w: Float64Array; v: Float64Array } {
  const nw = new Float64Array(w.length), nv = new Float64Array(w.length);
  for (let i = 0; i < w.length; i++) {
    nv[i] = mu * v[i]! - lr * (g[i]! + wd * w[i]!);
    nw[i] = w[i]! + nv[i]!;
  }
  return { w: nw, v: nv };
}

export interface AdamHyper { lr: number; b1: number; b2: number; eps: number; bc1: number; bc2: number; wd: number }

/** Adam (Kingma & Ba), bias-corrected with the given bc1 = 1 − b1^t, bc2 = 1 − b2^t, eps outside the sqrt. */
export function adamRef(w: Arr, m: Arr, v: Arr, g: Arr, h: AdamHyper): { w: Float64Array; m: Float64Array; v: Float64Array } {
  const n = w.length;
  const nw = new Float64Array(n), nm = new Float64Array(n), nv = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const gg = g[i]! + h.wd * w[i]!;
    nm[i] = h.b1 * m[i]! + (1 - h.b1) * gg;
    nv[i] = h.b2 * v[i]! + (1 - h.b2) * gg * gg;
    nw[i] = w[i]! - h.lr * (nm[i]! / h.bc1) / (Math.sqrt(nv[i]! / h.bc2) + h.eps);
  }
  return { w: nw, m: nm, v: nv };
}

/** Keras Nesterov momentum: v = mu·v − lr·(g + wd·w); w += mu·v − lr·(g + wd·w), with the new v. */
export function nesterovRef(w: Arr, v: Arr, g: Arr, lr: number, mu: number, wd: number): { w: Float64Array; v: Float64Array } {
  const nw = new Float64Array(w.length), nv = new Float64Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const gg = g[i]! + wd * w[i]!;
    nv[i] = mu * v[i]! - lr * gg;
    nw[i] = w[i]! + mu * nv[i]! - lr * gg;
  }
  return { w: nw, v: nv };
}

/** AdamW (PyTorch): w ← w·(1 − lr·wd), then Adam on the decayed w with the plain gradient. */
export function adamwRef(w: Arr, m: Arr, v: Arr, g: Arr, h: AdamHyper): { w: Float64Array; m: Float64Array; v: Float64Array } {
  const decayed = Array.from(w, (x) => x * (1 - h.lr * h.wd));
  return adamRef(decayed, m, v, g, { ...h, wd: 0 });
}

/** RMSProp (PyTorch form): v = rho·v + (1−rho)·gg²; with momentum b = mu·b + gg/(√v+eps), w −= lr·b; else w −= lr·gg/(√v+eps). */
export function rmspropRef(w: Arr, v: Arr, b: Arr | undefined, g: Arr, lr: number, rho: number, eps: number, mu: number, wd: number):
  { w: Float64Array; v: Float64Array; b?: Float64Array } {
  const n = w.length;
  const nw = new Float64Array(n), nv = new Float64Array(n), nb = b ? new Float64Array(n) : undefined;
  for (let i = 0; i < n; i++) {
    const gg = g[i]! + wd * w[i]!;
    nv[i] = rho * v[i]! + (1 - rho) * gg * gg;
    const d = Math.sqrt(nv[i]!) + eps;
    if (nb) {
      nb[i] = mu * b![i]! + gg / d;
      nw[i] = w[i]! - lr * nb[i]!;
    } else {
      nw[i] = w[i]! - lr * gg / d;
    }
  }
  return nb ? { w: nw, v: nv, b: nb } : { w: nw, v: nv };
}

/** Σ g² in f64, summed with Kahan compensation so it is the reference, not one more rounding order. */
export function sumsqRef(g: Arr): number {
  let s = 0, c = 0;
  for (let i = 0; i < g.length; i++) {
    const y = g[i]! * g[i]! - c;
    const t = s + y;
    c = (t - s) - y;
    s = t;
  }
  return s;
}
