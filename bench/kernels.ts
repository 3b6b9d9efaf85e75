// Kernel benchmark: every kernel family at the shapes the reference models use, naive, SIMD
// and (where the engine has relaxed SIMD) relaxed side by side in one run (benchmark.js),
// after checking that the builds agree.
//
//   npm run bench:kernels [-- --json FILE] [--quick] [--filter TEXT] [--baseline DIR]
//   npx -y node@24 node_modules/.bin/tsx bench/kernels.ts ...   (relaxed needs Node ≥ 22)
//
// Prints the Node version and builds first, then per kernel and shape: median time per call
// for each build, GFLOP/s where the kernel has a flop count, the SIMD/naive and relaxed/SIMD
// speed-ups, and GFLOP/s as a share of this machine's f32x4 multiply+add peak (separate mul
// and add, the simd kernels' ceiling), measured at the start of the same run; the fused
// relaxed_madd peak is printed beside it.
// --baseline DIR loads another checkout's SIMD build (DIR/simd.wasm, or simd.shared.wasm when
// the memory is shared, e.g. /work/main/build) into the same memory and times it in the same
// suite as a further variant, so old and new kernels are compared side by side on a busy
// machine: "new/old" is baseline time / SIMD time (benchmark.js medians), and "new/old (paired
// min)" the same from alternating single calls (pairedMin), the steadier of the two. Rows whose
// kernel the baseline build lacks (and that give no runBaseline) show '-' there.

import { rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { execSync } from 'node:child_process';
import { loadRuntime, type BuildName, type Runtime } from '../src/runtime/load.js';
import { writeGeom, GEOM_BYTES, CONV_ACT, type Kernels } from '../src/runtime/abi.js';
import { windowGeom } from '../src/tensor/geometry.js';
import { type Case, timeBuilds, pairedMin, baselineRuns, measurePeak, callOverheadNs, fmtTime, loadPeak, loadBaseline } from './kernels-timing.js';
import { convShapes, gemmShapes, poolShapes, squareGemms, paramCounts, activationSizes } from './shapes.js';

interface Args { json?: string; quick: boolean; filter?: string; baseline?: string }

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') args.json = argv[++i];
    else if (a === '--quick') args.quick = true;
    else if (a === '--filter') args.filter = argv[++i];
    else if (a === '--baseline') args.baseline = argv[++i];
    else throw new Error(`bench:kernels: unknown argument ${a} (expected --json FILE, --quick, --filter TEXT, --baseline DIR)`);
  }
  if (args.json === undefined && argv.includes('--json')) throw new Error('bench:kernels: --json needs a file name');
  if (args.baseline === undefined && argv.includes('--baseline')) throw new Error('bench:kernels: --baseline needs a directory holding simd.wasm');
  return args;
}

// ---------------------------------------------------------------------------------------
// Buffer helpers (all offsets into the one shared memory).

let seed = 12345;
function rand(): number {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 4294967296 * 2 - 1;
}

function randomBuffer(rt: Runtime, n: number, lo = -1, hi = 1): number {
  const p = rt.arena.alloc(n * 4);
  const v = rt.arena.f32(p, n);
  for (let i = 0; i < n; i++) v[i] = lo + (hi - lo) * (rand() * 0.5 + 0.5);
  return p;
}

/** The builds this run times: naive, simd, and relaxed where the engine has it. */
function buildsOf(rt: Runtime): [BuildName, Kernels][] {
  const out: [BuildName, Kernels][] = [['naive', rt.naive], ['simd', rt.simd!]];
  if (rt.relaxed) out.push(['relaxed', rt.relaxed]);
  return out;
}

/**
 * Compares two f32 buffers. Bound: |a − b| ≤ 1e-4 · max|a| + 1e-6 — a sanity check that the
 * builds compute the same thing, well above float32 reordering error at these reduction
 * lengths (≤ 18432 terms) and far below any real bug. The tests prove the tight bounds.
 */
