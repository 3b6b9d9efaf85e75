// Plain f64 reference for the ops tests, written like the classic NumPy exercise: pad with
// zeros, then straight loops over (example, output row, output column, channel). It never
// imports src/ — padding sizes are computed here from their definitions, independently.
//
// Along with each result it returns, per output element, S = Σ|terms| and K = the number
// of terms summed, so a test can bound float32 rounding by K·2^-23·S (STYLE.md §6).

export interface Ref {
  data: Float64Array;
  shape: number[];
}

/** A reference result with its per-element error-bound ingredients. */
export interface RefWithBound extends Ref {
  /** Σ of |terms| that went into each element. */
  absSum: Float64Array;
  /** Number of rounded operations (terms) behind each element. */
  terms: Float64Array;
}

export interface Pads { top: number; bottom: number; left: number; right: number }

export type RefPadding = 'valid' | 'same' | number;

/** Padding on one axis: TF 'same' puts the odd extra unit after (bottom/right). */
export function padsFor(padding: RefPadding, size: number, k: number, s: number): [number, number] {
  if (padding === 'valid') return [0, 0];
  if (typeof padding === 'number') return [padding, padding];
  const out = Math.ceil(size / s);
  const total = Math.max(0, (out - 1) * s + k - size);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

export function pads2d(padding: RefPadding, h: number, w: number, kh: number, kw: number, sh: number, sw: number): Pads {
  const [top, bottom] = padsFor(padding, h, kh, sh);
  const [left, right] = padsFor(padding, w, kw, sw);
  return { top, bottom, left, right };
}

const idx4 = (s: number[], a: number, b: number, c: number, d: number) => ((a * s[1]! + b) * s[2]! + c) * s[3]! + d;

/** zero_pad: [m, h, w, c] → [m, h + top + bottom, w + left + right, c]. */
export function zeroPad(x: Ref, p: Pads): Ref {
  const [m, h, w, c] = x.shape as [number, number, number, number];
  const shape = [m, h + p.top + p.bottom, w + p.left + p.right, c];
  const data = new Float64Array(m * shape[1]! * shape[2]! * c);
  for (let i = 0; i < m; i++) {
    for (let r = 0; r < h; r++) {
      for (let q = 0; q < w; q++) {
        for (let ch = 0; ch < c; ch++) data[idx4(shape, i, r + p.top, q + p.left, ch)] = x.data[idx4(x.shape, i, r, q, ch)]!;
      }
    }
  }
  return { data, shape };
}

/** Z = conv(A_prev, W) + b over the padded input. W [kh, kw, c, oc], b [oc]. */
export function convForwardRef(A: Ref, W: Ref, b: ArrayLike<number>, p: Pads, sh: number, sw: number): RefWithBound {
  const [m, , , c] = A.shape as [number, number, number, number];
  const [kh, kw, , oc] = W.shape as [number, number, number, number];
  const P = zeroPad(A, p);
  const oh = Math.floor((P.shape[1]! - kh) / sh) + 1;
  const ow = Math.floor((P.shape[2]! - kw) / sw) + 1;
  const shape = [m, oh, ow, oc];
  const n = m * oh * ow * oc;
  const data = new Float64Array(n);
  const absSum = new Float64Array(n);
  const terms = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    for (let r = 0; r < oh; r++) {
      for (let q = 0; q < ow; q++) {
        for (let o = 0; o < oc; o++) {
          let z = b[o]!;
          let s = Math.abs(b[o]!);
          for (let u = 0; u < kh; u++) {
            for (let v = 0; v < kw; v++) {
              for (let ch = 0; ch < c; ch++) {
                const t = P.data[idx4(P.shape, i, r * sh + u, q * sw + v, ch)]! * W.data[idx4(W.shape, u, v, ch, o)]!;
                z += t;
                s += Math.abs(t);
              }
            }
          }
          const at = idx4(shape, i, r, q, o);
          data[at] = z;
          absSum[at] = s;
          terms[at] = kh * kw * c + 1;
        }
      }
    }
  }
  return { data, shape, absSum, terms };
}

export interface ConvGradsRef { dA: RefWithBound; dW: RefWithBound; db: RefWithBound }

