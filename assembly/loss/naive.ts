// Losses on logits, the ONLY implementation (both builds export these; index.simd.ts points
// here). A loss runs once per batch over rows × classes (32 × 10), so four lanes would not pay
// for themselves, and one implementation means both builds return the same bits.
//
// Everything is computed in f64 from the f32 inputs, then rounded once to f32 on store; the
// returned loss is an f64 sum. f64 also makes the max-subtraction itself overflow-free: for
// any finite f32 logits, z_j − max is finite in f64 (|z| ≤ 3.4e38), so there is no NaN/Inf
// for logits of ±1000, ±1e30 or anything else finite.
//
// softmax_xent(p, dz, z, labels, rows, N, scale) -> f64
//   z [rows][N] f32 logits, labels i32[rows], p and dz [rows][N] f32 (each may be 0 = skip).
//   Per row: m = max_j z_j;  s = Σ_j e^(z_j − m);  lse = log(s)  (s in [1, N]);
//     loss_r = lse − (z_label − m)                         (= −log softmax(z)_label)
//     p_j = e^(z_j − m) / s;   dz_j = (p_j − [j = label]) · scale
//   Returns Σ_r loss_r (not scaled). A label outside [0, N) makes that row's loss NaN (so a
//   bug cannot pass silently) and its dz has no one-hot term; TypeScript validates labels first.
// sigmoid_bce(dz, z, t, n, scale) -> f64
//   z, t, dz f32[n] (dz may be 0 = skip). With e = e^(−|z|):
//     loss_i = max(z, 0) − z·t + log1p(e)              (the stable form of BCE on logits)
//     σ(z) = z ≥ 0 ? 1/(1 + e) : e/(1 + e);   dz_i = (σ(z) − t) · scale
//   Returns Σ_i loss_i.
// argmax_rows(out, x, rows, N)
//   out[r] = smallest j with x[r,j] = max_k x[r,k] (i32; the first maximum wins ties).
//
// Writes p, dz, out; reads z, labels, t, x; accumulates into nothing. No tails (scalar).
//
// exp and log: AssemblyScript's Math.exp / Math.log read lookup tables from static data in
// the SHARED memory, where the arena also places tensors, so they are not used here. expNeg64
// is the table-free fdlibm scheme (Cody–Waite reduction, the fdlibm rational approximation
// 1 + r + r·c/(2 − c) with its P1..P5); log uses Math.log1p (musl, no table).
import { f32At } from "../util/ptr";

// fdlibm constants: LN2_HI has 21 trailing zero bits, so k·LN2_HI is exact for |k| < 2^20.
const LN2_HI: f64 = 6.93147180369123816490e-01;
const LN2_LO: f64 = 1.90821492927058770002e-10;
const INV_LN2: f64 = 1.44269504088896338700e+00;
const P1: f64 = 1.66666666666666019037e-01;
const P2: f64 = -2.77777777770155933842e-03;
const P3: f64 = 6.61375632143793436117e-05;
const P4: f64 = -1.65339022054652515390e-06;
const P5: f64 = 4.13813679705723846039e-08;

/**
 * e^x for x ≤ 0 (f64, about 1 ulp). Results below 2^−1022 (x < −708.39) are returned as 0,
 * which only drops terms that cannot change a sum of at least 1 or a log1p argument.
 */
@inline function expNeg64(x: f64): f64 {
  if (x < -708.39) return 0;           // also −inf; NaN falls through and stays NaN
  const k = nearest<f64>(x * INV_LN2);
  const hi = x - k * LN2_HI;
  const lo = k * LN2_LO;
  const r = hi - lo;
  const r2 = r * r;
  const c = r - r2 * (P1 + r2 * (P2 + r2 * (P3 + r2 * (P4 + r2 * P5))));
  const y = 1.0 + ((r * c) / (2.0 - c) - lo + hi);
  // 2^k from its exponent bits; k ≥ −1022 here. NaN: k is NaN, <i32> (i32.trunc_sat) gives 0, y is NaN.
  return y * reinterpret<f64>(<u64>(<i32>k + 1023) << 52);
}

export function softmax_xent_naive(p: usize, dz: usize, z: usize, labels: usize, rows: i32, N: i32, scale: f32): f64 {
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const zr = f32At(z, r * N);
    const label = load<i32>(labels + (<usize>r << 2));
    let m: f64 = -Infinity;
    for (let j = 0; j < N; j++) m = max<f64>(m, <f64>load<f32>(f32At(zr, j)));
    let s: f64 = 0;
    for (let j = 0; j < N; j++) s += expNeg64(<f64>load<f32>(f32At(zr, j)) - m);
    // s ≥ 1 (the max term is e^0), so s − 1 is exact and log1p(s − 1) = log s.
    const lse = Math.log1p(s - 1.0);
    const valid = label >= 0 && label < N;
    total += valid ? lse - (<f64>load<f32>(f32At(zr, label)) - m) : NaN;
    if (p != 0 || dz != 0) {
      for (let j = 0; j < N; j++) {
        const pj = expNeg64(<f64>load<f32>(f32At(zr, j)) - m) / s;
        if (p != 0) store<f32>(f32At(p, r * N + j), <f32>pj);
        if (dz != 0) {
          const onehot: f64 = j == label ? 1.0 : 0.0;
          store<f32>(f32At(dz, r * N + j), <f32>((pj - onehot) * <f64>scale));
        }
      }
    }
  }
  return total;
}

export function sigmoid_bce_naive(dz: usize, z: usize, t: usize, n: i32, scale: f32): f64 {
  let total: f64 = 0;
  for (let i = 0; i < n; i++) {
    const zi = <f64>load<f32>(f32At(z, i));
    const ti = <f64>load<f32>(f32At(t, i));
    const e = expNeg64(-Math.abs(zi));
    total += max<f64>(zi, 0) - zi * ti + Math.log1p(e);
    if (dz != 0) {
      const sig = zi >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
      store<f32>(f32At(dz, i), <f32>((sig - ti) * <f64>scale));
    }
  }
  return total;
}

export function argmax_rows_naive(out: usize, x: usize, rows: i32, N: i32): void {
  for (let r = 0; r < rows; r++) {
    const xr = f32At(x, r * N);
    let best = load<f32>(xr);
    let bi = 0;
    for (let j = 1; j < N; j++) {
      const v = load<f32>(f32At(xr, j));
      if (v > best) { best = v; bi = j; }
    }
    store<i32>(out + (<usize>r << 2), bi);
  }
}
