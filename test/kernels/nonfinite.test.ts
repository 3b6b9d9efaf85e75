// first_nonfinite(x, n): the index of the first NaN or ±infinity in x[0, n), or −1. The SIMD
// build tests 64 floats per branch and then searches the run that failed, so every position
// relative to those runs and to the 16-byte alignment matters. Both builds must return exactly
// the plain TypeScript reference's index (no tolerance: it is an index). Covered: every length
// 0..140 with no bad value, each kind of bad value (NaN, +inf, −inf, a NaN with payload) at
// every position of lengths up to 140, two bad values (the first wins), finite extremes (max
// f32, smallest subnormal, −0) that must not count, and starts 0/4/8/12 bytes past alignment.

import { describe, expect, it } from 'vitest';
import { getRuntime } from '../helpers/runtime.js';
import { makeRng, randomArray } from '../helpers/rng.js';
import { allocGuarded, writeF32 } from '../helpers/memory.js';
import type { Runtime } from '../../src/runtime/load.js';

function firstNonFiniteRef(x: Float32Array): number {
  return x.findIndex((v) => !Number.isFinite(v));
}

const builds = (rt: Runtime) => [['naive', rt.naive], ['simd', rt.simd!]] as const;

function check(rt: Runtime, values: ArrayLike<number>, skew: number, label: string): void {
  const n = values.length;
  for (const [name, k] of builds(rt)) {
    const mark = rt.arena.mark();
    try {
      const p = allocGuarded(rt, n, skew, 0x7fc00000); // NaN guards: a read past n would report n
      const x = writeF32(rt, p, values);
      expect(k.first_nonfinite(p, n), `${name} ${label}`).toBe(firstNonFiniteRef(x));
    } finally { rt.arena.release(mark); }
  }
}

describe('first_nonfinite: both builds give the reference index', () => {
  const rng = makeRng(11);
  const bad = [NaN, Infinity, -Infinity];

  it('all finite, every length 0..140 and alignment, extremes included: −1', async () => {
    const rt = await getRuntime();
    for (let n = 0; n <= 140; n++) {
      for (const skew of [0, 4, 8, 12]) {
        const x = Array.from(randomArray(rng, n, -1, 1), (v, i) => [v, 3.4028234e38, -3.4028234e38, 1.4e-45, -0][i % 5]!);
        check(rt, x, skew, `finite n=${n} skew ${skew}`);
      }
    }
  });

  it('one bad value at every position of every length up to 140', async () => {
    const rt = await getRuntime();
    for (let n = 1; n <= 140; n++) {
      for (let at = 0; at < n; at++) {
        const x = randomArray(rng, n, -2, 2);
        x[at] = bad[(n + at) % 3]!;
        check(rt, x, (at * 4) % 16, `n=${n} bad ${x[at]} at ${at}`);
      }
    }
  });

  it('two bad values: the first is reported, in either order of kinds, across run boundaries', async () => {
    const rt = await getRuntime();
    for (const [a, b] of [[3, 5], [15, 16], [16, 17], [30, 33], [0, 63], [47, 48], [63, 64], [64, 65], [100, 127]] as const) {
      const x = randomArray(rng, 130, -2, 2);
      x[a] = Infinity; x[b] = NaN;
      check(rt, x, 0, `inf at ${a}, NaN at ${b}`);
      x[a] = -3; x[b] = -Infinity;
      check(rt, x, 8, `only -inf at ${b}`);
    }
  });

  it('a NaN with a payload and a negative NaN count as NaN', async () => {
    const rt = await getRuntime();
    const x = Float32Array.from(randomArray(rng, 40, -1, 1));
    const bits = new Uint32Array(x.buffer);
    bits[21] = 0xffc12345; // negative quiet NaN with payload
    bits[33] = 0x7f800001; // signalling NaN (quietened or not, still NaN)
    check(rt, x, 4, 'payload NaN at 21');
    check(rt, x.subarray(22), 0, 'signalling NaN at 11 of the rest');
  });
});
