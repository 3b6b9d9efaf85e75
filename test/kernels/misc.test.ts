// add(y, x, n): y[i] += x[i]. Each output is one f32 addition of two f32 inputs, and
// Math.fround(a + b) of two f32 values summed in f64 is the correctly rounded f32 sum (f64
// carries more than 2·24 + 2 bits), so the plain TypeScript reference is exact and both builds
// must equal it bit for bit: no tolerance. Covered: every length 0..37 (the SIMD build's
// 4-lane body and every 0..3 tail) and a long array, starts 0/4/8/12 bytes past 16-byte
// alignment for y and x independently, y == x (in place), special values, and the guard
// words on both sides of y and x (nothing outside y[0, n) is written, x is not written).

import { describe, expect, it } from 'vitest';
import { getRuntime } from '../helpers/runtime.js';
import { makeRng, randomArray } from '../helpers/rng.js';
import { expectBitIdentical } from '../helpers/compare.js';
import { allocGuarded, expectGuardsIntact, writeF32 } from '../helpers/memory.js';
import type { Runtime } from '../../src/runtime/load.js';

function addRef(y: Float32Array, x: Float32Array): Float32Array {
  return Float32Array.from(y, (v, i) => Math.fround(v + x[i]!));
}

// Finite guard values (f32 bits of 1.5 and 0.25): a stray y[n] += x[n] turns 1.5 into 1.75,
// where NaN guards on both sides would hide it (NaN + NaN keeps the first payload).
const GUARD_Y = 0x3fc00000;
const GUARD_X = 0x3e800000;

const builds = (rt: Runtime) => [['naive', rt.naive], ['simd', rt.simd!]] as const;

/** Runs add on each build over fresh guarded copies of y and x; checks result, x and guards. */
function checkAdd(rt: Runtime, y0: ArrayLike<number>, x0: ArrayLike<number>, skewY: number, skewX: number, label: string): void {
  const n = y0.length;
  for (const [name, k] of builds(rt)) {
    const mark = rt.arena.mark();
    try {
      const py = allocGuarded(rt, n, skewY, GUARD_Y);
      const px = allocGuarded(rt, n, skewX, GUARD_X);
      const y = writeF32(rt, py, y0);
      const x = writeF32(rt, px, x0);
      const want = addRef(y, x);
      k.add(py, px, n);
      expectBitIdentical(rt.arena.f32(py, n).slice(), want, `${name} ${label} y`);
      expectBitIdentical(rt.arena.f32(px, n).slice(), x, `${name} ${label} x (read only)`);
      expectGuardsIntact(rt, py, n, `${name} ${label} y`, GUARD_Y);
      expectGuardsIntact(rt, px, n, `${name} ${label} x`, GUARD_X);
    } finally { rt.arena.release(mark); }
  }
}

describe('add: y += x, both builds bit-identical to the f32 reference', () => {
  it('every length 0..37, each pair of start offsets', async () => {
    const rt = await getRuntime();
    const rng = makeRng(7);
    for (let n = 0; n <= 37; n++) {
      for (const skewY of [0, 4, 8, 12]) {
        for (const skewX of [0, 4, 8, 12]) {
          // Values of mixed magnitude, so most sums round (a wrong operation order or a lane
          // that adds the wrong element shows up as a bit difference).
          const y = Array.from(randomArray(rng, n, -4, 4), (v, i) => v * 2 ** ((i % 7) - 3));
          const x = Array.from(randomArray(rng, n, -4, 4), (v, i) => v * 2 ** (3 - (i % 5)));
          checkAdd(rt, y, x, skewY, skewX, `n=${n} skew y ${skewY} x ${skewX}`);
        }
      }
    }
  });

  it('a long array (n = 100003)', async () => {
    const rt = await getRuntime();
    const rng = makeRng(11);
    const n = 100_003;
    checkAdd(rt, randomArray(rng, n, -1e3, 1e3), randomArray(rng, n, -1, 1), 4, 12, `n=${n}`);
  });

  it('special values: signed zeros, infinities, subnormals, overflow, cancellation', async () => {
    const rt = await getRuntime();
    const big = 3.4028234663852886e38; // largest f32
    const sub = 2 ** -149;
    const y = [-0, -0, 0, Infinity, -Infinity, sub, big, 1, 1e-8, -3, 2 ** -126, 5];
    const x = [-0, 0, -0, 1, -1e30, sub, big, -1, 1, 3, -(2 ** -127), -Infinity];
    checkAdd(rt, y, x, 8, 4, 'special values');
    // The reference itself on the cases above: -0 + -0 = -0, -0 + 0 = +0, big + big = Inf.
    const r = addRef(Float32Array.from(y), Float32Array.from(x));
    expect(Object.is(r[0], -0) && Object.is(r[1], 0) && r[6] === Infinity && r[9] === 0).toBe(true);
  });

  it('in place (y == x): y becomes 2·y, guards intact', async () => {
    const rt = await getRuntime();
    const rng = makeRng(13);
    for (const n of [0, 1, 3, 4, 5, 8, 31, 1001]) {
      for (const [name, k] of builds(rt)) {
        const mark = rt.arena.mark();
        try {
          const p = allocGuarded(rt, n, 4, GUARD_Y);
          const y = writeF32(rt, p, randomArray(rng, n, -2, 2));
          k.add(p, p, n);
          expectBitIdentical(rt.arena.f32(p, n).slice(), addRef(y, y), `${name} in place n=${n}`);
          expectGuardsIntact(rt, p, n, `${name} in place n=${n}`, GUARD_Y);
        } finally { rt.arena.release(mark); }
      }
    }
  });
});
