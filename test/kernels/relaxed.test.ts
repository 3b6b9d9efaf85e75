// The relaxed-SIMD build (build/relaxed.wasm: the simd source compiled with relaxed SIMD, where
// every madd of assembly/util/simd.ts is one f32x4.relaxed_madd) against the naive build and the
// f64 reference, for every kernel family. Skipped, with the reason, on an engine without relaxed
// SIMD (Node 20 without --experimental-wasm-relaxed-simd).
//
// Tolerances. relaxed_madd may be fused (one rounding of a·b + c: x86 with FMA3, ARM) or not (a
// rounded mul, then a rounded add: the simd build's operations), and the engine picks; so the
// relaxed results are never required to be bit-identical to naive where a madd is involved:
//   - Sums of products (gemm_nn / tn / nt / nn_packed, conv2d forward and both backwards): each
//     step adds one product with at most two roundings, fused or not, so the float32 worst-case
//     bound of the other kernel tests holds unchanged: relaxed vs f64 ≤ K·2^-23·S_i, relaxed vs
//     naive ≤ 2·K·2^-23·S_i (S_i = Σ|terms| of output i from the reference, K its length).
//   - tanh / sigmoid forward (Horner steps of the exp and tanh polynomials through madd): within
//     4·2^-24 relative (+2^-126) of f64, the accuracy act/math.ts documents for naive and simd:
//     a fused step rounds less, and the polynomial's own error dominates either way.
//   - gather_rows_u8 (f32(u8)·a + b): |got − f64(u8·a + b)| ≤ 2^-24·(|u8·a| + |u8·a + b|), the
//     two-rounding bound of naive, which the one-rounding fused form also meets.
//   - Every other kernel (relu, mul, softmax, bias_add, bias_grad, pools, losses, optimizers,
//     rng, misc) has no madd in this tree, so its relaxed code is the simd code: asserted
//     bit-identical to the simd build (compared as u32). Should such a family adopt madd, its
//     comparison moves to the toleranced group above.
// The worst err/tol ratios are logged at the end, with whether this CPU fused.

import { afterAll, describe, expect, it } from 'vitest';
import { getRuntime } from '../helpers/runtime.js';
import { makeRng, randomArray } from '../helpers/rng.js';
import { dotTol, expectBitIdentical, expectWithin } from '../helpers/compare.js';
import { putF32 as put, putI32 } from '../helpers/memory.js';
import { writeGeom, GEOM_BYTES, type Geom2d, type Kernels } from '../../src/runtime/abi.js';
import type { Runtime } from '../../src/runtime/load.js';
import { windowGeom, type Padding } from '../../src/tensor/geometry.js';
import { gemmRef, type Trans } from '../reference/gemm.js';
import { conv2dForwardRef, conv2dBackwardInputRef, conv2dBackwardFilterRef, xSize, ySize, wSize } from '../reference/conv2d.js';
import { sigmoid } from '../reference/act.js';

const rt = await getRuntime();
const SKIP = rt.relaxed === undefined
  ? `skipped: this engine (Node ${process.version}) has no WebAssembly relaxed SIMD; run on Node ≥ 22, or Node 20 with --experimental-wasm-relaxed-simd`
  : undefined;
if (SKIP) console.warn(`test/kernels/relaxed.test.ts ${SKIP}`);
const suite = SKIP ? describe.skip : describe;
const title = (t: string) => (SKIP ? `${t} (${SKIP})` : t);

const EPS = 2 ** -24;
const f32 = (a: ArrayLike<number>) => Float32Array.from(a);
const worst: Record<string, number> = {};
const note = (kind: string, r: number) => { worst[kind] = Math.max(worst[kind] ?? 0, r); };
let fused: boolean | undefined;
afterAll(() => {
  if (SKIP) return;
  console.log(`relaxed build: this CPU ${fused ? 'fuses' : 'does not fuse'} relaxed_madd; worst err/tol ` +
    Object.entries(worst).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', '));
});

