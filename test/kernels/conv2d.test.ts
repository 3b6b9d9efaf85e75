// conv2d kernels: three-way equivalence (f64 reference ↔ naive wasm ↔ SIMD wasm) over a sweep
// of shapes, plus a hand-computed case, overwrite/accumulate semantics, no writes outside the
// outputs, and no reads past the end of the inputs.
//
// Tolerances (STYLE.md §6): every output is a sum of products, so
//   naive vs f64:   |got − want| ≤ K · 2^-23 · S_i
//   SIMD vs naive:  |got − want| ≤ 2 · K · 2^-23 · S_i   (both sides carry rounding)
// with S_i = Σ|terms| of output i (+|bias| / +|initial dw, db|), computed by the reference, and
// K the reduction length: the most products any output sums, plus one for the bias or the
// initial value that is added. This is the worst-case bound for float32 summation in any
// order (K−1 additions + 1 product rounding, plus the extra addend), so it holds for the
// naive loop order and for the SIMD blocked/tiled order alike:
//   forward          K = KH·KW·C (+1 with bias)
//   backward_input   K = (taps that reach one input)·OC ≤ ⌈KH/SH⌉·⌈KW/SW⌉·OC
//   backward_filter  K = B·OH·OW + 1 (dw and db accumulate onto initial values)

import { afterAll, describe, expect, it } from 'vitest';
import { getRuntime } from '../helpers/runtime.js';
import { makeRng, randomArray } from '../helpers/rng.js';
import { dotTol, expectWithin } from '../helpers/compare.js';
import { writeGeom, GEOM_BYTES, type Geom2d, type Kernels } from '../../src/runtime/abi.js';
import type { Runtime } from '../../src/runtime/load.js';
import { windowGeom, type Padding } from '../../src/tensor/geometry.js';
import {
  conv2dForwardRef, conv2dBackwardInputRef, conv2dBackwardFilterRef, xSize, ySize, wSize,
} from '../reference/conv2d.js';

interface Case {
  B: number; H: number; W: number; C: number; OC: number;
  KH: number; KW: number; SH: number; SW: number; padding: Padding;
  /** Bias in forward and db in backward_filter (absent: pointer 0 for both). */
  bias: boolean;
}

function c(B: number, H: number, W: number, C: number, OC: number, k: [number, number], s: [number, number],
  padding: Padding, bias = true): Case {
  return { B, H, W, C, OC, KH: k[0], KW: k[1], SH: s[0], SW: s[1], padding, bias };
}

