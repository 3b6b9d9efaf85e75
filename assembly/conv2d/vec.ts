// Small f32 vector helpers shared by the SIMD conv2d kernels (simd.ts, direct.ts, implicit.ts).

import { f32At } from "../util/ptr";

@inline export function roundUp4(n: i32): i32 { return (n + 3) & ~3; }
@inline export function imin(a: i32, b: i32): i32 { return a < b ? a : b; }
@inline export function imax(a: i32, b: i32): i32 { return a > b ? a : b; }

/** dst[i] = 0 for i < n. */
export function zeroF32(dst: usize, n: i32): void {
  const z = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(f32At(dst, i), z);
  for (; i < n; i++) store<f32>(f32At(dst, i), 0);
}

/** dst[i] = src[i] for i < n. */
export function copyF32(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(f32At(dst, i), v128.load(f32At(src, i)));
  for (; i < n; i++) store<f32>(f32At(dst, i), load<f32>(f32At(src, i)));
}

/** dst[i] += src[i] for i < n. */
export function addF32(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const p = f32At(dst, i);
    v128.store(p, f32x4.add(v128.load(p), v128.load(f32At(src, i))));
  }
  for (; i < n; i++) {
    const p = f32At(dst, i);
    store<f32>(p, load<f32>(p) + load<f32>(f32At(src, i)));
  }
}

/**
 * The forward products' operands: wp[k][oc] = w[k][oc] in rows of OCp = OC rounded up to 4
 * (zeros past OC), k < K, and bp[oc] = bias[oc] (zeros without a bias, and past OC). Zeros, not
 * garbage, in the padding lanes: their results are never stored, but a NaN or a subnormal there
 * would slow the arithmetic down.
 */
export function packWeightsAndBias(wp: usize, bp: usize, w: usize, bias: usize, K: i32, OC: i32): void {
  const OCp = roundUp4(OC);
  for (let k = 0; k < K; k++) {
    copyF32(f32At(wp, k * OCp), f32At(w, k * OC), OC);
    zeroF32(f32At(wp, k * OCp + OC), OCp - OC);
  }
  if (bias != 0) copyF32(bp, bias, OC); else zeroF32(bp, OC);
  zeroF32(f32At(bp, OC), OCp - OC);
}

/** y[i] = max(y[i], 0) for i < n: relu_forward's operation (f32x4.max / f32.max), in place. */
export function reluInPlace(y: usize, n: i32): void {
  const z = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const p = f32At(y, i);
    v128.store(p, f32x4.max(v128.load(p), z));
  }
  for (; i < n; i++) {
    const p = f32At(y, i);
    store<f32>(p, max<f32>(load<f32>(p), 0));
  }
}