/** Runs `run(k, out)` for each build over a fresh NaN-filled output of n f32; returns copies. */
function outputs(n: number, builds: Kernels[], run: (k: Kernels, out: number) => void): Float32Array[] {
  return builds.map((k) => {
    const p = put(rt, new Float32Array(n).fill(NaN));
    run(k, p);
    return rt.arena.f32(p, n).slice();
  });
}

function withMark(body: () => void): void {
  const mark = rt.arena.mark();
  try { body(); } finally { rt.arena.release(mark); }
}

suite(title('relaxed build: which multiply-add the engine gave us'), () => {
  it('gemm_nn 1×1×1 with c = −1, a = b = 1 + 2^-12 returns the fused or the unfused result, nothing else', () => {
    // a·b = 1 + 2^-11 + 2^-24 exactly. Unfused: the product rounds (a tie, to even) to 1 + 2^-11,
    // then + (−1) = 2^-11. Fused: 2^-11 + 2^-24 (exact in f32). The simd build must be unfused.
    withMark(() => {
      const a = put(rt, [1 + 2 ** -12]);
      const c0 = [-1];
      const [s, r] = outputs(1, [rt.simd!, rt.relaxed!], (k, c) => {
        rt.arena.f32(c, 1).set(c0);
        k.gemm_nn(c, a, a, 1, 1, 1, 1);
      });
      expect(s![0], 'simd build: mul then add').toBe(2 ** -11);
      expect([2 ** -11, 2 ** -11 + 2 ** -24], 'relaxed: fused or unfused').toContain(r![0]);
      fused = r![0] !== 2 ** -11;
    });
  });
});

// ---- sums of products -------------------------------------------------------------------

const GEMM_SHAPES: [number, number, number][] = [
  [1, 1, 1], [3, 5, 7], [4, 8, 16], [5, 13, 17], [13, 6, 33], [17, 33, 8], [33, 17, 129],
  [64, 70, 129], [9, 600, 250], [40, 13, 3], [300, 9, 6], [1, 70, 64], [37, 50, 65],
  [1024, 9, 20], [256, 13, 70],
];

suite(title('relaxed gemm vs f64 reference and vs naive'), () => {
  for (const [M, N, K] of GEMM_SHAPES) {
    for (const t of ['nn', 'tn', 'nt', 'nn_packed'] as const) {
      it(`gemm_${t} M=${M} N=${N} K=${K} acc=0 and 1`, () => withMark(() => {
        const rng = makeRng(M * 7919 + N * 104729 + K * 13 + t.length);
        const trans: Trans = t === 'nn_packed' ? 'nn' : t;
        const a = f32(randomArray(rng, M * K)), b = f32(randomArray(rng, K * N));
        const c0 = f32(randomArray(rng, M * N));
        const pa = put(rt, a), pb = put(rt, b);
        const scratchBytes = Math.max(rt.naive.gemm_packed_scratch_bytes(M, N, K), rt.relaxed!.gemm_packed_scratch_bytes(M, N, K), 16);
        const scratch = rt.arena.alloc(scratchBytes);
        const { c, absSum } = gemmRef(trans, a, b, M, N, K);
        for (const acc of [0, 1]) {
          const [n, r] = outputs(M * N, [rt.naive, rt.relaxed!], (k, pc) => {
            if (acc) rt.arena.f32(pc, M * N).set(c0);
            if (t === 'nn_packed') k.gemm_nn_packed(pc, pa, pb, M, N, K, acc, scratch);
            else k[`gemm_${t}`](pc, pa, pb, M, N, K, acc);
          });
          const want = Float64Array.from(c, (v, i) => v + (acc ? c0[i]! : 0));
          const sums = Float64Array.from(absSum, (v, i) => v + (acc ? Math.abs(c0[i]!) : 0));
          const label = `gemm_${t} M=${M} N=${N} K=${K} acc=${acc}`;
          note('gemm relaxed/f64', expectWithin(r!, want, dotTol(sums, K + acc, 1), `${label} relaxed vs f64`));
          note('gemm relaxed/naive', expectWithin(r!, n!, dotTol(sums, K + acc, 2), `${label} relaxed vs naive`));
        }
      }));
    }
  }
});