function compare(rt: Runtime, a: number, b: number, n: number): string | null {
  const x = rt.arena.f32(a, n);
  const y = rt.arena.f32(b, n);
  let maxAbs = 0;
  for (let i = 0; i < n; i++) maxAbs = Math.max(maxAbs, Math.abs(x[i]!));
  const tol = 1e-4 * maxAbs + 1e-6;
  for (let i = 0; i < n; i++) {
    const d = Math.abs(x[i]! - y[i]!);
    if (!(d <= tol)) return `index ${i}: naive ${x[i]} other ${y[i]} (|diff| ${d} > ${tol})`;
  }
  return null;
}

/** Runs `call` with each build writing its own copy of `n` outputs (all starting from `init`). */
function checkPair(rt: Runtime, outs: { ptr: number; n: number; init?: number }[], call: (k: Kernels, out: number[]) => void): string | null {
  const builds = buildsOf(rt).map(([, k]) => k);
  const copies = outs.map((o) => builds.map(() => rt.arena.alloc(o.n * 4)));
  for (let b = 0; b < builds.length; b++) {
    outs.forEach((o, i) => {
      const dst = rt.arena.f32(copies[i]![b]!, o.n);
      if (o.init !== undefined) dst.set(rt.arena.f32(o.init, o.n)); else dst.fill(0);
    });
    call(builds[b]!, copies.map((c) => c[b]!));
  }
  for (let i = 0; i < outs.length; i++) {
    for (let b = 1; b < builds.length; b++) {
      const why = compare(rt, copies[i]![0]!, copies[i]![b]!, outs[i]!.n);
      if (why) return `${buildsOf(rt)[b]![0]}: ${why}`;
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------
// Cases per family.

function gemmCases(rt: Runtime): Case[] {
  const out: Case[] = [];
  const shapes = [...squareGemms, ...gemmShapes(32), ...gemmShapes(1)];
  for (const s of shapes) {
    for (const op of ['gemm_nn', 'gemm_tn', 'gemm_nt'] as const) {
      if (op !== 'gemm_nn' && s.name.startsWith('square') && s.M !== 512) continue;
      // A Dense layer's forward is gemm_nn [B, in]·[in, out]; its backward is gemm_tn for the
      // weight gradient (M = in, N = out, K = B) and gemm_nt for the input gradient (M = B,
      // N = in, K = out): time the transposed products at those shapes.
      const dense = !s.name.startsWith('square');
      const { M, N, K } = !dense || op === 'gemm_nn' ? s : op === 'gemm_tn' ? { M: s.K, N: s.N, K: s.M } : { M: s.M, N: s.K, K: s.N };
      const role = !dense ? '' : op === 'gemm_nn' ? ' forward' : op === 'gemm_tn' ? ' dW' : ' dX';
      const a = randomBuffer(rt, M * K);
      const b = randomBuffer(rt, K * N);
      const c = rt.arena.alloc(M * N * 4);
      out.push({
        kernel: op, shape: `${s.name}${role} (M=${M} N=${N} K=${K})`, flops: 2 * M * N * K,
        run: (k) => k[op](c, a, b, M, N, K, 0),
        check: () => checkPair(rt, [{ ptr: c, n: M * N }], (k, [cc]) => k[op](cc!, a, b, M, N, K, 0)),
      });
      if (op === 'gemm_nn' && s.name !== 'square 64') {
        // The packed variant (A and B copied into scratch first; the naive build's twin is
        // plain gemm_nn): square 256/512 and the dense shapes, on the same A and B.
        const scratchBytes = Math.max(...buildsOf(rt).map(([, k]) => k.gemm_packed_scratch_bytes(M, N, K)));
        const scratch = rt.arena.alloc(Math.max(scratchBytes, 16));
        out.push({
          kernel: 'gemm_nn_packed', shape: `${s.name} (M=${M} N=${N} K=${K})`, flops: 2 * M * N * K,
          run: (k) => k.gemm_nn_packed(c, a, b, M, N, K, 0, scratch),
          check: () => checkPair(rt, [{ ptr: c, n: M * N }], (k, [cc]) => k.gemm_nn_packed(cc!, a, b, M, N, K, 0, scratch)),
        });
      }
    }
  }
  return out;
}

function convCases(rt: Runtime, B: number, baseline?: Kernels): Case[] {
  const out: Case[] = [];
  for (const s of convShapes(B)) {
    const g = windowGeom([s.B, s.H, s.W, s.C], s.OC, { kernel: [s.K, s.K], stride: [s.stride, s.stride], padding: s.padding }, s.name);
    const gp = rt.arena.alloc(GEOM_BYTES);
    writeGeom(rt.arena.memory, gp, g);
    const nx = s.B * s.H * s.W * s.C;
    const ny = s.B * g.OH * g.OW * s.OC;
    const nw = s.K * s.K * s.C * s.OC;
    const x = randomBuffer(rt, nx);
    const w = randomBuffer(rt, nw);
    const bias = randomBuffer(rt, s.OC);
    const dy = randomBuffer(rt, ny);
    const y = rt.arena.alloc(ny * 4);
    const dx = rt.arena.alloc(nx * 4);
    const dw = rt.arena.alloc(nw * 4);
    const db = rt.arena.alloc(s.OC * 4);
    const scratchBytes = Math.max(...buildsOf(rt).map(([, k]) => k.conv2d_scratch_bytes(gp)), baseline?.conv2d_scratch_bytes(gp) ?? 0);
    const scratch = rt.arena.alloc(Math.max(scratchBytes, 16));
    const flops = 2 * s.B * g.OH * g.OW * s.OC * s.K * s.K * s.C;
    const shape = `${s.name} ${s.H}x${s.W}x${s.C}->${s.OC}@${s.K}x${s.K} ${s.padding}`;
    out.push({
      kernel: 'conv2d_forward', shape, flops,
      run: (k) => k.conv2d_forward(y, x, w, bias, gp, scratch),
      check: () => checkPair(rt, [{ ptr: y, n: ny }], (k, [yy]) => k.conv2d_forward(yy!, x, w, bias, gp, scratch)),
    });
    // The inference path's fused conv + bias + relu; the baseline build may have no such kernel,
    // so it runs what an inference step did before: conv2d_forward, then relu_forward over y.
    out.push({
      kernel: 'conv2d_forward_act relu', shape, flops,
      run: (k) => k.conv2d_forward_act(y, x, w, bias, gp, scratch, CONV_ACT.relu),
      runBaseline: (k) => { k.conv2d_forward(y, x, w, bias, gp, scratch); k.relu_forward(y, y, ny); },
      check: () => checkPair(rt, [{ ptr: y, n: ny }], (k, [yy]) => k.conv2d_forward_act(yy!, x, w, bias, gp, scratch, CONV_ACT.relu)),
    });
    out.push({
      kernel: 'conv2d_backward_input', shape, flops,
      run: (k) => k.conv2d_backward_input(dx, dy, w, gp, scratch),
      check: () => checkPair(rt, [{ ptr: dx, n: nx }], (k, [d]) => k.conv2d_backward_input(d!, dy, w, gp, scratch)),
    });
    out.push({
      kernel: 'conv2d_backward_filter', shape, flops,
      run: (k) => k.conv2d_backward_filter(dw, db, dy, x, gp, scratch),
      check: () => checkPair(rt, [{ ptr: dw, n: nw }, { ptr: db, n: s.OC }],
        (k, [ddw, ddb]) => k.conv2d_backward_filter(ddw!, ddb!, dy, x, gp, scratch)),
    });
  }
  return out;
}

function poolCases(rt: Runtime, B: number): Case[] {
  const out: Case[] = [];
  for (const s of poolShapes(B)) {
    const g = windowGeom([s.B, s.H, s.W, s.C], s.C, { kernel: [s.K, s.K], stride: [s.stride, s.stride], padding: 'valid', kind: 'pool' }, s.name);
    const gp = rt.arena.alloc(GEOM_BYTES);
    writeGeom(rt.arena.memory, gp, g);
    const nx = s.B * s.H * s.W * s.C;
    const ny = s.B * g.OH * g.OW * s.C;
    const x = randomBuffer(rt, nx);
    const dy = randomBuffer(rt, ny);
    const y = rt.arena.alloc(ny * 4);
    const arg = rt.arena.alloc(ny * 4);
    const dx = rt.arena.alloc(nx * 4);
    rt.naive.maxpool2d_forward(y, arg, x, gp);
    const shape = `${s.name} ${s.H}x${s.W}x${s.C} ${s.K}x${s.K}/${s.stride}`;
    out.push(
      { kernel: 'maxpool2d_forward', shape, run: (k) => k.maxpool2d_forward(y, arg, x, gp),
        check: () => checkPair(rt, [{ ptr: y, n: ny }], (k, [yy]) => k.maxpool2d_forward(yy!, arg, x, gp)) },
      // The inference plans' call (argmax = 0: none written); the baseline runs what inference
      // ran before, with one.
      { kernel: 'maxpool2d_forward no argmax', shape, run: (k) => k.maxpool2d_forward(y, 0, x, gp),
        runBaseline: (k) => k.maxpool2d_forward(y, arg, x, gp),
        check: () => checkPair(rt, [{ ptr: y, n: ny }], (k, [yy]) => k.maxpool2d_forward(yy!, 0, x, gp)) },
      { kernel: 'maxpool2d_backward', shape, run: (k) => k.maxpool2d_backward(dx, dy, arg, gp),
        check: () => checkPair(rt, [{ ptr: dx, n: nx }], (k, [d]) => k.maxpool2d_backward(d!, dy, arg, gp)) },
      { kernel: 'avgpool2d_forward', shape, run: (k) => k.avgpool2d_forward(y, x, gp),
        check: () => checkPair(rt, [{ ptr: y, n: ny }], (k, [yy]) => k.avgpool2d_forward(yy!, x, gp)) },
      { kernel: 'avgpool2d_backward', shape, run: (k) => k.avgpool2d_backward(dx, dy, gp),
        check: () => checkPair(rt, [{ ptr: dx, n: nx }], (k, [d]) => k.avgpool2d_backward(d!, dy, gp)) },
    );
  }
  return out;
}

function elementwiseCases(rt: Runtime): Case[] {
  const out: Case[] = [];
  for (const s of activationSizes) {
    const { n } = s;
    const x = randomBuffer(rt, n);
    const dy = randomBuffer(rt, n);
    const y = rt.arena.alloc(n * 4);
    const dx = rt.arena.alloc(n * 4);
    for (const act of ['relu', 'tanh', 'sigmoid'] as const) {
      const fwd = `${act}_forward` as const;
      const bwd = `${act}_backward` as const;
      rt.naive[fwd](y, x, n);
      out.push(
        { kernel: fwd, shape: s.name, run: (k) => k[fwd](y, x, n),
          check: () => checkPair(rt, [{ ptr: y, n }], (k, [yy]) => k[fwd](yy!, x, n)) },
        { kernel: bwd, shape: s.name, run: (k) => k[bwd](dx, dy, y, n),
          check: () => checkPair(rt, [{ ptr: dx, n }], (k, [d]) => k[bwd](d!, dy, y, n)) },
      );
    }
  }
  for (const s of paramCounts) {
    const { n } = s;
    const w = randomBuffer(rt, n);
    const g = randomBuffer(rt, n);
    const m = randomBuffer(rt, n, -0.1, 0.1);
    const v = randomBuffer(rt, n, 0, 0.1);
    out.push(
      { kernel: 'sgd_update', shape: s.name, run: (k) => k.sgd_update(w, g, n, 1e-9, 0),
        check: () => checkPair(rt, [{ ptr: w, n, init: w }], (k, [ww]) => k.sgd_update(ww!, g, n, 0.01, 0)) },
      { kernel: 'momentum_update', shape: s.name, run: (k) => k.momentum_update(w, m, g, n, 1e-9, 0.9, 0),
        check: () => checkPair(rt, [{ ptr: w, n, init: w }, { ptr: m, n, init: m }],
          (k, [ww, mm]) => k.momentum_update(ww!, mm!, g, n, 0.01, 0.9, 0)) },
      { kernel: 'adam_update', shape: s.name, run: (k) => k.adam_update(w, m, v, g, n, 1e-9, 0.9, 0.999, 1e-7, 0.1, 0.001, 0),
        check: () => checkPair(rt, [{ ptr: w, n, init: w }, { ptr: m, n, init: m }, { ptr: v, n, init: v }],
          (k, [ww, mm, vv]) => k.adam_update(ww!, mm!, vv!, g, n, 1e-3, 0.9, 0.999, 1e-7, 0.1, 0.001, 0)) },
      { kernel: 'nesterov_update', shape: s.name, run: (k) => k.nesterov_update(w, m, g, n, 1e-9, 0.9, 0),
        check: () => checkPair(rt, [{ ptr: w, n, init: w }, { ptr: m, n, init: m }],
          (k, [ww, mm]) => k.nesterov_update(ww!, mm!, g, n, 0.01, 0.9, 0)) },
      { kernel: 'adamw_update', shape: s.name, run: (k) => k.adamw_update(w, m, v, g, n, 1e-9, 0.9, 0.999, 1e-7, 0.1, 0.001, 0),
        check: () => checkPair(rt, [{ ptr: w, n, init: w }, { ptr: m, n, init: m }, { ptr: v, n, init: v }],
          (k, [ww, mm, vv]) => k.adamw_update(ww!, mm!, vv!, g, n, 1e-3, 0.9, 0.999, 1e-7, 0.1, 0.001, 0.01)) },
      { kernel: 'rmsprop_update', shape: s.name, run: (k) => k.rmsprop_update(w, v, m, g, n, 1e-9, 0.9, 1e-7, 0.5, 0),
        check: () => checkPair(rt, [{ ptr: w, n, init: w }, { ptr: v, n, init: v }, { ptr: m, n, init: m }],
          (k, [ww, vv, mm]) => k.rmsprop_update(ww!, vv!, mm!, g, n, 1e-3, 0.9, 1e-7, 0.5, 0)) },
      // A reduction: the builds add in different orders (optim/simd.ts), so they are held to
      // 4·n·2^-53 relative of each other (test/kernels/optim-more.test.ts), not to the bit.
      { kernel: 'grad_sumsq', shape: s.name, run: (k) => { k.grad_sumsq(g, n); },
        check: () => {
          const a = rt.naive.grad_sumsq(g, n), b = rt.simd!.grad_sumsq(g, n);
          return Math.abs(a - b) <= 4 * n * 2 ** -53 * a ? null : `grad_sumsq: naive ${a} vs simd ${b}`;
        } },
    );
  }
  return out;
}

/**
 * Batch norm (per-shard kernels at one shard's rows), global average pooling, leaky ReLU and
 * ELU. Shapes: the issue-8 `fast` net's conv1 output (24x24x24) and a 256-unit dense output,
 * for a shard of 16 samples; GAP over convnet.conv2's output (24x24x64) at B = 32.
 */
function normCases(rt: Runtime): Case[] {
  const out: Case[] = [];
  for (const s of [{ name: 'conv 24x24x24 shard B=16', rows: 16 * 24 * 24, C: 24 }, { name: 'dense 256 shard B=16', rows: 16, C: 256 }]) {
    const { rows, C } = s;
    const n = rows * C;
    const x = randomBuffer(rt, n), dy = randomBuffer(rt, n), y = rt.arena.alloc(4 * n), dx = rt.arena.alloc(4 * n);
    const gamma = randomBuffer(rt, C, 0.5, 1.5), beta = randomBuffer(rt, C);
    const part = rt.arena.alloc(4 * (2 * C + 1)), stats = rt.arena.alloc(4 * 3 * C), total = randomBuffer(rt, 2 * C);
    rt.naive.batchnorm_stats(part, x, rows, C);
    rt.naive.batchnorm_combine(stats, part, 1, 0, C, 0, 0, 0.99, 1e-3);
    const mean = stats, inv = stats + 4 * C;
    out.push(
      { kernel: 'batchnorm_stats', shape: s.name, flops: 5 * n, run: (k) => k.batchnorm_stats(part, x, rows, C),
        check: () => checkPair(rt, [{ ptr: part, n: 2 * C + 1 }], (k, [p]) => k.batchnorm_stats(p!, x, rows, C)) },
      { kernel: 'batchnorm_forward', shape: s.name, flops: 4 * n, run: (k) => k.batchnorm_forward(y, x, mean, inv, gamma, beta, rows, C),
        check: () => checkPair(rt, [{ ptr: y, n }], (k, [yy]) => k.batchnorm_forward(yy!, x, mean, inv, gamma, beta, rows, C)) },
      { kernel: 'batchnorm_backward_stats', shape: s.name, flops: 5 * n, run: (k) => k.batchnorm_backward_stats(part, dy, x, mean, inv, rows, C),
        check: () => checkPair(rt, [{ ptr: part, n: 2 * C }], (k, [p]) => k.batchnorm_backward_stats(p!, dy, x, mean, inv, rows, C)) },
      { kernel: 'batchnorm_backward_input', shape: s.name, flops: 6 * n,
        run: (k) => k.batchnorm_backward_input(dx, dy, x, mean, inv, gamma, total, rows, C, rows),
        check: () => checkPair(rt, [{ ptr: dx, n }], (k, [d]) => k.batchnorm_backward_input(d!, dy, x, mean, inv, gamma, total, rows, C, rows)) },
    );
  }
  {
    const B = 32, HW = 24 * 24, C = 64;
    const x = randomBuffer(rt, B * HW * C), y = rt.arena.alloc(4 * B * C), dy = randomBuffer(rt, B * C), dx = rt.arena.alloc(4 * B * HW * C);
    const shape = 'convnet.conv2 out B=32';
    out.push(
      { kernel: 'global_avgpool_forward', shape, flops: B * HW * C, run: (k) => k.global_avgpool_forward(y, x, B, HW, C),
        check: () => checkPair(rt, [{ ptr: y, n: B * C }], (k, [yy]) => k.global_avgpool_forward(yy!, x, B, HW, C)) },
      { kernel: 'global_avgpool_backward', shape, run: (k) => k.global_avgpool_backward(dx, dy, B, HW, C),
        check: () => checkPair(rt, [{ ptr: dx, n: B * HW * C }], (k, [d]) => k.global_avgpool_backward(d!, dy, B, HW, C)) },
    );
  }
  for (const s of activationSizes) {
    const { n } = s;
    const x = randomBuffer(rt, n), dy = randomBuffer(rt, n), y = rt.arena.alloc(n * 4), dx = rt.arena.alloc(n * 4);
    for (const [act, alpha] of [['leaky_relu', 0.3], ['elu', 1]] as const) {
      const fwd = `${act}_forward` as const, bwd = `${act}_backward` as const;
      rt.naive[fwd](y, x, n, alpha);
      out.push(
        { kernel: fwd, shape: s.name, run: (k) => k[fwd](y, x, n, alpha),
          check: () => checkPair(rt, [{ ptr: y, n }], (k, [yy]) => k[fwd](yy!, x, n, alpha)) },
        { kernel: bwd, shape: s.name, run: (k) => k[bwd](dx, dy, y, n, alpha),
          check: () => checkPair(rt, [{ ptr: dx, n }], (k, [d]) => k[bwd](d!, dy, y, n, alpha)) },
      );
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const rt = await loadRuntime({ build: 'simd' });
  if (!rt.simd) throw new Error('bench:kernels needs wasm SIMD');
  const builds = buildsOf(rt).map(([name]) => name);
  const relaxedNote = rt.relaxed ? null
    : `relaxed not measured: Node ${process.version} has no WebAssembly relaxed SIMD; run under Node ≥ 22 (npx -y node@24 node_modules/.bin/tsx bench/kernels.ts)`;
  console.log(`Node ${process.version} (V8 ${process.versions.v8}), builds: ${builds.join(', ')}${relaxedNote ? `; ${relaxedNote}` : ''}`);
  const baseline = args.baseline === undefined ? undefined : await loadBaseline(args.baseline, rt);
  const peak = await loadPeak('peak.wasm', rt);
  const peakGflops = measurePeak(peak);
  const overhead = callOverheadNs(peak);
  const peakFmaGflops = rt.relaxed ? measurePeak(await loadPeak('peak.relaxed.wasm', rt)) : null;
  console.log(`wasm f32x4 mul+add peak (one core): ${peakGflops.toFixed(1)} GFLOP/s` +
    (peakFmaGflops !== null ? `; relaxed_madd peak: ${peakFmaGflops.toFixed(1)} GFLOP/s` : '') +
    `; empty JS→wasm call: ${overhead.toFixed(1)} ns`);


  let cases = [...gemmCases(rt), ...convCases(rt, 32, baseline), ...convCases(rt, 1, baseline), ...poolCases(rt, 32),
    ...elementwiseCases(rt), ...normCases(rt)];
  if (args.filter) cases = cases.filter((c) => `${c.kernel} ${c.shape}`.includes(args.filter!));
  const maxTime = args.quick ? 0.25 : 1;

  const results = [];
  const relaxedCols = (...cols: string[]) => (rt.relaxed ? cols : []);
  const baselineCols = (...cols: string[]) => (baseline ? cols : []);
  const header = ['kernel', 'shape', 'naive', 'simd', ...relaxedCols('relaxed'), ...baselineCols('baseline'), 'simd/naive',
    ...relaxedCols('relaxed/simd'), ...baselineCols('new/old', 'new/old (paired min)'),
    'naive GF/s', 'simd GF/s', ...relaxedCols('relaxed GF/s'), ...baselineCols('baseline GF/s'),
    '% peak', ...relaxedCols('relaxed % peak'), ...baselineCols('baseline % peak', '% peak (paired min)')];
  console.log(header.join(' | '));
  for (const c of cases) {
    const why = c.check();
    if (why) throw new Error(`${c.kernel} ${c.shape}: the builds disagree: ${why}`);
    const base = baseline && baselineRuns(c, baseline) ? baseline : undefined;
    const t = timeBuilds(c, buildsOf(rt), maxTime, base);
    const speedup = t.naive.median / t.simd.median;
    const gflops = (seconds: number | undefined) => (c.flops && seconds !== undefined ? c.flops / seconds / 1e9 : undefined);
    const naiveGflops = gflops(t.naive.median), simdGflops = gflops(t.simd.median), relaxedGflops = gflops(t.relaxed?.median);
    const ofPeak = (g: number | undefined) => (g !== undefined ? 100 * g / peakGflops : undefined);
    const percentOfPeak = ofPeak(simdGflops);
    const relaxedPercentOfPeak = ofPeak(relaxedGflops);
    const relaxedOverSimd = t.relaxed ? t.simd.median / t.relaxed.median : undefined;
    const paired = base ? pairedMin(c, rt.simd!, base, args.quick ? 10 : 30) : undefined;
    const baseGflops = gflops(t.baseline?.median);
    const newOverOld = t.baseline ? t.baseline.median / t.simd.median : undefined;
    const pairedNewOverOld = paired ? paired.baseline / paired.simd : undefined;
    const pairedPercentOfPeak = ofPeak(gflops(paired?.simd));
    results.push({
      kernel: c.kernel, shape: c.shape, flops: c.flops ?? null,
      naiveSeconds: t.naive.median, simdSeconds: t.simd.median, relaxedSeconds: t.relaxed?.median ?? null, speedup,
      relaxedOverSimd: relaxedOverSimd ?? null,
      naiveGflops: naiveGflops ?? null, simdGflops: simdGflops ?? null, relaxedGflops: relaxedGflops ?? null,
      percentOfPeak: percentOfPeak ?? null, relaxedPercentOfPeak: relaxedPercentOfPeak ?? null,
      naiveP10: t.naive.p10, naiveP90: t.naive.p90, simdP10: t.simd.p10, simdP90: t.simd.p90,
      relaxedP10: t.relaxed?.p10 ?? null, relaxedP90: t.relaxed?.p90 ?? null,
      naiveColdSeconds: t.naive.cold, simdColdSeconds: t.simd.cold, relaxedColdSeconds: t.relaxed?.cold ?? null,
      ...(baseline ? {
        baselineSeconds: t.baseline?.median ?? null, baselineGflops: baseGflops ?? null,
        baselinePercentOfPeak: ofPeak(baseGflops) ?? null, speedupVsBaseline: newOverOld ?? null,
        pairedMinSimdSeconds: paired?.simd ?? null, pairedMinBaselineSeconds: paired?.baseline ?? null,
        pairedSpeedupVsBaseline: pairedNewOverOld ?? null, pairedSimdPercentOfPeak: pairedPercentOfPeak ?? null,
      } : {}),
    });
    const pct = (p: number | undefined) => (p !== undefined ? `${p.toFixed(0)}%` : '-');
    const ratio = (r: number | undefined, digits: number) => (r !== undefined ? `${r.toFixed(digits)}x` : '-');
    console.log([c.kernel, c.shape, fmtTime(t.naive.median), fmtTime(t.simd.median), ...(t.relaxed ? [fmtTime(t.relaxed.median)] : []),
      ...baselineCols(t.baseline ? fmtTime(t.baseline.median) : '-'),
      ratio(speedup, 1), ...relaxedCols(ratio(relaxedOverSimd, 2)), ...baselineCols(ratio(newOverOld, 2), ratio(pairedNewOverOld, 2)),
      naiveGflops?.toFixed(2) ?? '-', simdGflops?.toFixed(2) ?? '-', ...relaxedCols(relaxedGflops?.toFixed(2) ?? '-'),
      ...baselineCols(baseGflops?.toFixed(2) ?? '-'),
      pct(percentOfPeak), ...relaxedCols(pct(relaxedPercentOfPeak)), ...baselineCols(pct(ofPeak(baseGflops)), pct(pairedPercentOfPeak))].join(' | '));
  }

  if (args.json) {
    let commit = 'unknown';
    try { commit = execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim(); } catch { /* not a checkout */ }
    const doc = {
      peakGflops, peakFmaGflops, callOverheadNs: overhead,
      node: process.version, v8: process.versions.v8, builds, relaxedNote, cpu: os.cpus()[0]?.model ?? 'unknown', commit,
      date: new Date().toISOString(), maxTimePerVariant: maxTime, baseline: args.baseline ?? null,
      results,
    };
    const tmp = `${args.json}.tmp-${process.pid}`;
    await writeFile(tmp, JSON.stringify(doc, null, 2) + '\n');
    await rename(tmp, args.json);
    console.log(`wrote ${args.json}`);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
