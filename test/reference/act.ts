// f64 reference for the activations, written for clarity. It does not import src/.
// Elementwise over flat arrays; softmax row-wise over [rows][N]. Backward functions take the
// forward OUTPUT y, exactly as the kernels do (relu's mask, tanh's 1 − y², sigmoid's y(1 − y)).

type Arr = ArrayLike<number>;

function map(x: Arr, f: (v: number) => number): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]!);
  return out;
}

function map2(a: Arr, b: Arr, f: (u: number, v: number) => number): Float64Array {
  if (a.length !== b.length) throw new Error(`map2: lengths ${a.length} and ${b.length} differ`);
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = f(a[i]!, b[i]!);
  return out;
}

/** The logistic function, in the form that neither overflows nor loses small values. */
export function sigmoid(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

export const reluForwardRef = (x: Arr) => map(x, (v) => (v > 0 ? v : 0));
export const reluBackwardRef = (dy: Arr, y: Arr) => map2(dy, y, (d, v) => (v > 0 ? d : 0));
export const tanhForwardRef = (x: Arr) => map(x, Math.tanh);
export const tanhBackwardRef = (dy: Arr, y: Arr) => map2(dy, y, (d, v) => d * (1 - v * v));
export const sigmoidForwardRef = (x: Arr) => map(x, sigmoid);
export const sigmoidBackwardRef = (dy: Arr, y: Arr) => map2(dy, y, (d, v) => d * v * (1 - v));
export const mulRef = (x: Arr, mask: Arr) => map2(x, mask, (a, m) => a * m);

/** Row-wise softmax of x[rows][N] (max subtracted). */
export function softmaxForwardRef(x: Arr, rows: number, N: number): Float64Array {
  const y = new Float64Array(rows * N);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let j = 0; j < N; j++) m = Math.max(m, x[r * N + j]!);
    let s = 0;
    for (let j = 0; j < N; j++) s += Math.exp(x[r * N + j]! - m);
    for (let j = 0; j < N; j++) y[r * N + j] = Math.exp(x[r * N + j]! - m) / s;
  }
  return y;
}

/**
 * dx_j = y_j·(dy_j − Σ_k dy_k·y_k) per row. Also returns S_r = Σ_k |dy_k·y_k| per row, which
 * bounds the rounding of the f32 dot product (see test/kernels/act.test.ts).
 */
export function softmaxBackwardRef(dy: Arr, y: Arr, rows: number, N: number): { dx: Float64Array; dotAbs: Float64Array } {
  const dx = new Float64Array(rows * N);
  const dotAbs = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let d = 0, a = 0;
    for (let j = 0; j < N; j++) {
      d += dy[r * N + j]! * y[r * N + j]!;
      a += Math.abs(dy[r * N + j]! * y[r * N + j]!);
    }
    dotAbs[r] = a;
    for (let j = 0; j < N; j++) dx[r * N + j] = y[r * N + j]! * (dy[r * N + j]! - d);
  }
  return { dx, dotAbs };
}
export const leakyReluForwardRef = (x: Arr, alpha: number) => map(x, (v) => (v > 0 ? v : alpha * v));
export const leakyReluBackwardRef = (dy: Arr, y: Arr, alpha: number) => map2(dy, y, (d, v) => (v > 0 ? d : alpha * d));
export const eluForwardRef = (x: Arr, alpha: number) => map(x, (v) => (v > 0 ? v : alpha * Math.expm1(v)));
export const eluBackwardRef = (dy: Arr, y: Arr, alpha: number) => map2(dy, y, (d, v) => (v > 0 ? d : d * (v + alpha)));
