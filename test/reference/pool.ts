// f64 reference for 2-D max and average pooling, written for clarity. It does not import src/.
//
// Layouts: x, dx [B][H][W][C] (NHWC); y, dy, argmax [B][OH][OW][C].
// The window of output (oh, ow) covers rows [oh·SH − PT, oh·SH − PT + KH) and columns
// [ow·SW − PL, ow·SW − PL + KW), CLIPPED to the input: positions outside contribute nothing
// (max ignores them, the mean divides by the in-bounds count, TensorFlow's 'same' rule).
// argmax is the flat index h·W·C + w·C + c within the sample; the first maximum in (h, w) scan
// order wins ties.
//
// Backward functions also return, per dx element, Σ|terms| and the number of terms added into
// it, for the float32 summation bound K·2^-23·S_i (test/helpers/compare.ts dotTol).

/** The geometry fields pooling needs (the same names as the runtime's Geom2d). */
export interface PoolGeom {
  B: number; H: number; W: number; C: number;
  OH: number; OW: number;
  KH: number; KW: number; SH: number; SW: number;
  PT: number; PL: number;
}

type Arr = ArrayLike<number>;

export const xSize = (g: PoolGeom) => g.B * g.H * g.W * g.C;
export const ySize = (g: PoolGeom) => g.B * g.OH * g.OW * g.C;

/** Visits every output (b, oh, ow) with its clipped window [hs, he) × [ws, we). */
function forEachWindow(g: PoolGeom,
  visit: (b: number, oh: number, ow: number, hs: number, he: number, ws: number, we: number) => void): void {
  for (let b = 0; b < g.B; b++) {
    for (let oh = 0; oh < g.OH; oh++) {
      const h0 = oh * g.SH - g.PT;
      for (let ow = 0; ow < g.OW; ow++) {
        const w0 = ow * g.SW - g.PL;
        visit(b, oh, ow, Math.max(h0, 0), Math.min(h0 + g.KH, g.H), Math.max(w0, 0), Math.min(w0 + g.KW, g.W));
      }
    }
  }
}

const yIndex = (g: PoolGeom, b: number, oh: number, ow: number, c: number) => ((b * g.OH + oh) * g.OW + ow) * g.C + c;
const inSample = (g: PoolGeom, h: number, w: number, c: number) => (h * g.W + w) * g.C + c;

export function maxPoolForwardRef(x: Arr, g: PoolGeom): { y: Float64Array; argmax: Int32Array } {
  const y = new Float64Array(ySize(g));
  const argmax = new Int32Array(ySize(g));
  const HWC = g.H * g.W * g.C;
  forEachWindow(g, (b, oh, ow, hs, he, ws, we) => {
    for (let c = 0; c < g.C; c++) {
      let best = -Infinity;
      let at = -1;
      for (let h = hs; h < he; h++) {
        for (let w = ws; w < we; w++) {
          const i = inSample(g, h, w, c);
          const v = x[b * HWC + i]!;
          if (at < 0 || v > best) { best = v; at = i; }
        }
      }
      const o = yIndex(g, b, oh, ow, c);
      y[o] = best;
      argmax[o] = at;
    }
  });
  return { y, argmax };
}

export interface GradResult {
  dx: Float64Array;
  /** Σ|terms| added into each dx element. */
  absSum: Float64Array;
  /** Number of terms added into each dx element. */
  terms: Int32Array;
}

/** dx = 0; dx[b, argmax[o]] += dy[o] in output order. */
export function maxPoolBackwardRef(dy: Arr, argmax: Arr, g: PoolGeom): GradResult {
  const n = xSize(g);
  const dx = new Float64Array(n), absSum = new Float64Array(n), terms = new Int32Array(n);
  const HWC = g.H * g.W * g.C;
  const per = g.OH * g.OW * g.C;
  for (let o = 0; o < ySize(g); o++) {
    const b = Math.floor(o / per);
    const i = b * HWC + argmax[o]!;
    dx[i] = dx[i]! + dy[o]!;
    absSum[i] = absSum[i]! + Math.abs(dy[o]!);
    terms[i] = terms[i]! + 1;
  }
  return { dx, absSum, terms };
}

/** y = mean of the in-bounds window; also Σ|x|/count per output for the summation bound. */
export function avgPoolForwardRef(x: Arr, g: PoolGeom): { y: Float64Array; absSum: Float64Array; terms: number } {
  const y = new Float64Array(ySize(g));
  const absSum = new Float64Array(ySize(g));
  const HWC = g.H * g.W * g.C;
  let terms = 0;
  forEachWindow(g, (b, oh, ow, hs, he, ws, we) => {
    const count = (he - hs) * (we - ws);
    terms = Math.max(terms, count);
    for (let c = 0; c < g.C; c++) {
      let s = 0, a = 0;
      for (let h = hs; h < he; h++) {
        for (let w = ws; w < we; w++) {
          const v = x[b * HWC + inSample(g, h, w, c)]!;
          s += v;
          a += Math.abs(v);
        }
      }
      const o = yIndex(g, b, oh, ow, c);
      y[o] = s / count;
      absSum[o] = a / count;
    }
  });
  return { y, absSum, terms };
}

/** dx = 0; every dy[o] / count added to each in-bounds input of its window. */
export function avgPoolBackwardRef(dy: Arr, g: PoolGeom): GradResult {
  const n = xSize(g);
  const dx = new Float64Array(n), absSum = new Float64Array(n), terms = new Int32Array(n);
  const HWC = g.H * g.W * g.C;
  forEachWindow(g, (b, oh, ow, hs, he, ws, we) => {
    const count = (he - hs) * (we - ws);
    for (let c = 0; c < g.C; c++) {
      const share = dy[yIndex(g, b, oh, ow, c)]! / count;
      for (let h = hs; h < he; h++) {
        for (let w = ws; w < we; w++) {
          const i = b * HWC + inSample(g, h, w, c);
          dx[i] = dx[i]! + share;
          absSum[i] = absSum[i]! + Math.abs(share);
          terms[i] = terms[i]! + 1;
        }
      }
    }
  });
  return { dx, absSum, terms };
}