interface ConvCase { B: number; H: number; W: number; C: number; OC: number; k: number; s: number; padding: Padding }
const CONV_CASES: ConvCase[] = [
  { B: 1, H: 7, W: 9, C: 1, OC: 1, k: 3, s: 1, padding: 'valid' },
  { B: 3, H: 7, W: 9, C: 3, OC: 4, k: 3, s: 1, padding: 'same' },
  { B: 1, H: 7, W: 9, C: 4, OC: 5, k: 3, s: 2, padding: 'same' },
  { B: 3, H: 9, W: 7, C: 13, OC: 3, k: 5, s: 2, padding: 'valid' },
  { B: 3, H: 11, W: 7, C: 1, OC: 6, k: 5, s: 1, padding: 'same' },
  { B: 3, H: 10, W: 10, C: 6, OC: 16, k: 5, s: 1, padding: 'valid' },
  { B: 1, H: 6, W: 6, C: 32, OC: 64, k: 3, s: 1, padding: 'valid' },
  { B: 3, H: 10, W: 11, C: 1, OC: 8, k: 3, s: 3, padding: 'valid' },
  { B: 2, H: 14, W: 14, C: 1, OC: 6, k: 5, s: 1, padding: 'same' },
  { B: 2, H: 10, W: 11, C: 1, OC: 32, k: 3, s: 1, padding: 'valid' },
  { B: 1, H: 9, W: 13, C: 1, OC: 24, k: 5, s: 1, padding: 'same' },
  { B: 1, H: 7, W: 5, C: 13, OC: 13, k: 3, s: 1, padding: 1 },
  // backward_input's batch-lanes kernel (unit strides, OC ≤ 32): whole vectors of samples and
  // the per-sample remainder (B mod 4; B mod 16 for C = 1).
  { B: 9, H: 10, W: 10, C: 6, OC: 16, k: 5, s: 1, padding: 'valid' },
  { B: 11, H: 6, W: 7, C: 24, OC: 32, k: 3, s: 1, padding: 'same' },
  { B: 18, H: 9, W: 7, C: 1, OC: 24, k: 3, s: 1, padding: 'valid' },
];
const maxOf = (a: Int32Array) => a.reduce((m, v) => Math.max(m, v), 0);