// C and OC from {1,3,4,5,8,13} (plus the real layers' 6, 16, 32, 64); H, W not multiples of 4;
// 1x1 images; kernels 1x1, 2x2 (even, also with 'same': the extra pad goes bottom/right),
// 3x3, 5x5, 3x2; strides 1, 2, 3, (2,1); padding valid / same / explicit 1; B 1 and 3.
// B·OH·OW above 64 (the SIMD block) makes blocks straddle sample boundaries and split rows.
const CASES: Case[] = [
  c(1, 7, 9, 1, 1, [3, 3], [1, 1], 'valid'),
  c(3, 7, 9, 3, 4, [3, 3], [1, 1], 'same', false),
  c(1, 7, 9, 4, 5, [3, 3], [2, 2], 'same'),
  c(3, 7, 9, 5, 8, [3, 3], [1, 1], 1),
  c(1, 7, 9, 8, 13, [5, 5], [1, 1], 'same'),
  c(3, 9, 7, 13, 3, [5, 5], [2, 2], 'valid', false),
  c(1, 1, 1, 3, 5, [1, 1], [1, 1], 'valid'),
  c(3, 1, 1, 13, 8, [3, 3], [1, 1], 'same'),
  c(1, 1, 1, 1, 13, [2, 2], [1, 1], 'same'),
  c(3, 6, 5, 4, 4, [2, 2], [1, 1], 'same'),
  c(1, 7, 9, 5, 3, [2, 2], [2, 2], 'valid', false),
  c(3, 7, 10, 3, 13, [3, 2], [1, 1], 'same'),
  c(1, 7, 9, 8, 5, [3, 2], [2, 1], 1),
  c(3, 11, 7, 1, 6, [5, 5], [1, 1], 'same'),
  c(1, 10, 10, 6, 16, [5, 5], [1, 1], 'valid'),
  c(1, 6, 6, 32, 64, [3, 3], [1, 1], 'valid'),
  c(1, 9, 9, 3, 5, [2, 2], [3, 3], 'valid'),
  c(3, 10, 7, 4, 3, [3, 3], [3, 3], 'same', false),
  c(3, 7, 9, 5, 8, [1, 1], [2, 2], 'valid'),
  c(1, 7, 9, 3, 4, [5, 5], [2, 2], 1),
  c(1, 5, 6, 1, 1, [1, 1], [1, 1], 'valid', false),
  c(1, 9, 10, 1, 32, [3, 3], [1, 1], 'valid'),
  c(3, 7, 7, 1, 4, [5, 5], [2, 2], 'same'),
  c(1, 13, 11, 3, 1, [3, 3], [2, 1], 'same'),
  c(3, 5, 7, 8, 1, [2, 2], [1, 1], 1, false),
  c(1, 7, 5, 13, 13, [3, 3], [1, 1], 1),
  c(3, 3, 2, 5, 5, [3, 2], [1, 1], 'same'),
  c(1, 2, 3, 4, 8, [5, 5], [1, 1], 'same'),
  c(3, 9, 11, 3, 8, [3, 3], [2, 2], 'valid'),
  c(1, 11, 9, 4, 13, [2, 2], [2, 2], 'same', false),
  c(3, 1, 7, 3, 3, [1, 1], [1, 2], 'valid'),
  c(1, 1, 9, 5, 4, [3, 3], [1, 1], 'same'),
  c(3, 7, 9, 13, 5, [3, 3], [3, 3], 1),
  c(1, 14, 14, 1, 6, [5, 5], [1, 1], 'same'),
  c(3, 10, 10, 6, 16, [5, 5], [1, 1], 'valid', false),
  c(1, 8, 6, 8, 3, [3, 2], [3, 3], 'valid'),
  c(3, 4, 4, 1, 5, [2, 2], [2, 1], 1),
  c(1, 9, 7, 5, 1, [5, 5], [3, 3], 'same'),
  c(3, 6, 9, 4, 13, [1, 1], [1, 1], 'same'),
  c(1, 3, 3, 3, 3, [3, 3], [1, 1], 1, false),
  // C = 1 takes the SIMD build's transposed-im2col path: strided gathers, rows split by blocks.
  c(3, 10, 11, 1, 8, [3, 2], [3, 3], 'valid'),
  c(3, 9, 13, 1, 3, [3, 3], [2, 1], 'same', false),
  // C = 1 with SW = 1 takes the SIMD build's direct kernels (conv2d/direct.ts): 8-pixel tiles
  // with 1..7-pixel tails (OW mod 8 from 1 to 7), channel groups of 4 with 1..3 left over
  // (OC = 1, 2, 3, 5, 6, 7, 15, 24), OC < 16 for the direct backward_input and 16, 24 for the
  // im2col one, 'same' and explicit padding wider than the image, SH = 2, kernels wider than W.
  c(2, 28, 28, 1, 6, [5, 5], [1, 1], 'same'),
  c(2, 12, 13, 1, 24, [5, 5], [1, 1], 'valid'),
  c(2, 9, 11, 1, 7, [3, 3], [1, 1], 'valid', false),
  c(1, 6, 6, 1, 2, [5, 5], [1, 1], 2),
  c(3, 5, 5, 1, 3, [3, 3], [1, 1], 'same'),
  c(2, 8, 14, 1, 15, [3, 3], [1, 1], 'valid'),
  c(2, 7, 10, 1, 16, [3, 2], [1, 1], 'same'),
  c(1, 11, 9, 1, 5, [5, 3], [2, 1], 1),
  c(2, 3, 2, 1, 6, [5, 5], [1, 1], 'same', false),
  c(1, 4, 21, 1, 1, [1, 7], [1, 1], 'same'),
  // OC a multiple of 4 takes the channel-vector kernels (conv2d/direct-cv.ts): forward tiles of
  // 4, 3 or 2 channel vectors with 1..3 vectors left over (OC = 4, 8, 12, 20, 28, 32) and
  // pixel tails of 1..3; backward_filter tap groups of 5, 3 or KW with 1..4 taps left over
  // (KW = 1, 2, 3, 4, 5, 7, 9); SH = 2. OC = 4k + 6 ends with the 6-channel forward tile
  // (OC = 6, 10, 14) with 1..4 valid pixels in a row's last vector.
  c(2, 9, 11, 1, 4, [3, 3], [1, 1], 'valid'),
  c(1, 8, 10, 1, 8, [5, 5], [1, 1], 'same'),
  c(3, 7, 8, 1, 12, [3, 3], [2, 1], 'same'),
  c(2, 10, 9, 1, 20, [3, 2], [1, 1], 1, false),
  c(1, 9, 13, 1, 28, [2, 7], [2, 1], 'same'),
  c(2, 10, 11, 1, 32, [3, 3], [1, 1], 'valid'),
  c(1, 9, 10, 1, 32, [3, 3], [2, 1], 'same', false),
  c(1, 6, 7, 1, 4, [2, 4], [1, 1], 'same'),
  c(1, 5, 12, 1, 8, [1, 9], [1, 1], 'valid'),
  c(2, 6, 6, 1, 16, [1, 1], [1, 1], 'valid'),
  c(2, 8, 11, 1, 6, [3, 3], [2, 1], 'valid'),
  c(1, 7, 10, 1, 10, [3, 3], [1, 1], 'same'),
  c(2, 6, 5, 1, 14, [5, 3], [1, 1], 1),
  // C > 1 takes the SIMD build's implicit kernels (conv2d/implicit.ts) for forward and
  // backward_filter: x read in place ('valid'), in several bands of output rows when a sample's
  // rows pass 32 KB; padded bands copied to scratch, several of them when the sample does not
  // fit there, with stride 2; KW·C mod 4 = 0..3 (taps left over per kernel row, and KW·C < 4);
  // and a band too wide for the scratch, which falls back to the im2col path.
  c(2, 40, 40, 4, 8, [3, 3], [1, 1], 'valid'),
  c(2, 30, 30, 3, 5, [3, 3], [1, 1], 'same'),
  c(1, 41, 23, 5, 4, [3, 3], [2, 2], 'same', false),
  c(3, 5, 6, 2, 7, [3, 1], [1, 1], 'valid'),
  c(2, 9, 8, 7, 12, [2, 3], [1, 2], 2),
  c(1, 3, 300, 2, 3, [3, 3], [1, 1], 'same'),
  // Unit strides with OC ≤ 32 take the SIMD build's batch-lanes backward_input
  // (conv2d/input-lanes.ts: whole vectors of 4 samples, 8 or 16 per pass) and its per-sample
  // remainder (input-pixels.ts: the last B mod 4 samples, lanes over channels, 1..4-pixel
  // tiles). B = 4, 5, 7, 8, 9, 12, 13, 16, 17 mixes both and leaves 1..3 vectors of a pass;
  // C = 2..8, 13, 16, 24 (C ≤ 3 passes 16 samples, else 8; channel groups of 3, 6 or 8 and
  // remainders; C mod 4 for the remainder's last channel vector); W not multiples of 4 (pixel
  // tails); OC 1, 3, 16, 32; 1x1 to 5x5 kernels, 'same', explicit padding wider than the kernel.
  c(4, 5, 7, 2, 3, [3, 3], [1, 1], 'same'),
  c(5, 6, 6, 3, 16, [5, 5], [1, 1], 'valid'),
  c(7, 7, 9, 4, 5, [3, 3], [1, 1], 'same', false),
  c(8, 14, 14, 6, 16, [5, 5], [1, 1], 'valid'),
  c(9, 5, 10, 5, 1, [2, 2], [1, 1], 'same'),
  c(12, 6, 5, 7, 8, [3, 2], [1, 1], 1),
  c(13, 4, 6, 8, 32, [3, 3], [1, 1], 'valid'),
  c(16, 3, 5, 2, 4, [1, 1], [1, 1], 'valid'),
  c(17, 5, 3, 3, 13, [3, 3], [1, 1], 3),
  c(4, 7, 6, 13, 7, [3, 3], [1, 1], 'same'),
  c(5, 6, 7, 16, 32, [3, 3], [1, 1], 'valid', false),
  c(8, 12, 12, 24, 32, [3, 3], [1, 1], 'valid'),
  c(2, 9, 11, 6, 16, [5, 5], [1, 1], 'same'),
  c(3, 4, 1, 5, 6, [2, 3], [1, 1], 'same'),
  // C = 1: passes of 16 samples in input-lanes.ts, the rest (B mod 16) per sample through
  // direct-input.ts; OC ≥ 16 too.
  c(16, 5, 6, 1, 16, [3, 3], [1, 1], 'valid'),
  c(19, 6, 9, 1, 3, [5, 5], [1, 1], 'same'),
  c(33, 4, 5, 1, 24, [3, 2], [1, 1], 1),
  // Excluded by the rule, still on the im2col path: OC > 32, strides.
  c(4, 6, 6, 6, 33, [3, 3], [1, 1], 'valid'),
  c(5, 7, 9, 6, 16, [3, 3], [2, 1], 'same'),
  c(17, 9, 10, 1, 33, [3, 3], [1, 1], 'valid'),
];

