// f64 reference for the losses on logits, written for clarity. It does not import src/.

type Arr = ArrayLike<number>;

export interface XentResult {
  /** Σ_r −log softmax(z_r)[label_r] (not scaled). */
  loss: number;
  p: Float64Array;
  /** (softmax − onehot)·scale. */
  dz: Float64Array;
}

/** Softmax cross-entropy on logits z[rows][N] with integer labels; log-sum-exp with the max subtracted. */
export function softmaxXentRef(z: Arr, labels: Arr, rows: number, N: number, scale: number): XentResult {
  const p = new Float64Array(rows * N);
  const dz = new Float64Array(rows * N);
  let loss = 0;
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let j = 0; j < N; j++) m = Math.max(m, z[r * N + j]!);
    let s = 0;
    for (let j = 0; j < N; j++) s += Math.exp(z[r * N + j]! - m);
    const label = labels[r]!;
    loss += Math.log(s) - (z[r * N + label]! - m);
    for (let j = 0; j < N; j++) {
      p[r * N + j] = Math.exp(z[r * N + j]! - m) / s;
      dz[r * N + j] = (p[r * N + j]! - (j === label ? 1 : 0)) * scale;
    }
  }
  return { loss, p, dz };
}

/** Binary cross-entropy on logits: Σ max(z,0) − z·t + log1p(e^−|z|); dz = (σ(z) − t)·scale. */
export function sigmoidBceRef(z: Arr, t: Arr, scale: number): { loss: number; dz: Float64Array } {
  const dz = new Float64Array(z.length);
  let loss = 0;
  for (let i = 0; i < z.length; i++) {
    const zi = z[i]!, ti = t[i]!;
    const e = Math.exp(-Math.abs(zi));
    loss += Math.max(zi, 0) - zi * ti + Math.log1p(e);
    const sig = zi >= 0 ? 1 / (1 + e) : e / (1 + e);
    dz[i] = (sig - ti) * scale;
  }
  return { loss, dz };
}

/** Index of the first maximum of each row. */
export function argmaxRowsRef(x: Arr, rows: number, N: number): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = x[r * N]!, at = 0;
    for (let j = 1; j < N; j++) if (x[r * N + j]! > best) { best = x[r * N + j]!; at = j; }
    out[r] = at;
  }
  return out;
}