suite(title('relaxed conv2d vs f64 reference and vs naive'), () => {
  CONV_CASES.forEach((q, idx) => {
    it(`B${q.B} ${q.H}x${q.W}x${q.C} -> ${q.OC}@${q.k}x${q.k} s${q.s} ${JSON.stringify(q.padding)}: forward, backward_input, backward_filter`, () => withMark(() => {
      const g: Geom2d = windowGeom([q.B, q.H, q.W, q.C], q.OC, { kernel: [q.k, q.k], stride: [q.s, q.s], padding: q.padding }, 'test');
      const rng = makeRng(500 + idx);
      const x = f32(randomArray(rng, xSize(g))), w = f32(randomArray(rng, wSize(g)));
      const bias = f32(randomArray(rng, q.OC)), dy = f32(randomArray(rng, ySize(g)));
      const dw0 = f32(randomArray(rng, wSize(g))), db0 = f32(randomArray(rng, q.OC));
      const gp = rt.arena.alloc(GEOM_BYTES);
      writeGeom(rt.arena.memory, gp, g);
      const px = put(rt, x), pw = put(rt, w), pb = put(rt, bias), pdy = put(rt, dy);
      const builds = [rt.naive, rt.relaxed!];
      const scratch = rt.arena.alloc(Math.max(...builds.map((k) => k.conv2d_scratch_bytes(gp)), 16));
      const [yN, yR] = outputs(ySize(g), builds, (k, py) => k.conv2d_forward(py, px, pw, pb, gp, scratch));
      const [dxN, dxR] = outputs(xSize(g), builds, (k, pdx) => k.conv2d_backward_input(pdx, pdy, pw, gp, scratch));
      const filt = builds.map((k) => {
        const pdw = put(rt, dw0), pdb = put(rt, db0);
        k.conv2d_backward_filter(pdw, pdb, pdy, px, gp, scratch);
        return { dw: rt.arena.f32(pdw, dw0.length).slice(), db: rt.arena.f32(pdb, q.OC).slice() };
      });
      const fwd = conv2dForwardRef(x, w, bias, g);
      const bin = conv2dBackwardInputRef(dy, w, g);
      const bfl = conv2dBackwardFilterRef(dy, x, g, dw0, db0);
      const kF = maxOf(fwd.terms) + 1, kI = Math.max(maxOf(bin.terms), 1);
      const kW = maxOf(bfl.dw.terms) + 1, kB = maxOf(bfl.db.terms) + 1;
      const L = `conv ${idx}`;
      note('conv relaxed/f64', expectWithin(yR!, fwd.value, dotTol(fwd.absSum, kF, 1), `${L} forward relaxed vs f64`));
      note('conv relaxed/naive', expectWithin(yR!, yN!, dotTol(fwd.absSum, kF, 2), `${L} forward relaxed vs naive`));
      note('conv relaxed/f64', expectWithin(dxR!, bin.value, dotTol(bin.absSum, kI, 1), `${L} backward_input relaxed vs f64`));
      note('conv relaxed/naive', expectWithin(dxR!, dxN!, dotTol(bin.absSum, kI, 2), `${L} backward_input relaxed vs naive`));
      note('conv relaxed/f64', expectWithin(filt[1]!.dw, bfl.dw.value, dotTol(bfl.dw.absSum, kW, 1), `${L} dw relaxed vs f64`));
      note('conv relaxed/naive', expectWithin(filt[1]!.dw, filt[0]!.dw, dotTol(bfl.dw.absSum, kW, 2), `${L} dw relaxed vs naive`));
      note('conv relaxed/f64', expectWithin(filt[1]!.db, bfl.db.value, dotTol(bfl.db.absSum, kB, 1), `${L} db relaxed vs f64`));
      note('conv relaxed/naive', expectWithin(filt[1]!.db, filt[0]!.db, dotTol(bfl.db.absSum, kB, 2), `${L} db relaxed vs naive`));
    }));
  });
});

// ---- elementwise kernels with a madd ----------------------------------------------------

