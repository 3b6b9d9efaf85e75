// Timing and loading for bench/kernels.ts: the case shape, benchmark.js timing of every build
// (and a --baseline build) side by side, paired alternating calls, the machine's peak and
// call overhead, and loading the peak and baseline modules over the run's memory.

import Benchmark from 'benchmark';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { BuildName, Runtime } from '../src/runtime/load.js';
import type { Kernels } from '../src/runtime/abi.js';

/** One benchmark case: the same call on each build, over buffers set up once. */
export interface Case {
  kernel: string;
  shape: string;
  flops?: number;
  /** Runs the kernel once with the given build. */
  run(k: Kernels): void;
  /** The same work on the baseline build, where its ABI differs or it lacks the kernel (default: run). */
  runBaseline?(k: Kernels): void;
  /** Runs each build once from the same starting state and returns null if they agree, else why not. */
  check(): string | null;
}

export interface Timing { median: number; p10: number; p90: number; cold: number }

function percentile(sorted: number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[i]!;
}

export type Variant = BuildName | 'baseline';

/**
 * Times every build, and the baseline when given, side by side in one benchmark.js suite;
 * returns seconds per call.
 */
export function timeBuilds(c: Case, builds: [BuildName, Kernels][], maxTime: number, baseline?: Kernels): Partial<Record<Variant, Timing>> & { naive: Timing; simd: Timing } {
  const timings: Partial<Record<Variant, Timing>> = {};
  const suite = new Benchmark.Suite();
  const variants: [Variant, (k: Kernels) => void, Kernels][] = builds.map(([name, k]) => [name, c.run, k]);
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
  return { ...timings, naive: timings.naive!, simd: timings.simd! };
}

/**
 * SIMD against the baseline in alternating single calls, `rounds` of each: the fastest call of
 * each, in seconds. benchmark.js times one variant after the other, so load that changes
 * between them (a busy machine) moves its ratio; alternating calls see the same load, and the
 * fastest of many is the one least disturbed.
 */
export function pairedMin(c: Case, simd: Kernels, baseline: Kernels, rounds: number): { simd: number; baseline: number } {
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

/** Whether the baseline build can run case `c`: it gives its own runBaseline, or has the kernel. */
export function baselineRuns(c: Case, baseline: Kernels): boolean {
  const exportName = c.kernel.split(' ')[0]!;
  return c.runBaseline !== undefined || typeof (baseline as unknown as Record<string, unknown>)[exportName] === 'function';
}

export type Peak = { peak_madd(n: number, a: number, b: number): number; PEAK_FLOPS_PER_ITERATION: WebAssembly.Global };

export function measurePeak(peak: { peak_madd(n: number, a: number, b: number): number; PEAK_FLOPS_PER_ITERATION: WebAssembly.Global }): number {
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

export function callOverheadNs(peak: { noop(): void }): number {
  const n = 2_000_000;
  for (let i = 0; i < n; i++) peak.noop();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) peak.noop();
  return (performance.now() - t0) * 1e6 / n;
}

export function fmtTime(s: number): string {
  if (s >= 1) return `${s.toFixed(2)} s`;
  if (s >= 1e-3) return `${(s * 1e3).toFixed(2)} ms`;
  return `${(s * 1e6).toFixed(1)} µs`;
}

export async function loadPeak(file: string, rt: Runtime): Promise<Peak & { noop(): void }> {
  const bytes = await readFile(new URL(`../build/${file}`, import.meta.url));
  const { instance } = await WebAssembly.instantiate(bytes, { env: { memory: rt.arena.memory } });
  return instance.exports as never;
}

const BASELINE_NEEDS = ['conv2d_scratch_bytes', 'conv2d_forward', 'relu_forward', 'maxpool2d_forward'] as const;

/** Another checkout's SIMD build over this runtime's memory (see --baseline in the header). */
export async function loadBaseline(dir: string, rt: Runtime): Promise<Kernels> {
  const file = path.join(dir, rt.shared ? 'simd.shared.wasm' : 'simd.wasm');
  const bytes = await readFile(file).catch((e: unknown) => {
    throw new Error(`bench:kernels: --baseline ${dir}: cannot read ${file} (${e instanceof Error ? e.message : e})`);
  });
  const { instance } = await WebAssembly.instantiate(bytes, { env: { memory: rt.arena.memory } }).catch((e: unknown) => {
    throw new Error(`bench:kernels: --baseline ${dir}: ${file} does not instantiate over this run's memory (${e instanceof Error ? e.message : e})`);
  });
  // What the cases call on the baseline whatever it has otherwise (scratch sizing, runBaseline).
  const missing = BASELINE_NEEDS.filter((name) => typeof instance.exports[name] !== 'function');
  if (missing.length > 0) {
    throw new Error(`bench:kernels: --baseline ${dir}: ${file} is not a simdnet SIMD build (no export ${missing.join(', ')})`);
  }
  console.log(`baseline: ${file}`);
  return instance.exports as unknown as Kernels;
}

