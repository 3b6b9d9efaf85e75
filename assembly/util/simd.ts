// f32x4 helpers used by the SIMD kernels.

/** Horizontal sum of the four lanes, in a fixed order (l0+l1)+(l2+l3). */
@inline export function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) +
         (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}