const caseName = (k: Case) =>
  `B${k.B} ${k.H}x${k.W}x${k.C} -> ${k.OC}@${k.KH}x${k.KW} s${k.SH},${k.SW} ${JSON.stringify(k.padding)}${k.bias ? ' +bias' : ''}`;

/** Worst err/tol seen per comparison kind, printed at the end to show how close to the bounds we run. */
const worst: Record<string, { ratio: number; at: string }> = {};
function note(kind: string, ratio: number, at: string): void {
  if (!worst[kind] || ratio > worst[kind]!.ratio) worst[kind] = { ratio, at };
}
afterAll(() => {
  for (const [k, v] of Object.entries(worst)) console.log(`conv2d worst err/tol ${k}: ${v.ratio.toFixed(4)} (${v.at})`);
});

const f32 = (a: ArrayLike<number>) => Float32Array.from(a);
const maxOf = (a: Int32Array) => a.reduce((m, v) => Math.max(m, v), 0);

/** f32 buffers in the arena with a guard band after each, checked after every kernel call. */
class Buffers {
  private guards: { ptr: number; n: number; what: string }[] = [];
  constructor(private rt: Runtime) {}
  static readonly GUARD = 8;
  static readonly GUARD_VALUE = -1234.5;
  alloc(n: number, what: string, init?: ArrayLike<number>): number {
    const p = this.rt.arena.alloc((n + Buffers.GUARD) * 4, what);
    const v = this.rt.arena.f32(p, n + Buffers.GUARD);
    v.fill(Buffers.GUARD_VALUE, n);
    if (init) v.set(init); else v.fill(0, 0, n);
    this.guards.push({ ptr: p + n * 4, n: Buffers.GUARD, what });
    return p;
  }
  /** Scratch of exactly `bytes` (a multiple of 4), guarded the same way, holding NaN garbage. */
  scratch(bytes: number, what: string): number {
    expect(bytes % 4, `${what} scratch bytes is a whole number of f32`).toBe(0);
    return this.alloc(bytes / 4, what, new Float32Array(bytes / 4).fill(NaN));
  }
  checkGuards(after: string): void {
    for (const gd of this.guards) {
      const v = this.rt.arena.f32(gd.ptr, gd.n);
      for (let i = 0; i < gd.n; i++) {
        if (v[i] !== Buffers.GUARD_VALUE) throw new Error(`${after} wrote past the end of ${gd.what} (guard word ${i} is ${v[i]})`);
      }
    }
  }
  read(p: number, n: number): Float32Array { return this.rt.arena.f32(p, n).slice(); }
}