/** The classic conv_backward: gradients of Σ dZ·Z with respect to A_prev, W and b. */
export function convBackwardRef(dZ: Ref, A: Ref, W: Ref, p: Pads, sh: number, sw: number): ConvGradsRef {
  const [m, h, w, c] = A.shape as [number, number, number, number];
  const [kh, kw, , oc] = W.shape as [number, number, number, number];
  const [, oh, ow] = dZ.shape as [number, number, number, number];
  const P = zeroPad(A, p);
  const dP = { data: new Float64Array(P.data.length), shape: P.shape };
  const dPabs = new Float64Array(P.data.length);
  const dPterms = new Float64Array(P.data.length);
  const dW = new Float64Array(W.data.length);
  const dWabs = new Float64Array(W.data.length);
  const db = new Float64Array(oc);
  const dbabs = new Float64Array(oc);
  for (let i = 0; i < m; i++) {
    for (let r = 0; r < oh; r++) {
      for (let q = 0; q < ow; q++) {
        for (let o = 0; o < oc; o++) {
          const g = dZ.data[idx4(dZ.shape, i, r, q, o)]!;
          db[o]! += g;
          dbabs[o]! += Math.abs(g);
          for (let u = 0; u < kh; u++) {
            for (let v = 0; v < kw; v++) {
              for (let ch = 0; ch < c; ch++) {
                const pi = idx4(P.shape, i, r * sh + u, q * sw + v, ch);
                const wi = idx4(W.shape, u, v, ch, o);
                const ta = W.data[wi]! * g;
                dP.data[pi]! += ta;
                dPabs[pi]! += Math.abs(ta);
                dPterms[pi]! += 1;
                const tw = P.data[pi]! * g;
                dW[wi]! += tw;
                dWabs[wi]! += Math.abs(tw);
              }
            }
          }
        }
      }
    }
  }
  // Crop the padding back off dA_prev_pad (the exercise's dA_prev_pad[pad:-pad, pad:-pad]).
  const dA = new Float64Array(A.data.length);
  const dAabs = new Float64Array(A.data.length);
  const dAterms = new Float64Array(A.data.length);
  for (let i = 0; i < m; i++) {
    for (let r = 0; r < h; r++) {
      for (let q = 0; q < w; q++) {
        for (let ch = 0; ch < c; ch++) {
          const from = idx4(P.shape, i, r + p.top, q + p.left, ch);
          const to = idx4(A.shape, i, r, q, ch);
          dA[to] = dP.data[from]!;
          dAabs[to] = dPabs[from]!;
          dAterms[to] = dPterms[from]!;
        }
      }
    }
  }
  const rows = m * oh * ow;
  return {
    dA: { data: dA, shape: A.shape, absSum: dAabs, terms: dAterms },
    dW: { data: dW, shape: W.shape, absSum: dWabs, terms: new Float64Array(dW.length).fill(rows) },
    db: { data: db, shape: [oc], absSum: dbabs, terms: new Float64Array(oc).fill(rows) },
  };
}

/** The window of output (r, q): its in-bounds input rows and columns (windows clipped to the input). */
function window(r: number, q: number, h: number, w: number, kh: number, kw: number, sh: number, sw: number, p: Pads) {
  const r0 = r * sh - p.top;
  const q0 = q * sw - p.left;
  return { r0: Math.max(r0, 0), r1: Math.min(r0 + kh, h), q0: Math.max(q0, 0), q1: Math.min(q0 + kw, w) };
}

function poolOut(h: number, w: number, kh: number, kw: number, sh: number, sw: number, p: Pads): [number, number] {
  return [Math.floor((h + p.top + p.bottom - kh) / sh) + 1, Math.floor((w + p.left + p.right - kw) / sw) + 1];
}

