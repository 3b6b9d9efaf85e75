// Scalar f32 exp / tanh / sigmoid used by act/naive.ts, written as the exact scalar twin of
// the f32x4 versions in act/simd.ts: the same IEEE operations in the same order, so the naive
// and SIMD builds return bit-identical activations.
//
// Why not Mathf.exp? AssemblyScript's exp/log (f32 and f64, at shrinkLevel 0) read lookup
// tables from a data segment placed at byte 1024 of the IMPORTED memory, which the arena also
// hands out (it starts at 16): a tensor there overwrites the table and exp silently returns
// garbage. These helpers use no static data at all.
//
// expNeg(x), for x ≤ 0 (also correct for small positive x, but unused there):
//   n = nearest(x·log2 e);  r = (x − n·LN2_HI) − n·LN2_LO   (Cody–Waite: LN2_HI has 9 trailing
//   zero bits, so n·LN2_HI is exact for |n| ≤ 128, and |r| ≤ ln2/2)
//   e^r ≈ 1 + r + r²·P(r), P the degree-5 minimax polynomial of Cephes expf (Horner, no FMA)
//   e^x = e^r · 2^n, 2^n built from its exponent bits; x is clamped at −87.5 first (n ≥ −126)
//   and any x < −87.33 (e^x below the smallest normal, 2^−126) returns 0. NaN stays NaN.
// tanhApprox(x): a = |x|;  a < 0.625: a + (Q(z)·z)·a with z = a², Q the odd minimax polynomial
//   of Cephes tanhf;  otherwise t = e^(−2a), (1 − t)/(1 + t) (t ≤ e^−1.25, so 1 − t does not
//   cancel);  the sign bit of x is OR-ed back (tanh(−0) = −0, NaN stays NaN).
// sigmoidApprox(x): t = e^(−|x|);  (x ≥ 0 ? 1 : t) / (1 + t)  — never overflows, and keeps
//   full relative accuracy for very negative x.
// Measured against f64 Math.tanh / the f64 sigmoid over 2^20 points in [−20, 20] and a
// log-spaced sweep down to 1e-10 (test/kernels/act.test.ts asserts it):
//   relative error ≤ 4·2^−24 (worst seen 2.94·2^−24), plus 2^−126 absolute where the result
//   is subnormal or flushed to 0.

export const LOG2E: f32 = 1.44269504088896341;
export const LN2_HI: f32 = 0.693359375;       // 0x3f318000
export const LN2_LO: f32 = -2.12194440e-4;    // ln 2 − LN2_HI
export const EXP_CLAMP: f32 = -87.5;
export const EXP_ZERO_BELOW: f32 = -87.33;
export const EP0: f32 = 1.9875691500e-4;
export const EP1: f32 = 1.3981999507e-3;
export const EP2: f32 = 8.3334519073e-3;
export const EP3: f32 = 4.1665795894e-2;
export const EP4: f32 = 1.6666665459e-1;
export const EP5: f32 = 5.0000001201e-1;
export const TQ0: f32 = -5.70498872745e-3;
export const TQ1: f32 = 2.06390887954e-2;
export const TQ2: f32 = -5.37397155531e-2;
export const TQ3: f32 = 1.33314422036e-1;
export const TQ4: f32 = -3.33332819422e-1;
export const TANH_SMALL: f32 = 0.625;

@inline export function expNeg(x: f32): f32 {
  const xc = max<f32>(x, EXP_CLAMP);
  const n = nearest<f32>(xc * LOG2E);
  const r = (xc - n * LN2_HI) - n * LN2_LO;
  let p = EP0;
  p = p * r + EP1;
  p = p * r + EP2;
  p = p * r + EP3;
  p = p * r + EP4;
  p = p * r + EP5;
  const er = ((p * r) * r + r) + <f32>1;
  const pow2n = reinterpret<f32>((<i32>n + 127) << 23);
  const e = er * pow2n;
  return x < EXP_ZERO_BELOW ? <f32>0 : e;
}

@inline export function tanhApprox(x: f32): f32 {
  // Only the needed branch is evaluated (the f32x4 twin computes both and selects); each
  // branch is the same operation sequence, so the result bits are the same.
  const a = Mathf.abs(x);
  let y: f32;
  if (a < TANH_SMALL) {
    const z = a * a;
    let q = TQ0;
    q = q * z + TQ1;
    q = q * z + TQ2;
    q = q * z + TQ3;
    q = q * z + TQ4;
    y = (q * z) * a + a;
  } else {
    const t = expNeg(a * <f32>-2);
    y = (<f32>1 - t) / (<f32>1 + t);
  }
  return reinterpret<f32>(reinterpret<u32>(y) | (reinterpret<u32>(x) & 0x80000000));
}

@inline export function sigmoidApprox(x: f32): f32 {
  const t = expNeg(-Mathf.abs(x));
  return (x >= 0 ? <f32>1 : t) / (<f32>1 + t);
}
