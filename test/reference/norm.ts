// f64 reference for batch normalisation over the last axis of x [rows, C], global average
// pooling, and the Keras running-statistics update, written for clarity. It does not import src/.

type Arr = ArrayLike<number>;

export interface BnStats { mean: Float64Array; variance: Float64Array }

/** Per-channel mean and BIASED variance over all rows (two passes). */
export function bnStatsRef(x: Arr, rows: number, C: number): BnStats {
  const mean = new Float64Array(C), variance = new Float64Array(C);
  for (let r = 0; r < rows; r++) for (let c = 0; c < C; c++) mean[c]! += x[r * C + c]!;
  for (let c = 0; c < C; c++) mean[c]! /= rows;
  for (let r = 0; r < rows; r++) for (let c = 0; c < C; c++) variance[c]! += (x[r * C + c]! - mean[c]!) ** 2;
  for (let c = 0; c < C; c++) variance[c]! /= rows;
  return { mean, variance };
}

/** y = gamma·(x − mean)/sqrt(var + eps) + beta with the given per-channel mean and variance (gamma/beta undefined = 1/0). */
export function bnApplyRef(x: Arr, rows: number, C: number, mean: Arr, variance: Arr, eps: number, gamma?: Arr, beta?: Arr): Float64Array {
  const y = new Float64Array(rows * C);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < C; c++) {
      const xh = (x[r * C + c]! - mean[c]!) / Math.sqrt(variance[c]! + eps);
      y[r * C + c] = xh * (gamma ? gamma[c]! : 1) + (beta ? beta[c]! : 0);
    }
  }
  return y;
}

/** Training forward: batch statistics. */
export function bnTrainForwardRef(x: Arr, rows: number, C: number, eps: number, gamma?: Arr, beta?: Arr): { y: Float64Array } & BnStats {
  const s = bnStatsRef(x, rows, C);
  return { y: bnApplyRef(x, rows, C, s.mean, s.variance, eps, gamma, beta), ...s };
}

/**
 * Training backward of bnTrainForwardRef (the batch statistics depend on x):
 *   dβ = Σ dy,  dγ = Σ dy·x̂,  dx = γ/(n·σ)·(n·dy − Σdy − x̂·Σ dy·x̂),  σ = sqrt(var + eps).
 */
export function bnBackwardRef(dy: Arr, x: Arr, rows: number, C: number, eps: number, gamma?: Arr): { dx: Float64Array; dgamma: Float64Array; dbeta: Float64Array } {
  const { mean, variance } = bnStatsRef(x, rows, C);
  const dgamma = new Float64Array(C), dbeta = new Float64Array(C), dx = new Float64Array(rows * C);
  const xh = (r: number, c: number) => (x[r * C + c]! - mean[c]!) / Math.sqrt(variance[c]! + eps);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < C; c++) { dbeta[c]! += dy[r * C + c]!; dgamma[c]! += dy[r * C + c]! * xh(r, c); }
  }
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < C; c++) {
      const g = gamma ? gamma[c]! : 1;
      dx[r * C + c] = (g / (rows * Math.sqrt(variance[c]! + eps))) * (rows * dy[r * C + c]! - dbeta[c]! - xh(r, c) * dgamma[c]!);
    }
  }
  return { dx, dgamma, dbeta };
}

/** Keras: running = momentum·running + (1 − momentum)·batch. */
export function runningUpdateRef(running: Arr, batch: Arr, momentum: number): Float64Array {
  return Float64Array.from(running, (v, i) => momentum * v + (1 - momentum) * batch[i]!);
}

/** x [B][HW][C] → y [B][C], the mean over HW. */
export function gapForwardRef(x: Arr, B: number, HW: number, C: number): Float64Array {
  const y = new Float64Array(B * C);
  for (let b = 0; b < B; b++) for (let p = 0; p < HW; p++) for (let c = 0; c < C; c++) y[b * C + c]! += x[(b * HW + p) * C + c]!;
  for (let i = 0; i < y.length; i++) y[i]! /= HW;
  return y;
}

export function gapBackwardRef(dy: Arr, B: number, HW: number, C: number): Float64Array {
  const dx = new Float64Array(B * HW * C);
  for (let b = 0; b < B; b++) for (let p = 0; p < HW; p++) for (let c = 0; c < C; c++) dx[(b * HW + p) * C + c] = dy[b * C + c]! / HW;
  return dx;
}
