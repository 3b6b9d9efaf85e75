// Peak f32x4 multiply+add throughput of this engine, for reporting kernels as a share of it.
// Twelve independent accumulator chains acc = acc * a + b hide the mul and add latencies
// (12 chains + 2 constants fit in V8's 16 xmm registers without spilling). Each step is the
// kernels' madd (assembly/util/simd.ts): in build/peak.wasm a separate mul and add (no FMA: the
// simd kernels' ceiling); in build/peak.relaxed.wasm (asc --enable relaxed-simd) one
// f32x4.relaxed_madd, the relaxed kernels' ceiling (about 2x where the CPU fuses it).
// Each iteration does 12 · (4 mul + 4 add) = 96 flops. Returns a value derived from the
// accumulators so the optimiser cannot drop the loop. The operands come in as arguments:
// with compile-time constants V8 measured about 20% slower (37 vs 46 GFLOP/s), which would
// understate the peak and overstate every kernel's share of it. Call with a ≈ 1, b ≈ 0.

import { madd } from "../../assembly/util/simd";

export function peak_madd(iterations: i32, av: f32, bv: f32): f32 {
  const a = f32x4.splat(av);
  const b = f32x4.splat(bv);
  let c0 = f32x4.splat(1.0), c1 = f32x4.splat(1.1), c2 = f32x4.splat(1.2), c3 = f32x4.splat(1.3);
  let c4 = f32x4.splat(1.4), c5 = f32x4.splat(1.5), c6 = f32x4.splat(1.6), c7 = f32x4.splat(1.7);
  let c8 = f32x4.splat(1.8), c9 = f32x4.splat(1.9), c10 = f32x4.splat(2.0), c11 = f32x4.splat(2.1);
  for (let i = 0; i < iterations; i++) {
    c0 = madd(c0, a, b); c1 = madd(c1, a, b);
    c2 = madd(c2, a, b); c3 = madd(c3, a, b);
    c4 = madd(c4, a, b); c5 = madd(c5, a, b);
    c6 = madd(c6, a, b); c7 = madd(c7, a, b);
    c8 = madd(c8, a, b); c9 = madd(c9, a, b);
    c10 = madd(c10, a, b); c11 = madd(c11, a, b);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)),
    f32x4.add(f32x4.add(f32x4.add(c4, c5), f32x4.add(c6, c7)), f32x4.add(f32x4.add(c8, c9), f32x4.add(c10, c11))));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
}

/** Flops per iteration of peak_madd, exported so the benchmark does not repeat the constant. */
export const PEAK_FLOPS_PER_ITERATION: i32 = 96;

/** An empty export, to measure the cost of one JS-to-wasm call. */
export function noop(): void {}
