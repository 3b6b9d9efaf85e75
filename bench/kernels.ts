// Kernel benchmark: every kernel family at the shapes the reference models use, naive and
// SIMD side by side in one run (benchmark.js), after checking that the two agree.
//
//   npm run bench:kernels [-- --json FILE] [--quick] [--filter TEXT] [--baseline DIR]
//
// Prints, per kernel and shape: median time per call for each build, GFLOP/s where the
// kernel has a flop count, the SIMD/naive speed-up, and SIMD GFLOP/s as a share of this
// machine's f32x4 multiply+add peak, measured at the start of the same run.
// --baseline DIR loads another checkout's SIMD build (DIR/simd.wasm, or simd.shared.wasm when
// the memory is shared, e.g. /work/main/build) into the same memory and times it in the same
// suite as a third variant, so old and new kernels are compared side by side on a busy
// machine: the "new/old" column is baseline time / SIMD time (benchmark.js medians), and "new/old
// (paired min)" the same from alternating single calls (pairedMin), the steadier of the two.

import Benchmark from 'benchmark';
import { readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execSync } from 'node:child_process';
import { loadRuntime, type Runtime } from '../src/runtime/load.js';
import { writeGeom, GEOM_BYTES, CONV_ACT, type Kernels } from '../src/runtime/abi.js';
import { windowGeom } from '../src/tensor/geometry.js';
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

/** One benchmark case: the same call on each build, over buffers set up once. */
interface Case {
  kernel: string;
  shape: string;
  flops?: number;
  /** Runs the kernel once with the given build. */
  run(k: Kernels): void;
  /** The same work on the baseline build, where it lacks the kernel (default: run). */
  runBaseline?(k: Kernels): void;
  /** Runs each build once from the same starting state and returns null if they agree, else why not. */
  check(): string | null;
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
    if (!(d <= tol)) return `index ${i}: naive ${x[i]} simd ${y[i]} (|diff| ${d} > ${tol})`;
  }
  return null;
}

/** Runs `call` with each build writing its own copy of `n` outputs (both starting from `init`). */
function checkPair(rt: Runtime, outs: { ptr: number; n: number; init?: number }[], call: (k: Kernels, out: number[]) => void): string | null {
  const copies = outs.map((o) => [rt.arena.alloc(o.n * 4), rt.arena.alloc(o.n * 4)] as const);
  const builds = [rt.naive, rt.simd!];
  for (let b = 0; b < 2; b++) {
    outs.forEach((o, i) => {
      const dst = rt.arena.f32(copies[i]![b]!, o.n);
      if (o.init !== undefined) dst.set(rt.arena.f32(o.init, o.n)); else dst.fill(0);
    });
    call(builds[b]!, copies.map((c) => c[b]!));
  }
  for (let i = 0; i < outs.length; i++) {
    const why = compare(rt, copies[i]![0]!, copies[i]![1]!, outs[i]!.n);
    if (why) return why;
  }
  return null;
}

// ---------------------------------------------------------------------------------------
// Cases per family.