function geomPtr(rt: Runtime, g: Geom2d): number {
  const p = rt.arena.alloc(GEOM_BYTES, 'geometry');
  writeGeom(rt.arena.memory, p, g);
  return p;
}

describe('conv2d kernels: naive vs f64 reference, SIMD vs naive', () => {
  CASES.forEach((k, idx) => {
    it(caseName(k), async () => {
      const rt = await getRuntime();
      const builds: [string, Kernels][] = [['naive', rt.naive], ['simd', rt.simd!]];
      const mark = rt.arena.mark();
      try {
        const g = windowGeom([k.B, k.H, k.W, k.C], k.OC, { kernel: [k.KH, k.KW], stride: [k.SH, k.SW], padding: k.padding }, 'test');
        const rng = makeRng(1000 + idx);
        // Inputs rounded to f32 first, so the reference sees exactly what the kernels see.
        const x = f32(randomArray(rng, xSize(g)));
        const w = f32(randomArray(rng, wSize(g)));
        const bias = k.bias ? f32(randomArray(rng, k.OC)) : undefined;
        const dy = f32(randomArray(rng, ySize(g)));
        const dw0 = f32(randomArray(rng, wSize(g)));
        const db0 = f32(randomArray(rng, k.OC));

        const fwd = conv2dForwardRef(x, w, bias, g);
        const bin = conv2dBackwardInputRef(dy, w, g);
        const bfl = conv2dBackwardFilterRef(dy, x, g, dw0, k.bias ? db0 : undefined);
        const kFwd = maxOf(fwd.terms) + (k.bias ? 1 : 0);
        const kIn = Math.max(maxOf(bin.terms), 1);
        const kW = maxOf(bfl.dw.terms) + 1;
        const kB = maxOf(bfl.db.terms) + 1;
        // The sweep's bounds use the brief's reduction lengths; check they are what we derived.
        expect(kFwd).toBe(k.KH * k.KW * k.C + (k.bias ? 1 : 0) - countPartialForward(g));
        expect(kIn).toBeLessThanOrEqual(Math.ceil(k.KH / k.SH) * Math.ceil(k.KW / k.SW) * k.OC);
        expect(kW).toBeLessThanOrEqual(k.B * g.OH * g.OW + 1);

        const bufs = new Buffers(rt);
        const gp = geomPtr(rt, g);
        const px = bufs.alloc(x.length, 'x', x);
        const pw = bufs.alloc(w.length, 'w', w);
        const pb = bias ? bufs.alloc(k.OC, 'bias', bias) : 0;
        const pdy = bufs.alloc(dy.length, 'dy', dy);
        const outs = new Map<string, { y: Float32Array; dx: Float32Array; dw: Float32Array; db?: Float32Array }>();
        for (const [name, kern] of builds) {
          const py = bufs.alloc(ySize(g), `${name} y`, new Float32Array(ySize(g)).fill(NaN));
          const pdx = bufs.alloc(xSize(g), `${name} dx`, new Float32Array(xSize(g)).fill(NaN));
          const pdw = bufs.alloc(wSize(g), `${name} dw`, dw0);
          const pdb = k.bias ? bufs.alloc(k.OC, `${name} db`, db0) : 0;
          const ps = bufs.scratch(kern.conv2d_scratch_bytes(gp), `${name} scratch`);
          kern.conv2d_forward(py, px, pw, pb, gp, ps);
          bufs.checkGuards(`${name} conv2d_forward`);
          kern.conv2d_backward_input(pdx, pdy, pw, gp, ps);
          bufs.checkGuards(`${name} conv2d_backward_input`);
          kern.conv2d_backward_filter(pdw, pdb, pdy, px, gp, ps);
          bufs.checkGuards(`${name} conv2d_backward_filter`);
          outs.set(name, {
            y: bufs.read(py, ySize(g)), dx: bufs.read(pdx, xSize(g)), dw: bufs.read(pdw, wSize(g)),
            db: k.bias ? bufs.read(pdb, k.OC) : undefined,
          });
        }
        // The inputs are read-only.
        expect(Array.from(bufs.read(px, x.length))).toEqual(Array.from(x));
        expect(Array.from(bufs.read(pw, w.length))).toEqual(Array.from(w));
        expect(Array.from(bufs.read(pdy, dy.length))).toEqual(Array.from(dy));

        const name = caseName(k);
        const n = outs.get('naive')!, s = outs.get('simd')!;
        note('forward naive/f64', expectWithin(n.y, fwd.value, dotTol(fwd.absSum, kFwd, 1), `forward naive vs f64 ${name}`), name);
        note('forward simd/naive', expectWithin(s.y, n.y, dotTol(fwd.absSum, kFwd, 2), `forward simd vs naive ${name}`), name);
        note('input naive/f64', expectWithin(n.dx, bin.value, dotTol(bin.absSum, kIn, 1), `backward_input naive vs f64 ${name}`), name);
        note('input simd/naive', expectWithin(s.dx, n.dx, dotTol(bin.absSum, kIn, 2), `backward_input simd vs naive ${name}`), name);
        note('filter dw naive/f64', expectWithin(n.dw, bfl.dw.value, dotTol(bfl.dw.absSum, kW, 1), `backward_filter dw naive vs f64 ${name}`), name);
        note('filter dw simd/naive', expectWithin(s.dw, n.dw, dotTol(bfl.dw.absSum, kW, 2), `backward_filter dw simd vs naive ${name}`), name);
        if (k.bias) {
          note('filter db naive/f64', expectWithin(n.db!, bfl.db.value, dotTol(bfl.db.absSum, kB, 1), `backward_filter db naive vs f64 ${name}`), name);
          note('filter db simd/naive', expectWithin(s.db!, n.db!, dotTol(bfl.db.absSum, kB, 2), `backward_filter db simd vs naive ${name}`), name);
        }
      } finally {
        rt.arena.release(mark);
      }
    });
  });
});

