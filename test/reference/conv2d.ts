// f64 reference for conv2d, written for clarity, not speed. It does not import src/.
//
// Layouts: x [B][H][W][C] (NHWC), w [KH][KW][C][OC] (HWIO), bias [OC], y [B][OH][OW][OC].
// Output pixel (oh, ow) with tap (kh, kw) reads input (oh·SH − PT + kh, ow·SW − PL + kw);
// taps outside the input read 0.
//
// Every function also returns, per output element, the sum of the absolute values of the
// terms that make it up (S_i = Σ|a_k·b_k|, plus |bias| or |initial value| where one is added)
// and the number of those terms, for the float32 bound K·2^-23·S_i (test/helpers/compare.ts).

/** The geometry fields the reference needs (the same names as the runtime's Geom2d). */
export interface ConvGeom {
  B: number; H: number; W: number; C: number;
  OH: number; OW: number; OC: number;
  KH: number; KW: number; SH: number; SW: number;
  PT: number; PL: number;
}

type Arr = ArrayLike<number>;

const xIndex = (g: ConvGeom, b: number, h: number, w: number, c: number) => ((b * g.H + h) * g.W + w) * g.C + c;
const yIndex = (g: ConvGeom, b: number, oh: number, ow: number, oc: number) => ((b * g.OH + oh) * g.OW + ow) * g.OC + oc;
const wIndex = (g: ConvGeom, kh: number, kw: number, c: number, oc: number) => ((kh * g.KW + kw) * g.C + c) * g.OC + oc;

/**
 * Calls visit(xi, yi, wi) once for every (input element, output element, weight) triple that
 * conv2d multiplies: y[yi] gets x[xi]·w[wi]. All three passes (forward and both backwards)
 * are built on this one enumeration, so they are adjoint by construction.
 */
function forEachTerm(g: ConvGeom, visit: (xi: number, yi: number, wi: number) => void): void {
  for (let b = 0; b < g.B; b++) {
    for (let oh = 0; oh < g.OH; oh++) {
      for (let ow = 0; ow < g.OW; ow++) {
        for (let kh = 0; kh < g.KH; kh++) {
          const ih = oh * g.SH - g.PT + kh;
          if (ih < 0 || ih >= g.H) continue;
          for (let kw = 0; kw < g.KW; kw++) {
            const iw = ow * g.SW - g.PL + kw;
            if (iw < 0 || iw >= g.W) continue;
            for (let c = 0; c < g.C; c++) {
              for (let oc = 0; oc < g.OC; oc++) {
                visit(xIndex(g, b, ih, iw, c), yIndex(g, b, oh, ow, oc), wIndex(g, kh, kw, c, oc));
              }
            }
          }
        }
      }
    }
  }
}

export const xSize = (g: ConvGeom) => g.B * g.H * g.W * g.C;
export const ySize = (g: ConvGeom) => g.B * g.OH * g.OW * g.OC;
export const wSize = (g: ConvGeom) => g.KH * g.KW * g.C * g.OC;

export interface RefResult {
  /** The result. */
  value: Float64Array;
  /** Σ|terms| per element (including |bias| or |initial value|). */
  absSum: Float64Array;
  /** Number of products summed into each element. */
  terms: Int32Array;
}

/** y = conv(x, w) + bias (bias optional). */
export function conv2dForwardRef(x: Arr, w: Arr, bias: Arr | undefined, g: ConvGeom): RefResult {
  const n = ySize(g);
  const value = new Float64Array(n), absSum = new Float64Array(n), terms = new Int32Array(n);
  forEachTerm(g, (xi, yi, wi) => {
    const t = x[xi]! * w[wi]!;
    value[yi] = value[yi]! + t;
    absSum[yi] = absSum[yi]! + Math.abs(t);
    terms[yi] = terms[yi]! + 1;
  });
  if (bias) {
    for (let i = 0; i < n; i++) {
      value[i] = value[i]! + bias[i % g.OC]!;
      absSum[i] = absSum[i]! + Math.abs(bias[i % g.OC]!);
    }
  }
  return { value, absSum, terms };
}

/** dx = Σ dy·w over every output that read each input element (0 for inputs no window reads). */
export function conv2dBackwardInputRef(dy: Arr, w: Arr, g: ConvGeom): RefResult {
  const n = xSize(g);
  const value = new Float64Array(n), absSum = new Float64Array(n), terms = new Int32Array(n);
  forEachTerm(g, (xi, yi, wi) => {
    const t = dy[yi]! * w[wi]!;
    value[xi] = value[xi]! + t;
    absSum[xi] = absSum[xi]! + Math.abs(t);
    terms[xi] = terms[xi]! + 1;
  });
  return { value, absSum, terms };
}

export interface FilterGradResult { dw: RefResult; db: RefResult }

/** dw = dw0 + Σ x·dy;  db = db0 + Σ dy  (dw0 / db0 default to zeros). */
export function conv2dBackwardFilterRef(dy: Arr, x: Arr, g: ConvGeom, dw0?: Arr, db0?: Arr): FilterGradResult {
  const nw = wSize(g);
  const dw: RefResult = { value: new Float64Array(nw), absSum: new Float64Array(nw), terms: new Int32Array(nw) };
  const db: RefResult = { value: new Float64Array(g.OC), absSum: new Float64Array(g.OC), terms: new Int32Array(g.OC) };
  forEachTerm(g, (xi, yi, wi) => {
    const t = x[xi]! * dy[yi]!;
    dw.value[wi] = dw.value[wi]! + t;
    dw.absSum[wi] = dw.absSum[wi]! + Math.abs(t);
    dw.terms[wi] = dw.terms[wi]! + 1;
  });
  for (let i = 0; i < ySize(g); i++) {
    const oc = i % g.OC;
    db.value[oc] = db.value[oc]! + dy[i]!;
    db.absSum[oc] = db.absSum[oc]! + Math.abs(dy[i]!);
    db.terms[oc] = db.terms[oc]! + 1;
  }
  if (dw0) for (let i = 0; i < nw; i++) { dw.value[i] = dw.value[i]! + dw0[i]!; dw.absSum[i] = dw.absSum[i]! + Math.abs(dw0[i]!); }
  if (db0) for (let i = 0; i < g.OC; i++) { db.value[i] = db.value[i]! + db0[i]!; db.absSum[i] = db.absSum[i]! + Math.abs(db0[i]!); }
  return { dw, db };
}
