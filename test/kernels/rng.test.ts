// RNG kernels (one implementation, exported by both builds): the exact stream against an
// independent JavaScript xoshiro128** + splitmix32, the same stream from both builds, and the
// statistics of uniform / normal / truncated normal / dropout samples.
//
// Statistical bounds are 5σ of the estimator for n = 1e5 samples (a correct generator fails
// one of them with probability ~6e-7 per check, and the seeds are fixed, so the test is
// deterministic; a wrong scale, offset or distribution is off by far more):
//   mean of U[lo,hi):          σ = (hi − lo)/sqrt(12 n)
//   variance of U[lo,hi):      σ_var = (hi − lo)²·sqrt(1/180 / n)      (Var of (u−μ)² is (hi−lo)⁴/180)
//   mean of N(μ, s²):          σ = s/sqrt(n)
//   std of N(μ, s²):           σ_std ≈ s/sqrt(2n)
//   truncated N at ±2s:        variance factor 1 − 2·2φ(2)/(Φ(2) − Φ(−2)) = 0.7737 (std 0.8796·s)
//   dropout keep fraction:     σ = sqrt(keep(1 − keep)/n)

import { describe, expect, it } from 'vitest';
import { getRuntime } from '../helpers/runtime.js';
import type { Runtime } from '../../src/runtime/load.js';
import type { Kernels } from '../../src/runtime/abi.js';

const N = 100_000;