suite(title('relaxed tanh / sigmoid and gather_rows_u8'), () => {
  it('tanh and sigmoid stay within 4·2^-24 relative of f64 over 2^18 points in [−20, 20] and a log sweep to 1e-10', () => withMark(() => {
    const n = 1 << 18;
    const x = new Float32Array(2 * n + 3); // + 3: the scalar tail
    for (let i = 0; i < n; i++) x[i] = -20 + (40 * i) / n;
    for (let i = 0; i < n + 3; i++) x[n + i] = (i % 2 ? -1 : 1) * 10 ** (-10 + (10.5 * i) / n);
    const xp = put(rt, x);
    for (const [name, ref] of [['tanh', Math.tanh], ['sigmoid', sigmoid]] as const) {
      const [y] = outputs(x.length, [rt.relaxed!], (k, py) => k[`${name}_forward`](py, xp, x.length));
      const want = Float64Array.from(x, (v) => ref(v));
      const tol = Float64Array.from(want, (v) => 4 * EPS * Math.abs(v) + 2 ** -126);
      note('tanh/sigmoid relaxed/f64', expectWithin(y!, want, tol, `${name} relaxed vs f64`));
      // The backward passes (dy·(1 − y²), dy·y·(1 − y)) have no madd: the simd code's bits.
      const dyp = put(rt, randomArray(makeRng(3), x.length)), yp = put(rt, y!);
      const [bs, br] = outputs(x.length, [rt.simd!, rt.relaxed!], (k, pdx) => k[`${name}_backward`](pdx, dyp, yp, x.length));
      expectBitIdentical(br!, bs!, `${name}_backward relaxed vs simd`);
    }
  }));

  it('gather_rows_u8 (u8·a + b) is within the two-rounding bound of f64, for rows of 1..40 bytes', () => withMark(() => {
    const rng = makeRng(11);
    const a = Math.fround(1 / 255), b = Math.fround(-0.1307 / 0.3081);
    for (const rowLen of [1, 15, 16, 17, 40]) {
      const rows = 5, srcRows = 7;
      const bytes = Uint8Array.from({ length: srcRows * rowLen }, () => Math.floor(rng() * 256));
      const src = rt.arena.alloc(Math.max(bytes.length, 16));
      new Uint8Array(rt.arena.memory.buffer, src, bytes.length).set(bytes);
      const idxs = [3, 0, 6, 3, 1];
      const idx = putI32(rt, idxs);
      const [got] = outputs(rows * rowLen, [rt.relaxed!], (k, d) => k.gather_rows_u8(d, src, idx, rows, rowLen, a, b));
      const want = new Float64Array(rows * rowLen), tol = new Float64Array(rows * rowLen);
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < rowLen; j++) {
          const u = bytes[idxs[r]! * rowLen + j]!;
          want[r * rowLen + j] = u * a + b;
          tol[r * rowLen + j] = EPS * (Math.abs(u * a) + Math.abs(u * a + b)) + 1e-30;
        }
      }
      note('gather_rows_u8 relaxed/f64', expectWithin(got!, want, tol, `gather_rows_u8 rowLen=${rowLen} relaxed vs f64`));
    }
  }));
});

// ---- kernels without a madd: the simd code, bit for bit ---------------------------------

