// Pooling kernels: three-way equivalence (f64 reference ↔ naive wasm ↔ SIMD wasm) over a sweep
// of channel counts and windows, tie-breaking, and no writes outside the outputs.
//
// Tolerances:
//   maxpool forward: a selection, so y must EQUAL the f32 input it picked (tol 0) and argmax
//     must equal the reference's exactly.
//   maxpool backward: dx_i is a sum of the T_i gradients routed to it, added onto 0 in output
//     order. The first addition is exact and each later one rounds by ≤ 2^-24·S_i
//     (S_i = Σ|terms|), so |err| ≤ (T_i − 1)·2^-24·S_i; we allow (T_i − 1)·2^-23·S_i. With
//     non-overlapping windows T_i ≤ 1 and this is exact equality.
//   avgpool forward: y = (Σ of K values)/K: (K − 1) additions and one division, each ≤ 2^-24
//     relative to Σ|x| or |y|, so |err| ≤ K·2^-24·(Σ|x|/K); we allow K·2^-23·(Σ|x|/K) (dotTol).
//   avgpool backward: dx_i = Σ of T_i rounded shares dy/K: ≤ (T_i + T_i − 1)·2^-24·S_i, we
//     allow T_i·2^-23·S_i.
//   SIMD vs naive: bit-identical for all four kernels. The SIMD kernels only spread the
//     channel loop over lanes; each lane runs the naive operation sequence in the same order
//     (see the assembly/pool/simd.ts header), so there is nothing to round differently.

import { describe, expect, it } from 'vitest';
import { getRuntime } from '../helpers/runtime.js';
import { makeRng, randomArray } from '../helpers/rng.js';
import { dotTol, expectBitIdentical, expectWithin } from '../helpers/compare.js';
import { writeGeom, GEOM_BYTES, type Geom2d, type Kernels } from '../../src/runtime/abi.js';
import type { Runtime } from '../../src/runtime/load.js';
import { windowGeom, type Padding } from '../../src/tensor/geometry.js';
import {
  maxPoolForwardRef, maxPoolBackwardRef, avgPoolForwardRef, avgPoolBackwardRef, xSize, ySize,
} from '../reference/pool.js';
import { putF32 as put } from '../helpers/memory.js';

const GUARD = 8;            // f32 slots after every output, which must stay untouched
const GUARD_BITS = 0x7fc0dead; // a NaN payload nothing computes

interface Win { H: number; W: number; k: [number, number]; s: [number, number]; padding: Padding; note: string }
const WINDOWS: Win[] = [
  { H: 6, W: 7, k: [2, 2], s: [2, 2], padding: 'valid', note: '2x2/s2 (W odd: last column dropped)' },
  { H: 6, W: 7, k: [2, 2], s: [2, 2], padding: 'same', note: '2x2/s2 same (clipped right edge)' },
  { H: 7, W: 7, k: [2, 2], s: [2, 2], padding: 'valid', note: '7x7 2x2/s2 valid (does not tile)' },
  { H: 7, W: 7, k: [2, 2], s: [2, 2], padding: 'same', note: '7x7 2x2/s2 same (does not tile)' },
  { H: 7, W: 9, k: [3, 3], s: [2, 2], padding: 'valid', note: '3x3/s2 (overlapping)' },
  { H: 6, W: 7, k: [3, 3], s: [2, 2], padding: 'same', note: '3x3/s2 same (overlapping, clipped)' },
  { H: 5, W: 6, k: [3, 3], s: [1, 1], padding: 'same', note: '3x3/s1 same (PT = PL = 1)' },
  { H: 5, W: 6, k: [2, 2], s: [1, 1], padding: 'valid', note: '2x2/s1 (overlapping)' },
  { H: 4, W: 5, k: [1, 1], s: [1, 1], padding: 'valid', note: '1x1/s1' },
  { H: 5, W: 5, k: [1, 1], s: [2, 2], padding: 'valid', note: '1x1/s2 (subsample)' },
  { H: 1, W: 1, k: [3, 3], s: [1, 1], padding: 'same', note: '1x1 image, 3x3 same' },
  { H: 5, W: 7, k: [3, 2], s: [2, 1], padding: 1, note: '3x2/s(2,1) pad 1' },
];
const CHANNELS = [1, 3, 4, 5, 8, 13];

interface Bufs { rt: Runtime; g: Geom2d; gp: number }


/** An output buffer of n f32/i32 slots followed by GUARD guard slots. */
function out(rt: Runtime, n: number): number {
  const p = rt.arena.alloc((n + GUARD) * 4);
  rt.arena.i32(p, n + GUARD).fill(GUARD_BITS);
  return p;
}