/**
 * 0 when some output pixel has its whole window inside the input (then the longest reduction
 * is the full KH·KW·C); otherwise how many products the best-covered pixel misses. Lets the
 * test assert the reference's term count against the formula instead of trusting it.
 */
function countPartialForward(g: Geom2d): number {
  let best = 0;
  for (let oh = 0; oh < g.OH; oh++) {
    let rows = 0;
    for (let kh = 0; kh < g.KH; kh++) { const ih = oh * g.SH - g.PT + kh; if (ih >= 0 && ih < g.H) rows++; }
    for (let ow = 0; ow < g.OW; ow++) {
      let cols = 0;
      for (let kw = 0; kw < g.KW; kw++) { const iw = ow * g.SW - g.PL + kw; if (iw >= 0 && iw < g.W) cols++; }
      best = Math.max(best, rows * cols);
    }
  }
  return (g.KH * g.KW - best) * g.C;
}

/** Whether the SIMD build's backward_input takes the batch-lanes kernel (lanesInputApplies). */
const lanesPath = (k: Case) => k.SH === 1 && k.SW === 1 && k.OC <= 32;

describe('conv2d backward_input, batch-lanes kernel: the naive bits', () => {
  // input-lanes.ts and input-pixels.ts add each element's terms in the naive kernel's order (kh,
  // kw, oc ascending, each product rounded then added; the remainder's extra zero terms change
  // nothing, see input-pixels.ts), so their dx equals the naive dx bit for bit, whatever B.
  CASES.filter(lanesPath).forEach((k, idx) => {
    it(caseName(k), async () => {
      const rt = await getRuntime();
      const mark = rt.arena.mark();
      try {
        const g = windowGeom([k.B, k.H, k.W, k.C], k.OC, { kernel: [k.KH, k.KW], stride: [k.SH, k.SW], padding: k.padding }, 'test');
        const rng = makeRng(3000 + idx);
        const bufs = new Buffers(rt);
        const gp = geomPtr(rt, g);
        const pw = bufs.alloc(wSize(g), 'w', f32(randomArray(rng, wSize(g))));
        const pdy = bufs.alloc(ySize(g), 'dy', f32(randomArray(rng, ySize(g))));
        const got: Float32Array[] = [];
        for (const [name, kern] of [['naive', rt.naive], ['simd', rt.simd!]] as const) {
          const pdx = bufs.alloc(xSize(g), `${name} dx`, new Float32Array(xSize(g)).fill(NaN));
          const ps = bufs.scratch(kern.conv2d_scratch_bytes(gp), `${name} scratch`);
          kern.conv2d_backward_input(pdx, pdy, pw, gp, ps);
          bufs.checkGuards(`${name} conv2d_backward_input`);
          got.push(bufs.read(pdx, xSize(g)));
        }
        expect(Array.from(got[1]!), 'simd dx vs naive dx').toEqual(Array.from(got[0]!));
        // A sample's dx is its own: the same sample in a batch of one gives the same bits
        // (there it goes through the remainder kernel alone).
        const b = k.B - 1, n1 = xSize(g) / k.B, m1 = ySize(g) / k.B;
        const g1 = windowGeom([1, k.H, k.W, k.C], k.OC, { kernel: [k.KH, k.KW], stride: [k.SH, k.SW], padding: k.padding }, 'test');
        const gp1 = geomPtr(rt, g1);
        const pdy1 = bufs.alloc(m1, 'dy of one sample', bufs.read(pdy + 4 * b * m1, m1));
        const pdx1 = bufs.alloc(n1, 'dx of one sample', new Float32Array(n1).fill(NaN));
        rt.simd!.conv2d_backward_input(pdx1, pdy1, pw, gp1, bufs.scratch(rt.simd!.conv2d_scratch_bytes(gp1), 'scratch B=1'));
        bufs.checkGuards('simd conv2d_backward_input B=1');
        expect(Array.from(bufs.read(pdx1, n1)), 'simd dx of the last sample alone').toEqual(Array.from(got[1]!.subarray(b * n1)));
      } finally {
        rt.arena.release(mark);
      }
    });
  });
});

