// f32x4 helpers used by the SIMD kernels.

/** Horizontal sum of the four lanes, in a fixed order (l0+l1)+(l2+l3). */
@inline export function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) +
         (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/**
 * a·b + c. In the plain SIMD build a rounded f32x4.mul then a rounded f32x4.add (the same
 * bits as the scalar kernels' `s += x·w`); in a relaxed-SIMD build f32x4.relaxed_madd, which
 * the engine may fuse (one rounding), so that build states its own tolerances.
 */
@inline export function madd(a: v128, b: v128, c: v128): v128 { return ASC_FEATURE_RELAXED_SIMD ? f32x4.relaxed_madd(a, b, c) : f32x4.add(f32x4.mul(a, b), c); }