function gemmCases(rt: Runtime): Case[] {
  const out: Case[] = [];
  const shapes = [...squareGemms, ...gemmShapes(32), ...gemmShapes(1)];
  for (const s of shapes) {
    const { M, N, K } = s;
    for (const op of ['gemm_nn', 'gemm_tn', 'gemm_nt'] as const) {
      if (op !== 'gemm_nn' && s.name.startsWith('square') && M !== 512) continue;
      const a = randomBuffer(rt, M * K);
      const b = randomBuffer(rt, K * N);
      const c = rt.arena.alloc(M * N * 4);
      out.push({
        kernel: op, shape: `${s.name} (M=${M} N=${N} K=${K})`, flops: 2 * M * N * K,
        run: (k) => k[op](c, a, b, M, N, K, 0),
        check: () => checkPair(rt, [{ ptr: c, n: M * N }], (k, [cc]) => k[op](cc!, a, b, M, N, K, 0)),
      });
      if (op === 'gemm_nn' && s.name !== 'square 64') {
        // The packed variant (A and B copied into scratch first; the naive build's twin is
        // plain gemm_nn): square 256/512 and the dense shapes, on the same A and B.
        const scratchBytes = Math.max(rt.naive.gemm_packed_scratch_bytes(M, N, K), rt.simd!.gemm_packed_scratch_bytes(M, N, K));
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
    const scratchBytes = Math.max(rt.naive.conv2d_scratch_bytes(gp), rt.simd!.conv2d_scratch_bytes(gp), baseline?.conv2d_scratch_bytes(gp) ?? 0);
    const scratch = rt.arena.alloc(Math.max(scratchBytes, 16));
    const flops = 2 * s.B * g.OH * g.OW * s.OC * s.K * s.K * s.C;
    const shape = `${s.name} ${s.H}x${s.W}x${s.C}->${s.OC}@${s.K}x${s.K} ${s.padding}`;
    out.push({
      kernel: 'conv2d_forward', shape, flops,
      run: (k) => k.conv2d_forward(y, x, w, bias, gp, scratch),
      check: () => checkPair(rt, [{ ptr: y, n: ny }], (k, [yy]) => k.conv2d_forward(yy!, x, w, bias, gp, scratch)),
    });
    // The inference path's fused conv + bias + relu; the baseline build has no such kernel, so
    // it runs what an inference step did before: conv2d_forward, then relu_forward over y.
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
      // The inference plans' call (no argmax); the baseline runs what inference ran before, with one.
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
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------

interface Timing { median: number; p10: number; p90: number; cold: number }

function percentile(sorted: number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[i]!;
}

/** Times naive, SIMD and the baseline (if any) side by side in one benchmark.js suite; seconds per call. */
function timeVariants(c: Case, rt: Runtime, maxTime: number, baseline?: Kernels): { naive: Timing; simd: Timing; baseline?: Timing } {
  const timings: Record<string, Timing> = {};
  const suite = new Benchmark.Suite();
  const variants: [string, (k: Kernels) => void, Kernels][] = [['naive', c.run, rt.naive], ['simd', c.run, rt.simd!]];
  if (baseline) variants.push(['baseline', c.runBaseline ?? c.run, baseline]);
  for (const [name, run, k] of variants) {
    const t0 = performance.now();
    run(k); // the first call, before V8 tiers the wasm up
    const cold = (performance.now() - t0) / 1000;
    suite.add(name, () => run(k), {
      maxTime, minSamples: 5,
      onComplete(this: Benchmark) {
        const s = [...this.stats.sample].sort((a, b) => a - b);
        timings[name] = { median: percentile(s, 0.5), p10: percentile(s, 0.1), p90: percentile(s, 0.9), cold };
      },
    });
  }
  suite.run({ async: false });
  return { naive: timings.naive!, simd: timings.simd!, baseline: timings.baseline };
}

/**
 * SIMD against the baseline in alternating single calls, `rounds` of each: the fastest call of
 * each, and their ratio. benchmark.js times one variant after the other, so load that changes
 * between them (a busy machine) moves its ratio; alternating calls see the same load, and the
 * fastest of many is the one least disturbed.
 */
function pairedMin(c: Case, simd: Kernels, baseline: Kernels, rounds: number): { simd: number; baseline: number } {
  const runBase = c.runBaseline ?? c.run;
  let a = Infinity, b = Infinity;
  for (let r = 0; r < rounds; r++) {
    let t0 = performance.now();
    c.run(simd);
    a = Math.min(a, performance.now() - t0);
    t0 = performance.now();
    runBase(baseline);
    b = Math.min(b, performance.now() - t0);
  }
  return { simd: a / 1000, baseline: b / 1000 };
}

function measurePeak(peak: { peak_madd(n: number, a: number, b: number): number; PEAK_FLOPS_PER_ITERATION: WebAssembly.Global }): number {
  const perIter = peak.PEAK_FLOPS_PER_ITERATION.value as number;
  const iters = 5_000_000;
  peak.peak_madd(iters, 0.9999999, 1e-7); // warm up
  const rates: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t0 = performance.now();
    peak.peak_madd(iters, 0.9999999, 1e-7);
    rates.push(iters * perIter / ((performance.now() - t0) / 1000) / 1e9);
  }
  rates.sort((a, b) => a - b);
  return rates[rates.length - 1]!; // the best run is the ceiling; noise only lowers it
}

function callOverheadNs(peak: { noop(): void }): number {
  const n = 2_000_000;
  for (let i = 0; i < n; i++) peak.noop();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) peak.noop();
  return (performance.now() - t0) * 1e6 / n;
}

function fmtTime(s: number): string {
  if (s >= 1) return `${s.toFixed(2)} s`;
  if (s >= 1e-3) return `${(s * 1e3).toFixed(2)} ms`;
  return `${(s * 1e6).toFixed(1)} µs`;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const rt = await loadRuntime({ build: 'simd' });
  if (!rt.simd) throw new Error('bench:kernels needs wasm SIMD');
  const peakBytes = await readFile(new URL('../build/peak.wasm', import.meta.url));
  const { instance } = await WebAssembly.instantiate(peakBytes, { env: { memory: rt.arena.memory } });
  const peak = instance.exports as never;
  const peakGflops = measurePeak(peak);
  const overhead = callOverheadNs(peak);
  console.log(`wasm f32x4 mul+add peak (one core): ${peakGflops.toFixed(1)} GFLOP/s; empty JS→wasm call: ${overhead.toFixed(1)} ns`);
  const baseline = args.baseline === undefined ? undefined : await loadBaseline(args.baseline, rt);

  let cases = [...gemmCases(rt), ...convCases(rt, 32, baseline), ...convCases(rt, 1, baseline), ...poolCases(rt, 32), ...elementwiseCases(rt)];
  if (args.filter) cases = cases.filter((c) => `${c.kernel} ${c.shape}`.includes(args.filter!));
  const maxTime = args.quick ? 0.25 : 1;

  const results = [];
  const header = ['kernel', 'shape', 'naive', 'simd', 'speed-up', 'naive GF/s', 'simd GF/s', '% peak',
    ...(baseline ? ['baseline GF/s', 'baseline % peak', 'new/old', 'new/old (paired min)', '% peak (paired min)'] : [])];
  console.log(header.join(' | '));
  for (const c of cases) {
    const why = c.check();
    if (why) throw new Error(`${c.kernel} ${c.shape}: naive and SIMD disagree: ${why}`);
    const t = timeVariants(c, rt, maxTime, baseline);
    const speedup = t.naive.median / t.simd.median;
    const naiveGflops = c.flops ? c.flops / t.naive.median / 1e9 : undefined;
    const simdGflops = c.flops ? c.flops / t.simd.median / 1e9 : undefined;
    const percentOfPeak = simdGflops !== undefined ? 100 * simdGflops / peakGflops : undefined;
    const baseGflops = c.flops && t.baseline ? c.flops / t.baseline.median / 1e9 : undefined;
    const paired = baseline ? pairedMin(c, rt.simd!, baseline, args.quick ? 10 : 30) : undefined;
    results.push({
      kernel: c.kernel, shape: c.shape, flops: c.flops ?? null,
      naiveSeconds: t.naive.median, simdSeconds: t.simd.median, speedup,
      naiveGflops: naiveGflops ?? null, simdGflops: simdGflops ?? null, percentOfPeak: percentOfPeak ?? null,
      naiveP10: t.naive.p10, naiveP90: t.naive.p90, simdP10: t.simd.p10, simdP90: t.simd.p90,
      naiveColdSeconds: t.naive.cold, simdColdSeconds: t.simd.cold,
      ...(t.baseline ? {
        baselineSeconds: t.baseline.median, baselineGflops: baseGflops ?? null,
        baselinePercentOfPeak: baseGflops !== undefined ? 100 * baseGflops / peakGflops : null,
        speedupVsBaseline: t.baseline.median / t.simd.median,
        pairedMinSimdSeconds: paired!.simd, pairedMinBaselineSeconds: paired!.baseline,
        pairedSpeedupVsBaseline: paired!.baseline / paired!.simd,
        pairedSimdPercentOfPeak: c.flops ? 100 * c.flops / paired!.simd / 1e9 / peakGflops : null,
      } : {}),
    });
    const pct = (g: number | undefined) => (g !== undefined ? `${(100 * g / peakGflops).toFixed(0)}%` : '-');
    console.log([c.kernel, c.shape, fmtTime(t.naive.median), fmtTime(t.simd.median), `${speedup.toFixed(1)}x`,
      naiveGflops?.toFixed(2) ?? '-', simdGflops?.toFixed(2) ?? '-', pct(simdGflops),
      ...(t.baseline ? [baseGflops?.toFixed(2) ?? '-', pct(baseGflops), `${(t.baseline.median / t.simd.median).toFixed(2)}x`,
        `${(paired!.baseline / paired!.simd).toFixed(2)}x`, c.flops ? pct(c.flops / paired!.simd / 1e9) : '-'] : [])].join(' | '));
  }

  if (args.json) {
    let commit = 'unknown';
    try { commit = execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim(); } catch { /* not a checkout */ }
    const doc = {
      peakGflops, callOverheadNs: overhead,
      node: process.version, v8: process.versions.v8, cpu: os.cpus()[0]?.model ?? 'unknown', commit,
      date: new Date().toISOString(), maxTimePerVariant: maxTime, baseline: args.baseline ?? null,
      results,
    };
    const tmp = `${args.json}.tmp-${process.pid}`;
    await writeFile(tmp, JSON.stringify(doc, null, 2) + '\n');
    await rename(tmp, args.json);
    console.log(`wrote ${args.json}`);
  }
}

/** Another checkout's SIMD build over this runtime's memory (see --baseline in the header). */
async function loadBaseline(dir: string, rt: Runtime): Promise<Kernels> {
  const file = path.join(dir, rt.shared ? 'simd.shared.wasm' : 'simd.wasm');
  const bytes = await readFile(file).catch((e: unknown) => {
    throw new Error(`bench:kernels: --baseline ${dir}: cannot read ${file} (${e instanceof Error ? e.message : e})`);
  });
  const { instance } = await WebAssembly.instantiate(bytes, { env: { memory: rt.arena.memory } });
  console.log(`baseline: ${file}`);
  return instance.exports as unknown as Kernels;
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