/** pool_forward with windows clipped to the input; avg divides by the in-bounds count. */
export function poolForwardRef(A: Ref, kh: number, kw: number, sh: number, sw: number, mode: 'max' | 'avg', p: Pads): RefWithBound {
  const [m, h, w, c] = A.shape as [number, number, number, number];
  const [oh, ow] = poolOut(h, w, kh, kw, sh, sw, p);
  const shape = [m, oh, ow, c];
  const n = m * oh * ow * c;
  const data = new Float64Array(n);
  const absSum = new Float64Array(n);
  const terms = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    for (let r = 0; r < oh; r++) {
      for (let q = 0; q < ow; q++) {
        const win = window(r, q, h, w, kh, kw, sh, sw, p);
        const count = (win.r1 - win.r0) * (win.q1 - win.q0);
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity;
          let sum = 0;
          let abs = 0;
          for (let u = win.r0; u < win.r1; u++) {
            for (let v = win.q0; v < win.q1; v++) {
              const x = A.data[idx4(A.shape, i, u, v, ch)]!;
              if (x > best) best = x;
              sum += x;
              abs += Math.abs(x);
            }
          }
          const at = idx4(shape, i, r, q, ch);
          data[at] = mode === 'max' ? best : sum / count;
          absSum[at] = mode === 'max' ? Math.abs(best) : abs / count;
          // avg: count − 1 additions, one division (or a rounded reciprocal and a multiply).
          terms[at] = mode === 'max' ? 0 : count + 1;
        }
      }
    }
  }
  return { data, shape, absSum, terms };
}

/**
 * pool_backward. max: dA goes to the FIRST maximum of the window (scan rows, then columns),
 * like the exercise's create_mask_from_window but keeping only one position on ties.
 * avg: dA / count to every in-bounds input of the window (distribute_value).
 */
export function poolBackwardRef(dA: Ref, A: Ref, kh: number, kw: number, sh: number, sw: number, mode: 'max' | 'avg', p: Pads): RefWithBound {
  const [m, h, w, c] = A.shape as [number, number, number, number];
  const [oh, ow] = poolOut(h, w, kh, kw, sh, sw, p);
  const data = new Float64Array(A.data.length);
  const absSum = new Float64Array(A.data.length);
  const terms = new Float64Array(A.data.length);
  for (let i = 0; i < m; i++) {
    for (let r = 0; r < oh; r++) {
      for (let q = 0; q < ow; q++) {
        const win = window(r, q, h, w, kh, kw, sh, sw, p);
        const count = (win.r1 - win.r0) * (win.q1 - win.q0);
        for (let ch = 0; ch < c; ch++) {
          const g = dA.data[idx4(dA.shape, i, r, q, ch)]!;
          if (mode === 'max') {
            let best = -Infinity;
            let at = -1;
            for (let u = win.r0; u < win.r1; u++) {
              for (let v = win.q0; v < win.q1; v++) {
                const k = idx4(A.shape, i, u, v, ch);
                if (A.data[k]! > best) { best = A.data[k]!; at = k; }
              }
            }
            data[at]! += g;
            absSum[at]! += Math.abs(g);
            terms[at]! += 1;
          } else {
            for (let u = win.r0; u < win.r1; u++) {
              for (let v = win.q0; v < win.q1; v++) {
                const k = idx4(A.shape, i, u, v, ch);
                data[k]! += g / count;
                absSum[k]! += Math.abs(g / count);
                terms[k]! += 1;
              }
            }
          }
        }
      }
    }
  }
  if (mode === 'avg') for (let k = 0; k < terms.length; k++) terms[k]! += 1; // the division per term
  return { data, shape: A.shape, absSum, terms };
}

export function matmulRef(A: Ref, B: Ref): RefWithBound {
  const [m, k] = A.shape as [number, number];
  const [, n] = B.shape as [number, number];
  const data = new Float64Array(m * n);
  const absSum = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      let a = 0;
      for (let t = 0; t < k; t++) {
        const v = A.data[i * k + t]! * B.data[t * n + j]!;
        s += v;
        a += Math.abs(v);
      }
      data[i * n + j] = s;
      absSum[i * n + j] = a;
    }
  }
  return { data, shape: [m, n], absSum, terms: new Float64Array(m * n).fill(k) };
}

export type RefActivation = 'relu' | 'tanh' | 'sigmoid' | 'linear';

export function activationRef(z: number, act: RefActivation): number {
  switch (act) {
    case 'relu': return z > 0 ? z : 0;
    case 'tanh': return Math.tanh(z);
    case 'sigmoid': return 1 / (1 + Math.exp(-z));
    case 'linear': return z;
  }
}

/** Largest |d act / dz|: how much an error in z can grow through the activation. */
export const ACT_LIPSCHITZ: Record<RefActivation, number> = { relu: 1, tanh: 1, sigmoid: 0.25, linear: 1 };