function checkGuard(rt: Runtime, p: number, n: number, label: string): void {
  const g = rt.arena.i32(p + n * 4, GUARD);
  for (let i = 0; i < GUARD; i++) {
    if (g[i] !== GUARD_BITS) throw new Error(`${label}: wrote past the end of its output (slot n+${i})`);
  }
}

const f32copy = (rt: Runtime, p: number, n: number) => rt.arena.f32(p, n).slice();
const i32copy = (rt: Runtime, p: number, n: number) => rt.arena.i32(p, n).slice();

function setup(rt: Runtime, g: Geom2d): Bufs {
  const gp = rt.arena.alloc(GEOM_BYTES, 'geom');
  writeGeom(rt.arena.memory, gp, g);
  return { rt, g, gp };
}

/** Runs maxpool forward on one build: returns y and argmax. */
function maxFwd(k: Kernels, b: Bufs, xp: number, label: string) {
  const { rt, g, gp } = b;
  const ny = ySize(g);
  const yp = out(rt, ny), ap = out(rt, ny);
  k.maxpool2d_forward(yp, ap, xp, gp);
  checkGuard(rt, yp, ny, `${label} y`);
  checkGuard(rt, ap, ny, `${label} argmax`);
  return { y: f32copy(rt, yp, ny), argmax: i32copy(rt, ap, ny), ap };
}

function runCase(rt: Runtime, B: number, C: number, win: Win, seed: number): void {
  const g = windowGeom([B, win.H, win.W, C], C, { kernel: win.k, stride: win.s, padding: win.padding, kind: 'pool' }, 'pool test');
  const mark = rt.arena.mark();
  try {
    const bufs = setup(rt, g);
    const rng = makeRng(seed);
    const nx = xSize(g), ny = ySize(g);
    const x = Float32Array.from(randomArray(rng, nx, -2, 2));
    const dy = Float32Array.from(randomArray(rng, ny, -1, 1));
    const xp = put(rt, x), dyp = put(rt, dy);
    const simd = rt.simd!;

    // ---- maxpool forward
    const ref = maxPoolForwardRef(x, g);
    const n = maxFwd(rt.naive, bufs, xp, 'naive maxpool forward');
    const s = maxFwd(simd, bufs, xp, 'simd maxpool forward');
    expectWithin(n.y, ref.y, 0, 'naive maxpool y vs f64');
    expect(Array.from(n.argmax), 'naive argmax vs f64').toEqual(Array.from(ref.argmax));
    expectBitIdentical(s.y, n.y, 'simd maxpool y vs naive');
    expect(Array.from(s.argmax), 'simd argmax vs naive').toEqual(Array.from(n.argmax));

    // ---- maxpool backward (argmax from the naive forward, identical to SIMD's)
    const bref = maxPoolBackwardRef(dy, ref.argmax, g);
    const tolMax = bref.absSum.map((a, i) => Math.max(bref.terms[i]! - 1, 0) * 2 ** -23 * a);
    const dxs: Float32Array[] = [];
    for (const [name, k] of [['naive', rt.naive], ['simd', simd]] as const) {
      const dxp = out(rt, nx);
      rt.arena.f32(dxp, nx).fill(123); // must be overwritten, not accumulated into
      k.maxpool2d_backward(dxp, dyp, n.ap, bufs.gp);
      checkGuard(rt, dxp, nx, `${name} maxpool dx`);
      dxs.push(f32copy(rt, dxp, nx));
    }
    expectWithin(dxs[0]!, bref.dx, tolMax, 'naive maxpool dx vs f64');
    expectBitIdentical(dxs[1]!, dxs[0]!, 'simd maxpool dx vs naive');

    // ---- avgpool forward
    const aref = avgPoolForwardRef(x, g);
    const ys: Float32Array[] = [];
    for (const [name, k] of [['naive', rt.naive], ['simd', simd]] as const) {
      const yp = out(rt, ny);
      k.avgpool2d_forward(yp, xp, bufs.gp);
      checkGuard(rt, yp, ny, `${name} avgpool y`);
      ys.push(f32copy(rt, yp, ny));
    }
    expectWithin(ys[0]!, aref.y, dotTol(aref.absSum, aref.terms), 'naive avgpool y vs f64');
    expectBitIdentical(ys[1]!, ys[0]!, 'simd avgpool y vs naive');

    // ---- avgpool backward
    const abref = avgPoolBackwardRef(dy, g);
    const tolAvg = abref.absSum.map((a, i) => abref.terms[i]! * 2 ** -23 * a);
    const adx: Float32Array[] = [];
    for (const [name, k] of [['naive', rt.naive], ['simd', simd]] as const) {
      const dxp = out(rt, nx);
      rt.arena.f32(dxp, nx).fill(-7);
      k.avgpool2d_backward(dxp, dyp, bufs.gp);
      checkGuard(rt, dxp, nx, `${name} avgpool dx`);
      adx.push(f32copy(rt, dxp, nx));
    }
    expectWithin(adx[0]!, abref.dx, tolAvg, 'naive avgpool dx vs f64');
    expectBitIdentical(adx[1]!, adx[0]!, 'simd avgpool dx vs naive');
  } finally {
    rt.arena.release(mark);
  }
}