describe('conv2d kernels: fixed cases', () => {
  it('hand-computed 3x3 input, 2x2 kernel, same padding (extra pad bottom/right), bias', async () => {
    // x (1 channel):  1 2 3     w (2x2, 1→1): 1  2     bias 0.5
    //                 4 5 6                   -1  3
    //                 7 8 9
    // 'same' with K=2: OH = 3, pad total 1, all of it after (bottom/right), so output (i,j)
    // covers x[i..i+1][j..j+1] with zeros past the edge:
    //   y[i][j] = x[i][j] + 2·x[i][j+1] − x[i+1][j] + 3·x[i+1][j+1] + 0.5
    //   row 0:  1+4−4+15 = 16 → 16.5    2+6−5+18 = 21 → 21.5    3+0−6+0 = −3 → −2.5
    //   row 1:  4+10−7+24 = 31 → 31.5   5+12−8+27 = 36 → 36.5   6+0−9+0 = −3 → −2.5
    //   row 2:  7+16 = 23 → 23.5        8+18 = 26 → 26.5        9 → 9.5
    const rt = await getRuntime();
    const mark = rt.arena.mark();
    try {
      const g = windowGeom([1, 3, 3, 1], 1, { kernel: [2, 2], stride: [1, 1], padding: 'same' }, 'test');
      expect([g.OH, g.OW, g.PT, g.PL]).toEqual([3, 3, 0, 0]);
      const bufs = new Buffers(rt);
      const gp = geomPtr(rt, g);
      const px = bufs.alloc(9, 'x', [1, 2, 3, 4, 5, 6, 7, 8, 9]);
      const pw = bufs.alloc(4, 'w', [1, 2, -1, 3]);
      const pb = bufs.alloc(1, 'bias', [0.5]);
      const want = [16.5, 21.5, -2.5, 31.5, 36.5, -2.5, 23.5, 26.5, 9.5];
      for (const [name, kern] of [['naive', rt.naive], ['simd', rt.simd!]] as const) {
        const py = bufs.alloc(9, `${name} y`);
        const ps = bufs.scratch(kern.conv2d_scratch_bytes(gp), `${name} scratch`);
        kern.conv2d_forward(py, px, pw, pb, gp, ps);
        bufs.checkGuards(name);
        // Small integers: every sum is exact in f32, so this is exact equality.
        expect(Array.from(bufs.read(py, 9)), name).toEqual(want);
      }
    } finally {
      rt.arena.release(mark);
    }
  });

  it('backward_filter accumulates: two calls add twice the gradient; backward_input overwrites', async () => {
    const rt = await getRuntime();
    const mark = rt.arena.mark();
    try {
      const g = windowGeom([2, 6, 7, 3], 5, { kernel: [3, 3], stride: [1, 1], padding: 'same' }, 'test');
      const rng = makeRng(77);
      const bufs = new Buffers(rt);
      const gp = geomPtr(rt, g);
      const px = bufs.alloc(xSize(g), 'x', f32(randomArray(rng, xSize(g))));
      const pw = bufs.alloc(wSize(g), 'w', f32(randomArray(rng, wSize(g))));
      const pdy = bufs.alloc(ySize(g), 'dy', f32(randomArray(rng, ySize(g))));
      for (const [name, kern] of [['naive', rt.naive], ['simd', rt.simd!]] as const) {
        const ps = bufs.scratch(kern.conv2d_scratch_bytes(gp), `${name} scratch`);
        const once = bufs.alloc(wSize(g), 'dw once');
        const dbOnce = bufs.alloc(5, 'db once');
        const twice = bufs.alloc(wSize(g), 'dw twice');
        const dbTwice = bufs.alloc(5, 'db twice');
        kern.conv2d_backward_filter(once, dbOnce, pdy, px, gp, ps);
        kern.conv2d_backward_filter(twice, dbTwice, pdy, px, gp, ps);
        kern.conv2d_backward_filter(twice, dbTwice, pdy, px, gp, ps);
        // g + g = 2g exactly in binary floating point (both calls compute the same g).
        expect(Array.from(bufs.read(twice, wSize(g))), `${name} dw`).toEqual(Array.from(bufs.read(once, wSize(g)), (v) => 2 * v));
        expect(Array.from(bufs.read(dbTwice, 5)), `${name} db`).toEqual(Array.from(bufs.read(dbOnce, 5), (v) => 2 * v));
        // db = 0 skips the bias gradient and leaves dw the same.
        const noDb = bufs.alloc(wSize(g), 'dw without db');
        kern.conv2d_backward_filter(noDb, 0, pdy, px, gp, ps);
        expect(Array.from(bufs.read(noDb, wSize(g))), `${name} dw with db = 0`).toEqual(Array.from(bufs.read(once, wSize(g))));
        // backward_input twice into the same dx gives the same dx (overwrite, not +=).
        const dx1 = bufs.alloc(xSize(g), 'dx1');
        const dx2 = bufs.alloc(xSize(g), 'dx2', new Float32Array(xSize(g)).fill(1e30));
        kern.conv2d_backward_input(dx1, pdy, pw, gp, ps);
        kern.conv2d_backward_input(dx2, pdy, pw, gp, ps);
        kern.conv2d_backward_input(dx2, pdy, pw, gp, ps);
        expect(Array.from(bufs.read(dx2, xSize(g))), `${name} dx`).toEqual(Array.from(bufs.read(dx1, xSize(g))));
        bufs.checkGuards(name);
      }
    } finally {
      rt.arena.release(mark);
    }
  });

  it('reads nothing past the end of x, w, bias, dy or scratch (each placed flush with the end of memory)', async () => {
    // A read past the last byte of memory traps ("memory access out of bounds"), so putting each
    // input in turn at the very end of memory catches any over-read by the f32x4 tails. The shape
    // has C = 3, OC = 5, K = 27 and B·OH·OW = 21: tails in every dimension, and 21 = 4·5 + 1 leaves
    // a single-row tile (the case where the row clamp is all that keeps dy's loads in bounds).
    // The 'valid' twin (B·OH·OW = 20) has the SIMD build read x in place (conv2d/implicit.ts), so
    // its last taps are the last floats of x; the 'same' one copies padded bands. The C = 1 shapes
    // take the direct kernels: channel vectors (OC = 32) and the 6-channel tile.
    const rt = await getRuntime();
    const shapes = [
      windowGeom([1, 5, 7, 3], 5, { kernel: [3, 3], stride: [2, 1], padding: 'same' }, 'test'),
      windowGeom([1, 6, 7, 3], 5, { kernel: [3, 3], stride: [1, 1], padding: 'valid' }, 'test'),
      windowGeom([2, 5, 9, 1], 32, { kernel: [3, 3], stride: [1, 1], padding: 'valid' }, 'test'),
      windowGeom([1, 6, 7, 1], 6, { kernel: [5, 5], stride: [1, 1], padding: 'same' }, 'test'),
    ];
    expect(shapes[0]!.B * shapes[0]!.OH * shapes[0]!.OW).toBe(21);
    expect(shapes[1]!.B * shapes[1]!.OH * shapes[1]!.OW).toBe(20);
    for (const [gi, g] of shapes.entries()) {
      const rng = makeRng(5);
      const data: Record<string, Float32Array> = {
        x: f32(randomArray(rng, xSize(g))), w: f32(randomArray(rng, wSize(g))),
        bias: f32(randomArray(rng, g.OC)), dy: f32(randomArray(rng, ySize(g))),
      };
      const db0 = new Float32Array(g.OC);
      const fwd = conv2dForwardRef(data.x!, data.w!, data.bias!, g);
      const bin = conv2dBackwardInputRef(data.dy!, data.w!, g);
      const bfl = conv2dBackwardFilterRef(data.dy!, data.x!, g, new Float32Array(wSize(g)), db0);
      for (const last of ['x', 'w', 'bias', 'dy', 'scratch'] as const) {
        for (const [name, kern] of [['naive', rt.naive], ['simd', rt.simd!]] as const) {
          const mark = rt.arena.mark();
          try {
            const gp = geomPtr(rt, g);
            const ptr: Record<string, number> = {};
            for (const key of ['x', 'w', 'bias', 'dy']) {
              if (key === last) continue;
              ptr[key] = rt.arena.alloc(data[key]!.length * 4, key);
              rt.arena.f32(ptr[key]!, data[key]!.length).set(data[key]!);
            }
            const scratchBytes = kern.conv2d_scratch_bytes(gp);
            if (last !== 'scratch') ptr.scratch = rt.arena.alloc(scratchBytes, 'scratch');
            const py = rt.arena.alloc(ySize(g) * 4);
            const pdx = rt.arena.alloc(xSize(g) * 4);
            const pdw = rt.arena.allocF32(wSize(g));
            const pdb = rt.arena.allocF32(g.OC);
            // Reserve room for `last`, take the rest of memory too, and put `last` flush with its end.
            const bytes = last === 'scratch' ? scratchBytes : data[last]!.length * 4;
            rt.arena.alloc(bytes + 64, 'room for the last buffer');
            rt.arena.alloc(rt.arena.capacity - rt.arena.used, 'rest of memory');
            ptr[last] = rt.arena.capacity - bytes;
            if (last !== 'scratch') rt.arena.f32(ptr[last]!, data[last]!.length).set(data[last]!);
            kern.conv2d_forward(py, ptr.x!, ptr.w!, ptr.bias!, gp, ptr.scratch!);
            kern.conv2d_backward_input(pdx, ptr.dy!, ptr.w!, gp, ptr.scratch!);
            kern.conv2d_backward_filter(pdw, pdb, ptr.dy!, ptr.x!, gp, ptr.scratch!);
            // And the results are right: the naive bound against f64 (any summation order meets
            // it, see the top of this file), with K from the formulas (+1 for the bias).
            const label = `${name} shape ${gi}, ${last} at the end of memory`;
            const kIn = Math.ceil(g.KH / g.SH) * Math.ceil(g.KW / g.SW) * g.OC, kFl = g.B * g.OH * g.OW + 1;
            expectWithin(rt.arena.f32(py, ySize(g)), fwd.value, dotTol(fwd.absSum, g.KH * g.KW * g.C + 1), `forward ${label}`);
            expectWithin(rt.arena.f32(pdx, xSize(g)), bin.value, dotTol(bin.absSum, kIn), `backward_input ${label}`);
            expectWithin(rt.arena.f32(pdw, wSize(g)), bfl.dw.value, dotTol(bfl.dw.absSum, kFl), `backward_filter dw ${label}`);
            expectWithin(rt.arena.f32(pdb, g.OC), bfl.db.value, dotTol(bfl.db.absSum, kFl), `backward_filter db ${label}`);
          } finally {
            rt.arena.release(mark);
          }
        }
      }
    }
  });

  it('batch-lanes backward_input reads nothing past the end of dy, w or scratch', async () => {
    // B = 7: one vector of four samples, then three through the remainder kernel; C = 5 and
    // W = 7 leave tails in the channel vectors and the pixel tiles; OC = 3 leaves a dy tail.
    const rt = await getRuntime();
    const g = windowGeom([7, 6, 7, 5], 3, { kernel: [3, 3], stride: [1, 1], padding: 'same' }, 'test');
    const rng = makeRng(6);
    const data: Record<string, Float32Array> = { w: f32(randomArray(rng, wSize(g))), dy: f32(randomArray(rng, ySize(g))) };
    const bin = conv2dBackwardInputRef(data.dy!, data.w!, g);
    for (const last of ['w', 'dy', 'scratch'] as const) {
      const mark = rt.arena.mark();
      try {
        const gp = geomPtr(rt, g);
        const ptr: Record<string, number> = {};
        for (const key of ['w', 'dy']) {
          if (key === last) continue;
          ptr[key] = rt.arena.alloc(data[key]!.length * 4, key);
          rt.arena.f32(ptr[key]!, data[key]!.length).set(data[key]!);
        }
        const scratchBytes = rt.simd!.conv2d_scratch_bytes(gp);
        if (last !== 'scratch') ptr.scratch = rt.arena.alloc(scratchBytes, 'scratch');
        const pdx = rt.arena.alloc(xSize(g) * 4);
        const bytes = last === 'scratch' ? scratchBytes : data[last]!.length * 4;
        rt.arena.alloc(bytes + 64, 'room for the last buffer');
        rt.arena.alloc(rt.arena.capacity - rt.arena.used, 'rest of memory');
        ptr[last] = rt.arena.capacity - bytes;
        if (last !== 'scratch') rt.arena.f32(ptr[last]!, data[last]!.length).set(data[last]!);
        rt.simd!.conv2d_backward_input(pdx, ptr.dy!, ptr.w!, gp, ptr.scratch!);
        expectWithin(rt.arena.f32(pdx, xSize(g)), bin.value, dotTol(bin.absSum, 9 * 3), `backward_input, ${last} at the end of memory`);
      } finally {
        rt.arena.release(mark);
      }
    }
  });
});