suite(title('relaxed kernels without a multiply-add are bit-identical to the simd build'), () => {
  const n = 1037; // not a multiple of 4 or 16: every scalar tail runs
  const rng = makeRng(99);
  const vals = (len = n, lo = -1, hi = 1) => put(rt, randomArray(rng, len, lo, hi));
  const same = (what: string, len: number, run: (k: Kernels, out: number) => void) => {
    const [s, r] = outputs(len, [rt.simd!, rt.relaxed!], run);
    expectBitIdentical(r!, s!, `${what} relaxed vs simd`);
  };
  /** Runs an in-place kernel on a copy of `init` per build and compares the results. */
  const sameInPlace = (what: string, init: Float32Array, run: (k: Kernels, p: number) => void) => {
    const [s, r] = outputs(init.length, [rt.simd!, rt.relaxed!], (k, p) => { rt.arena.f32(p, init.length).set(init); run(k, p); });
    expectBitIdentical(r!, s!, `${what} relaxed vs simd`);
  };

  it('relu, mul, softmax, bias_add, bias_grad, scale, add, fill', () => withMark(() => {
    const x = vals(), y = vals(), m = vals(n, 0, 2);
    same('relu_forward', n, (k, o) => k.relu_forward(o, x, n));
    same('relu_backward', n, (k, o) => k.relu_backward(o, y, x, n));
    same('mul', n, (k, o) => k.mul(o, x, m, n));
    same('softmax_forward', 100 * 10, (k, o) => k.softmax_forward(o, x, 100, 10));
    same('softmax_backward', 100 * 10, (k, o) => k.softmax_backward(o, y, m, 100, 10));
    const init = rt.arena.f32(y, n).slice();
    sameInPlace('bias_add', init.subarray(0, 17 * 61), (k, p) => k.bias_add(p, x, 17, 61));
    sameInPlace('bias_grad', init.subarray(0, 61), (k, p) => k.bias_grad(p, x, 17, 61));
    sameInPlace('scale', init, (k, p) => k.scale(p, n, 0.37));
    sameInPlace('add', init, (k, p) => k.add(p, x, n));
    same('fill', n, (k, o) => k.fill(o, n, 0.25));
  }));

  it('max and average pooling, forward and backward', () => withMark(() => {
    const g = windowGeom([3, 13, 11, 6], 6, { kernel: [3, 3], stride: [2, 2], padding: 'same' }, 'test');
    const gp = rt.arena.alloc(GEOM_BYTES);
    writeGeom(rt.arena.memory, gp, g);
    const xs = 3 * 13 * 11 * 6, ys = 3 * g.OH * g.OW * 6;
    const x = vals(xs), dy = vals(ys);
    const arg = rt.arena.alloc(ys * 4);
    same('maxpool2d_forward', ys, (k, o) => k.maxpool2d_forward(o, arg, x, gp));
    same('maxpool2d_backward', xs, (k, o) => k.maxpool2d_backward(o, dy, arg, gp));
    same('avgpool2d_forward', ys, (k, o) => k.avgpool2d_forward(o, x, gp));
    same('avgpool2d_backward', xs, (k, o) => k.avgpool2d_backward(o, dy, gp));
  }));

  it('sgd, momentum and adam updates', () => withMark(() => {
    const w0 = rt.arena.f32(vals(), n).slice(), v0 = rt.arena.f32(vals(), n).slice();
    const s0 = rt.arena.f32(vals(n, 0, 1), n).slice();
    const g = vals();
    sameInPlace('sgd_update', w0, (k, p) => k.sgd_update(p, g, n, 0.01, 1e-4));
    for (const which of ['w', 'v'] as const) {
      sameInPlace(`momentum_update ${which}`, which === 'w' ? w0 : v0, (k, p) => {
        const other = put(rt, which === 'w' ? v0 : w0);
        if (which === 'w') k.momentum_update(p, other, g, n, 0.01, 0.9, 1e-4); else k.momentum_update(other, p, g, n, 0.01, 0.9, 1e-4);
      });
    }
    sameInPlace('adam_update w', w0, (k, p) => k.adam_update(p, put(rt, v0), put(rt, s0), g, n, 1e-3, 0.9, 0.999, 1e-8, 0.19, 0.002, 1e-4));
  }));

  it('softmax_xent, sigmoid_bce, argmax_rows, rng and gather_rows', () => withMark(() => {
    const rows = 37, N = 10;
    const z = vals(rows * N, -3, 3), labels = putI32(rt, Array.from({ length: rows }, (_, i) => i % N));
    const zb = vals(), tb = vals(n, 0, 1);
    const losses: number[][] = [[], []];
    same('softmax_xent dz', rows * N, (k, o) => { losses[0]!.push(k.softmax_xent(put(rt, new Float32Array(rows * N)), o, z, labels, rows, N, 1 / rows)); });
    same('sigmoid_bce dz', n, (k, o) => { losses[1]!.push(k.sigmoid_bce(o, zb, tb, n, 1 / n)); });
    expect(losses[0]![1], 'softmax_xent loss relaxed vs simd').toBe(losses[0]![0]);
    expect(losses[1]![1], 'sigmoid_bce loss relaxed vs simd').toBe(losses[1]![0]);
    same('argmax_rows', rows, (k, o) => k.argmax_rows(o, z, rows, N));
    const st = rt.arena.alloc(16);
    same('rng_uniform', n, (k, o) => { k.rng_seed(st, 7); k.rng_uniform(o, n, st, -1, 1); });
    same('rng_normal', n, (k, o) => { k.rng_seed(st, 7); k.rng_normal(o, n, st, 0, 1, 2); });
    same('rng_dropout_mask', n, (k, o) => { k.rng_seed(st, 7); k.rng_dropout_mask(o, n, st, 0.5); });
    const src = vals(7 * 33), idx = putI32(rt, [6, 0, 3, 3]);
    same('gather_rows', 4 * 33, (k, o) => k.gather_rows(o, src, idx, 4, 33));
  }));
});
