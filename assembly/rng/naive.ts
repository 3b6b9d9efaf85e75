// Random numbers: xoshiro128** over a 16-byte state in memory, the ONLY implementation (both
// builds export these; index.simd.ts points here), so the same seed gives the same stream in
// either build. Generating random numbers is sequential by nature (each draw depends on the
// previous state) and runs only at init and for dropout masks, so there is no SIMD twin.
//
// State at `state`: four little-endian u32 s0..s3 (16 bytes). Each kernel loads nothing else,
// draws what it needs and writes the advanced state back through the same pointer.
//
// rng_seed(state, seed): splitmix32 from the u32 seed: x += 0x9e3779b9, then the MurmurHash3
//   finaliser (x ^= x>>>16; x *= 0x85ebca6b; x ^= x>>>13; x *= 0xc2b2ae35; x ^= x>>>16), four
//   times for s0..s3. The finaliser is a bijection and the four inputs differ, so at most one
//   word can be zero: the state is never all-zero (xoshiro's one forbidden state).
// next (xoshiro128**, Blackman & Vigna): result = rotl(s1·5, 7)·9;
//   t = s1 << 9; s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 11).
// rng_uniform(out, n, state, lo, hi): u = (next >>> 8)·2^−24 (24 bits, exact in f32, in
//   [0, 1)); out[i] = lo + (hi − lo)·u in f32. If that rounds up to hi (possible for some
//   lo/hi), the value is redrawn, so out is in [lo, hi) whenever hi > lo (for hi ≤ lo nothing
//   is redrawn: lo + (hi − lo)·u is returned as computed).
// rng_normal(out, n, state, mean, std, trunc): Marsaglia's polar method in f64:
//   u, v = 2·(next·2^−32) − 1;  s = u² + v², redrawn unless 0 < s < 1;
//   f = sqrt(−2·ln s / s);  z0 = u·f, z1 = v·f  both used, in that order.
//   trunc = 1: any z with |z| > 2 is discarded and drawing continues (Keras truncated_normal).
//   out[i] = f32(mean + std·z). An odd n discards the last spare. ln s = log1p(s − 1) (musl
//   log1p; Math.log reads a lookup table from static data in the shared memory, see loss/naive).
// rng_dropout_mask(mask, n, state, keep): u as in rng_uniform; mask[i] = u < keep ? 1/keep : 0
//   with 1/keep rounded to f32 once (inverted dropout: E[mask] = 1).
//
// Writes out/mask and the state; reads the state. No tails (scalar).

@inline function rotl(x: u32, k: u32): u32 { return (x << k) | (x >>> (32 - k)); }

/** One xoshiro128** step on the state in memory at `st`; returns the 32-bit output. */
@inline function next(st: usize): u32 {
  let s0 = load<u32>(st, 0), s1 = load<u32>(st, 4), s2 = load<u32>(st, 8), s3 = load<u32>(st, 12);
  const result = rotl(s1 * 5, 7) * 9;
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl(s3, 11);
  store<u32>(st, s0, 0); store<u32>(st, s1, 4); store<u32>(st, s2, 8); store<u32>(st, s3, 12);
  return result;
}

/** A float in [0, 1) from the top 24 bits of one draw (exact in f32). */
@inline function unit24(st: usize): f32 {
  return <f32>(next(st) >>> 8) * <f32>5.9604644775390625e-8; // 2^-24
}

@inline function splitmix32(x: u32): u32 {
  let z = x;
  z = (z ^ (z >>> 16)) * 0x85ebca6b;
  z = (z ^ (z >>> 13)) * 0xc2b2ae35;
  return z ^ (z >>> 16);
}

export function rng_seed_naive(state: usize, seed: u32): void {
  let x = seed;
  for (let k = 0; k < 4; k++) {
    x += 0x9e3779b9;
    store<u32>(state + (<usize>k << 2), splitmix32(x));
  }
}

export function rng_uniform_naive(out: usize, n: i32, state: usize, lo: f32, hi: f32): void {
  const span = hi - lo;
  for (let i = 0; i < n; i++) {
    let r = lo + span * unit24(state);
    while (r >= hi && hi > lo) r = lo + span * unit24(state);
    store<f32>(out + (<usize>i << 2), r);
  }
}

export function rng_normal_naive(out: usize, n: i32, state: usize, mean: f32, std: f32, trunc: i32): void {
  const m = <f64>mean, sd = <f64>std;
  let i = 0;
  while (i < n) {
    const u = 2.0 * (<f64>next(state) * 2.3283064365386963e-10) - 1.0; // 2^-32
    const v = 2.0 * (<f64>next(state) * 2.3283064365386963e-10) - 1.0;
    const s = u * u + v * v;
    if (s >= 1.0 || s == 0.0) continue;
    const f = Math.sqrt(-2.0 * Math.log1p(s - 1.0) / s);
    const z0 = u * f, z1 = v * f;
    if (trunc == 0 || Math.abs(z0) <= 2.0) {
      store<f32>(out + (<usize>i << 2), <f32>(m + sd * z0));
      i++;
    }
    if (i < n && (trunc == 0 || Math.abs(z1) <= 2.0)) {
      store<f32>(out + (<usize>i << 2), <f32>(m + sd * z1));
      i++;
    }
  }
}

export function rng_dropout_mask_naive(mask: usize, n: i32, state: usize, keep: f32): void {
  const inv: f32 = <f32>1 / keep;
  for (let i = 0; i < n; i++) {
    store<f32>(mask + (<usize>i << 2), unit24(state) < keep ? inv : <f32>0);
  }
}