/** Independent xoshiro128** seeded with splitmix32 (MurmurHash3 finaliser), as documented in assembly/rng/naive.ts. */
function jsRng(seed: number): { state: Uint32Array; next: () => number } {
  const s = new Uint32Array(4);
  let x = seed >>> 0;
  for (let k = 0; k < 4; k++) {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    s[k] = (z ^ (z >>> 16)) >>> 0;
  }
  const state = s.slice();
  const rotl = (v: number, k: number) => ((v << k) | (v >>> (32 - k))) >>> 0;
  const next = () => {
    const result = Math.imul(rotl(Math.imul(s[1]!, 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  };
  return { state, next };
}

function seeded(rt: Runtime, k: Kernels, seed: number): number {
  const st = rt.arena.alloc(16, 'rng state');
  k.rng_seed(st, seed);
  return st;
}

function stats(a: ArrayLike<number>): { mean: number; variance: number } {
  let m = 0;
  for (let i = 0; i < a.length; i++) m += a[i]!;
  m /= a.length;
  let v = 0;
  for (let i = 0; i < a.length; i++) v += (a[i]! - m) ** 2;
  return { mean: m, variance: v / a.length };
}

describe('rng: exact stream', () => {
  it('seeds and draws exactly like an independent xoshiro128** / splitmix32', async () => {
    const rt = await getRuntime();
    const mark = rt.arena.mark();
    try {
      for (const seed of [0, 1, 42, 0xffffffff]) {
        const st = seeded(rt, rt.naive, seed);
        const js = jsRng(seed);
        expect(Array.from(rt.arena.i32(st, 4), (v) => v >>> 0), `state after seeding ${seed}`).toEqual(Array.from(js.state));
        // rng_uniform on [0, 1) returns (next >>> 8)·2^-24 exactly, which exposes the raw stream.
        const n = 1000;
        const out = rt.arena.allocF32(n);
        rt.naive.rng_uniform(out, n, st, 0, 1);
        const got = rt.arena.f32(out, n);
        for (let i = 0; i < n; i++) {
          const want = (js.next() >>> 8) * 2 ** -24;
          if (got[i] !== want) throw new Error(`seed ${seed} draw ${i}: got ${got[i]} want ${want}`);
        }
        // ...and the state written back continues the same stream.
        rt.naive.rng_uniform(out, 1, st, 0, 1);
        expect(got[0]).toBe((js.next() >>> 8) * 2 ** -24);
      }
    } finally { rt.arena.release(mark); }
  });

  it('the normal sampler is Marsaglia polar on that stream', async () => {
    const rt = await getRuntime();
    const mark = rt.arena.mark();
    try {
      const n = 2001; // odd: the last spare is dropped
      const st = seeded(rt, rt.naive, 7);
      const out = rt.arena.allocF32(n);
      rt.naive.rng_normal(out, n, st, Math.fround(0.5), Math.fround(2), 0);
      const got = rt.arena.f32(out, n);
      const js = jsRng(7);
      const want: number[] = [];
      while (want.length < n) {
        const u = 2 * (js.next() * 2 ** -32) - 1, v = 2 * (js.next() * 2 ** -32) - 1;
        const s = u * u + v * v;
        if (s >= 1 || s === 0) continue;
        const f = Math.sqrt((-2 * Math.log(s)) / s);
        want.push(0.5 + 2 * u * f, 0.5 + 2 * v * f);
      }
      // The kernel takes ln s as log1p(s − 1) and rounds to f32; Math.log differs by an f64
      // ulp or so, which can flip the f32 rounding: allow 1 f32 ulp (2^-23 relative, + 1e-30).
      for (let i = 0; i < n; i++) {
        const tol = 2 ** -23 * Math.abs(want[i]!) + 1e-30;
        if (!(Math.abs(got[i]! - want[i]!) <= tol)) throw new Error(`normal ${i}: got ${got[i]} want ${want[i]}`);
      }
    } finally { rt.arena.release(mark); }
  });

  it('both builds produce the same streams; different seeds differ', async () => {
    const rt = await getRuntime();
    const mark = rt.arena.mark();
    try {
      const n = 4099;
      const draw = (k: Kernels, seed: number) => {
        const st = seeded(rt, k, seed);
        const out = rt.arena.allocF32(n);
        const res: Float32Array[] = [];
        k.rng_uniform(out, n, st, -0.25, 0.25); res.push(rt.arena.f32(out, n).slice());
        k.rng_normal(out, n, st, 0, 1, 1); res.push(rt.arena.f32(out, n).slice());
        k.rng_dropout_mask(out, n, st, 0.8); res.push(rt.arena.f32(out, n).slice());
        res.push(Float32Array.from(rt.arena.f32(st, 4))); // the final state, as bits
        return res;
      };
      const a = draw(rt.naive, 123), b = draw(rt.simd!, 123), c = draw(rt.naive, 124);
      for (let i = 0; i < a.length; i++) {
        expect(Buffer.from(b[i]!.buffer).equals(Buffer.from(a[i]!.buffer)), `stream ${i} same in both builds`).toBe(true);
      }
      let same = 0;
      for (let i = 0; i < n; i++) if (a[0]![i] === c[0]![i]) same++;
      expect(same, 'seeds 123 and 124 share almost no uniform draws').toBeLessThan(5);
    } finally { rt.arena.release(mark); }
  });
});

describe('rng: distributions (n = 1e5, 5σ bounds)', () => {
  it('uniform [lo, hi): range, mean and variance', async () => {
    const rt = await getRuntime();
    const mark = rt.arena.mark();
    try {
      for (const [lo, hi] of [[0, 1], [-0.05, 0.05], [2, 7]] as const) {
        const st = seeded(rt, rt.simd!, 99);
        const out = rt.arena.allocF32(N);
        rt.simd!.rng_uniform(out, N, st, lo, hi);
        const u = rt.arena.f32(out, N);
        const flo = Math.fround(lo), fhi = Math.fround(hi);
        for (let i = 0; i < N; i++) if (!(u[i]! >= flo && u[i]! < fhi)) throw new Error(`u[${i}] = ${u[i]} outside [${lo}, ${hi})`);
        const { mean, variance } = stats(u);
        const w = hi - lo;
        expect(Math.abs(mean - (lo + hi) / 2)).toBeLessThan(5 * w / Math.sqrt(12 * N));
        expect(Math.abs(variance - w * w / 12)).toBeLessThan(5 * w * w * Math.sqrt(1 / 180 / N));
      }
    } finally { rt.arena.release(mark); }
  });

  it('uniform never returns hi, even where lo + (hi − lo)·u rounds up to it', async () => {
    // lo = 1, hi = 1 + 2^-22: (hi − lo)·u < 2^-22 but 1 + that rounds to hi for u ≥ 0.75.
    const rt = await getRuntime();
    const mark = rt.arena.mark();
    try {
      const hi = 1 + 2 ** -22;
      const st = seeded(rt, rt.naive, 5);
      const out = rt.arena.allocF32(1000);
      rt.naive.rng_uniform(out, 1000, st, 1, hi);
      const u = rt.arena.f32(out, 1000);
      let atLo = 0;
      for (const v of u) { expect(v).toBeLessThan(hi); if (v === 1) atLo++; }
      expect(atLo).toBeGreaterThan(0);
    } finally { rt.arena.release(mark); }
  });

  it('normal: mean and std; truncated normal stays within ±2σ with the truncated std', async () => {
    const rt = await getRuntime();
    const mark = rt.arena.mark();
    try {
      const mu = Math.fround(0.3), sd = Math.fround(0.05);
      for (const trunc of [0, 1]) {
        const st = seeded(rt, rt.simd!, 2024 + trunc);
        const out = rt.arena.allocF32(N);
        rt.simd!.rng_normal(out, N, st, mu, sd, trunc);
        const z = rt.arena.f32(out, N);
        const { mean, variance } = stats(z);
        const wantStd = trunc ? sd * Math.sqrt(0.7737413) : sd;
        // For the truncated case the mean and std errors use the truncated std (a smaller σ).
        expect(Math.abs(mean - mu), `mean, trunc=${trunc}`).toBeLessThan(5 * wantStd / Math.sqrt(N));
        expect(Math.abs(Math.sqrt(variance) - wantStd), `std, trunc=${trunc}`).toBeLessThan(5 * wantStd / Math.sqrt(2 * N));
        let beyond = 0;
        for (let i = 0; i < N; i++) if (Math.abs(z[i]! - mu) > 2 * sd * (1 + 2 ** -22)) beyond++;
        if (trunc) expect(beyond, 'truncated samples beyond 2σ').toBe(0);
        // Untruncated: P(|z| > 2) = 0.0455, σ = sqrt(p(1−p)/n) = 6.6e-4.
        else expect(Math.abs(beyond / N - 0.0455)).toBeLessThan(5 * 6.6e-4);
      }
    } finally { rt.arena.release(mark); }
  });

  it('dropout mask: values exactly 0 or 1/keep, keep fraction within bounds', async () => {
    const rt = await getRuntime();
    const mark = rt.arena.mark();
    try {
      for (const keep of [0.5, 0.8, 0.9, 1]) {
        const st = seeded(rt, rt.simd!, Math.round(keep * 100));
        const out = rt.arena.allocF32(N);
        const fk = Math.fround(keep);
        rt.simd!.rng_dropout_mask(out, N, st, fk);
        const m = rt.arena.f32(out, N);
        const inv = Math.fround(1 / fk);
        let kept = 0;
        for (let i = 0; i < N; i++) {
          if (m[i] === inv) kept++;
          else if (m[i] !== 0) throw new Error(`mask[${i}] = ${m[i]}, want 0 or ${inv}`);
        }
        const sigma = Math.sqrt(keep * (1 - keep) / N);
        expect(Math.abs(kept / N - keep), `keep fraction at keep=${keep}`).toBeLessThanOrEqual(5 * sigma);
      }
    } finally { rt.arena.release(mark); }
  });
});