describe('pooling kernels: f64 reference ↔ naive ↔ SIMD', () => {
  let seed = 1000;
  for (const win of WINDOWS) {
    for (const C of CHANNELS) {
      const B = C % 2 === 0 ? 1 : 3;
      const caseSeed = seed++;
      it(`B=${B} ${win.H}x${win.W}x${C} ${win.note}`, async () => {
        runCase(await getRuntime(), B, C, win, caseSeed);
      });
    }
  }

  // The real LeNet-5 layers (conv1 24x24x6, conv2 8x8x16, both 2x2/s2), and a 3x3/s2 AlexNet-style one.
  for (const [H, W, C, k, s] of [[24, 24, 6, 2, 2], [8, 8, 16, 2, 2], [13, 13, 32, 3, 2]] as const) {
    it(`LeNet-like B=2 ${H}x${W}x${C} ${k}x${k}/s${s}`, async () => {
      runCase(await getRuntime(), 2, C, { H, W, k: [k, k], s: [s, s], padding: 'valid', note: '' }, H * 100 + C);
    });
  }
});

describe('maxpool ties and extremes', () => {
  it('the first maximum in (h, w) order wins ties, in both builds (values from {0, 1, 2})', async () => {
    const rt = await getRuntime();
    const mark = rt.arena.mark();
    try {
      for (const C of [1, 5, 8]) {
        const g = windowGeom([2, 6, 7, C], C, { kernel: [3, 3], stride: [1, 1], padding: 'same', kind: 'pool' }, 'ties');
        const bufs = setup(rt, g);
        const rng = makeRng(77 + C);
        const x = new Float32Array(xSize(g));
        for (let i = 0; i < x.length; i++) x[i] = Math.floor(rng() * 3);
        const xp = put(rt, x);
        const ref = maxPoolForwardRef(x, g);
        let tiedWindows = 0; // make sure ties really occur, or the test proves nothing
        for (let o = 0; o < ref.y.length; o++) if (ref.y[o] === 2) tiedWindows++;
        expect(tiedWindows).toBeGreaterThan(10);
        for (const [name, k] of [['naive', rt.naive], ['simd', rt.simd!]] as const) {
          const r = maxFwd(k, bufs, xp, name);
          expect(Array.from(r.argmax), `${name} argmax with ties, C=${C}`).toEqual(Array.from(ref.argmax));
        }
      }
    } finally {
      rt.arena.release(mark);
    }
  });

  it('handles −inf and huge values (a window of all −inf still points at its first element)', async () => {
    const rt = await getRuntime();
    const mark = rt.arena.mark();
    try {
      const C = 5;
      const g = windowGeom([1, 4, 4, C], C, { kernel: [2, 2], stride: [2, 2], padding: 'valid', kind: 'pool' }, 'extremes');
      const bufs = setup(rt, g);
      const x = new Float32Array(xSize(g)).fill(-Infinity);
      x[(1 * 4 + 3) * C + 2] = 3e38;  // window (0,1), channel 2: a huge max at its last position
      x[(2 * 4 + 0) * C + 4] = -3e38; // window (1,0), channel 4: the only finite value
      const xp = put(rt, x);
      const ref = maxPoolForwardRef(x, g);
      for (const [name, k] of [['naive', rt.naive], ['simd', rt.simd!]] as const) {
        const r = maxFwd(k, bufs, xp, name);
        expect(Array.from(r.argmax), `${name} argmax`).toEqual(Array.from(ref.argmax));
        expect(Array.from(r.y), `${name} y`).toEqual(Array.from(ref.y));
      }
      expect(ref.argmax[0]).toBe(0); // all −inf: the first element of the window
    } finally {
      rt.arena.release(mark);
    }
  });
});
