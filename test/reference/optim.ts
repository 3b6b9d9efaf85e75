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
