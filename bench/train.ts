// Training benchmark: images per second of a full training step (gather the batch, forward, loss,
// backward, optimizer update) for each zoo model at its batch size, SIMD and naive kernels side by
// side in one run, plus the JS heap growth and wasm memory over 1,000 training steps of LeNet-5.
//
//   npm run bench:train [-- --json FILE] [--models a,b] [--quick]
//   (the npm script runs node with --expose-gc, which the heap measurement needs)
//
// For every model, in order:
//   1. verify: one step on the same 16-image batch with (a) model.trainStep on the SIMD build,
//      (b) this file's phase-timed copy of trainStep on a twin SIMD model (same seed): loss and
//      every weight afterwards must be BIT-identical, so the timed loop below is the library's
//      step; (c) trainStep on the naive build: the loss must agree with (a) to 1e-3 relative
//      (a sanity bound: both builds compute the same thing, but reductions of up to 9216 terms
//      are summed in a different order, worst case K·2^-23 ≈ 1.1e-3 of Σ|terms|; the kernel tests
//      prove the tight per-kernel bounds).
//   2. time each build at the model's batch size B: warm up, then several timed chunks of whole
//      steps (each chunk ≈ 0.5 s, or one step when a step is slower than that) and report the
//      median chunk's images/s, with min and max. A build whose first step takes ≥ 5 s (naive
//      convnet at B = 256) is timed on that one step only (its kernels were warmed by step 1). Each step is split into data (gather_rows),
//      forward (zero grads + forward + softmax cross-entropy + argmax), backward and update
//      by reading the clock between phases (a few performance.now() calls per step: < 0.1% of
//      the cheapest step, 0.5 ms).
// Then the memory check on LeNet-5 (SIMD, B = 32): gc, heapUsed, N steps, heapUsed, gc, heapUsed
// (what was allocated, and what stayed live), twice, for the bare step loop (1,000 steps) and for
// model.fit() (4 epochs of 7,996 images = 1,000 steps), and whether memory.buffer.byteLength changed.
//
// Data: the embedded MNIST digits (tanh-binary: its 0s and 1s); cifar on synthetic 32x32x3 images
// (seeded, class-dependent colour plus noise: the speed does not depend on the pixel values).
// Timings from a shared machine vary; the JSON records the load average before and after.

import { Command } from 'commander';
import { execSync } from 'node:child_process';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import os from 'node:os';
import { zooEntry, zooModel, zooNames } from '../src/model/zoo.js';
import type { Sequential, BatchPlan, StepPhases } from '../src/model/sequential.js';
import { loadData } from '../src/data/load-node.js';
import { subsetByClasses, take } from '../src/data/transforms.js';
import type { Dataset } from '../src/data/dataset.js';
import { imageSize } from '../src/data/dataset.js';
import { Mulberry32 } from '../src/data/batcher.js';
import { loadRuntime, type BuildName, type Runtime } from '../src/runtime/load.js';

/** Batch size per model: the zoo recipe's, except convnet at 256 (the size the issue asks about). */
const BENCH_BATCH: Record<string, number> = { convnet: 256 };
/** Targets, SIMD build on one core (images/s). */
const TARGETS: Record<string, number> = { lenet5: 4000, simple: 1500, convnet: 150 };
const CHECK_BATCH = 16;
const SEED = 1;

interface Args { json?: string; models: string[]; quick: boolean }

function parseArgs(argv: string[]): Args {
  const p = new Command('bench:train')
    .option('--json <file>', 'write the figures as JSON to FILE')
    .option('--models <list>', `comma-separated subset of ${zooNames().join(',')}`)
    .option('--quick', 'shorter timings (fewer, shorter chunks; 250 steps for the memory check)', false)
    .allowExcessArguments(false);
  p.parse(argv, { from: 'user' });
  const o = p.opts<{ json?: string; models?: string; quick: boolean }>();
  const models = o.models ? o.models.split(',').map((s) => s.trim()).filter(Boolean) : zooNames();
  for (const m of models) {
    if (!zooNames().includes(m)) p.error(`error: --models: unknown model '${m}'; expected a comma-separated list of ${zooNames().join(', ')}`);
  }
  return { json: o.json, models, quick: o.quick };
}

// ---- data --------------------------------------------------------------------------------------

async function benchData(name: string): Promise<Dataset> {
  const e = zooEntry(name);
  if (e.inputShape[2] === 3) return syntheticRgb(512, e.inputShape[0]!, e.inputShape[1]!, e.numClasses, 7);
  const { train } = await loadData('mnist');
  return e.classes ? subsetByClasses(train, e.classes) : train;
}

function syntheticRgb(n: number, H: number, W: number, classes: number, seed: number): Dataset {
  const rng = new Mulberry32(seed);
  const images = new Float32Array(n * H * W * 3);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const y = rng.below(classes);
    labels[i] = y;
    for (let p = 0; p < H * W; p++) {
      for (let c = 0; c < 3; c++) images[(i * H * W + p) * 3 + c] = 0.3 * Math.sin(y + 2 * c) + 0.4 * rng.nextFloat() - 0.2;
    }
  }
  return { name: 'synthetic 32x32x3', images, labels, count: n, height: H, width: W, channels: 3, numClasses: classes };
}

// ---- one step, as Sequential.trainStep does it, with the clock read between phases --------------

/** Seconds spent per phase, accumulated. */
interface Phases { data: number; forward: number; backward: number; update: number }

/** The data of a Dataset staged in a model's memory, and a cursor that walks it batch by batch. */
class Stepper {
  readonly plan: BatchPlan;
  private readonly images: number;
  private readonly labels: number;
  private readonly index: number;
  private readonly n: number;
  private readonly inSize: number;
  private cursor = 0;

  constructor(readonly model: Sequential, data: Dataset, B: number, role: string) {
    this.plan = model.plan(B, 'train');
    model.setBatch(this.plan, B);
    this.n = data.count;
    this.inSize = imageSize(data);
    this.images = model.slot(`${role} images`, data.images.length * 4);
    this.labels = model.slot(`${role} labels`, data.count * 4);
    this.index = model.slot(`${role} index`, data.count * 4);
    model.f32().set(data.images, this.images >> 2);
    model.i32().set(data.labels, this.labels >> 2);
    const idx = model.i32();
    for (let i = 0; i < data.count; i++) idx[(this.index >> 2) + i] = i;
    if (data.count < B) throw new Error(`bench: ${data.count} images is less than one batch of ${B}`);
  }

  /** Gathers the next batch (wrapping around) into the plan. */
  gather(): void {
    const B = this.plan.B;
    if (this.cursor + B > this.n) this.cursor = 0;
    const k = this.model.k;
    const idx = this.index + 4 * this.cursor;
    k.gather_rows(this.plan.x0, this.images, idx, B, this.inSize);
    k.gather_rows(this.plan.labels, this.labels, idx, B, 1);
    this.cursor += B;
  }

  /** The library's step. */
  step(): number {
    this.gather();
    return this.model.trainStep(this.plan);
  }

  /** The same library step, asking it for its phase times (forward and backward then run as two jobs). */
  timedStep(t: Phases): number {
    const t0 = performance.now();
    this.gather();
    const t1 = performance.now();
    const sum = this.model.trainStep(this.plan, this.phases);
    t.data += t1 - t0;
    t.forward += this.phases.forward;
    t.backward += this.phases.backward;
    t.update += this.phases.update;
    return sum;
  }

  private readonly phases: StepPhases = { forward: 0, backward: 0, update: 0 };
}

function weightsBitEqual(a: Sequential, b: Sequential): string | null {
  const wa = a.getWeights();
  const wb = b.getWeights();
  for (let i = 0; i < wa.length; i++) {
    const x = new Uint32Array(wa[i]!.data.buffer);
    const y = new Uint32Array(wb[i]!.data.buffer);
    for (let j = 0; j < x.length; j++) {
      if (x[j] !== y[j]) return `${wa[i]!.name}[${j}]: ${wa[i]!.data[j]} vs ${wb[i]!.data[j]}`;
    }
  }
  return null;
}

interface Check { lossSimd: number; lossNaive: number; relDiff: number; phasedStepBitIdentical: true }

/** Step 1 of the header. Throws if anything disagrees. */
async function verify(name: string, data: Dataset, rt: Runtime, simd: Sequential, naive: Sequential): Promise<Check> {
  const twin = await zooModel(name, { build: 'simd', seed: SEED, runtime: rt });
  const small = take(data, CHECK_BATCH);
  const a = new Stepper(simd, small, CHECK_BATCH, 'check');
  const b = new Stepper(twin, small, CHECK_BATCH, 'check');
  const c = new Stepper(naive, small, CHECK_BATCH, 'check');
  const la = a.step() / CHECK_BATCH;
  const lb = b.timedStep({ data: 0, forward: 0, backward: 0, update: 0 }) / CHECK_BATCH;
  const lc = c.step() / CHECK_BATCH;
  if (la !== lb) throw new Error(`${name}: the phase-timed step's loss ${lb} differs from trainStep's ${la}; update bench/train.ts to match Sequential.trainStep`);
  const why = weightsBitEqual(simd, twin);
  if (why) throw new Error(`${name}: after one step the phase-timed copy's weights differ from trainStep's at ${why}`);
  const relDiff = Math.abs(la - lc) / Math.max(Math.abs(la), 1e-30);
  if (!(relDiff <= 1e-3)) throw new Error(`${name}: SIMD and naive first-step losses disagree: ${la} vs ${lc} (relative ${relDiff.toExponential(2)} > 1e-3)`);
  return { lossSimd: la, lossNaive: lc, relDiff, phasedStepBitIdentical: true };
}

// ---- timing --------------------------------------------------------------------------------------

interface Timing {
  imagesPerSecond: number;
  min: number;
  max: number;
  chunks: number;
  stepsPerChunk: number;
  msPerStep: number;
  /** Mean ms per step in each phase over all timed steps. */
  phasesMs: Phases;
  warmupSteps: number;
}

function median(v: number[]): number {
  const s = [...v].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function timeBuild(st: Stepper, quick: boolean): Timing {
  const chunkTarget = quick ? 0.2 : 0.5;
  const nChunks = quick ? 3 : 7;
  const budget = quick ? 4 : 15; // seconds of timed chunks (at least one chunk)
  const B = st.plan.B;
  const per = (t: Phases, steps: number): Phases =>
    ({ data: t.data / steps, forward: t.forward / steps, backward: t.backward / steps, update: t.update / steps });
  // First step at this batch size. The check step already ran every kernel of this model, so
  // they are compiled; when one step takes seconds (naive convnet at B = 256), this step is the
  // measurement rather than burning the same time again on warm-up.
  const first: Phases = { data: 0, forward: 0, backward: 0, update: 0 };
  const f0 = performance.now();
  st.timedStep(first);
  const firstSec = (performance.now() - f0) / 1000;
  if (firstSec >= 5) {
    const r = B / firstSec;
    return { imagesPerSecond: r, min: r, max: r, chunks: 1, stepsPerChunk: 1, msPerStep: 1000 * firstSec, phasesMs: per(first, 1), warmupSteps: 0 };
  }
  // Warm-up: about one chunk's worth, at least two steps.
  let warm = 1;
  const w0 = performance.now();
  do { st.timedStep(first); warm++; } while ((performance.now() - w0) / 1000 < chunkTarget || warm < 3);
  const perStep = (performance.now() - w0) / 1000 / (warm - 1);
  const stepsPerChunk = Math.max(1, Math.round(chunkTarget / perStep));
  const chunks = Math.max(1, Math.min(nChunks, Math.floor(budget / (stepsPerChunk * perStep))));
  const rates: number[] = [];
  const t: Phases = { data: 0, forward: 0, backward: 0, update: 0 };
  let steps = 0;
  let total = 0;
  for (let c = 0; c < chunks; c++) {
    const c0 = performance.now();
    for (let s = 0; s < stepsPerChunk; s++) st.timedStep(t);
    const sec = (performance.now() - c0) / 1000;
    total += sec;
    steps += stepsPerChunk;
    rates.push((stepsPerChunk * B) / sec);
  }
  return {
    imagesPerSecond: median(rates), min: Math.min(...rates), max: Math.max(...rates), chunks, stepsPerChunk,
    msPerStep: (1000 * total) / steps, phasesMs: per(t, steps), warmupSteps: warm,
  };
}

// ---- memory ---------------------------------------------------------------------------------------

interface HeapFigures {
  steps: number;
  /** heapUsed after gc before the steps, right after the steps (no gc), and after gc. */
  heapBefore: number;
  heapAfterNoGc: number;
  heapAfter: number;
  /** (heapAfterNoGc − heapBefore) / steps: bytes allocated per step, if no GC ran in between. */
  allocatedPerStep: number;
  /** (heapAfter − heapBefore) / steps: bytes still live after a full GC, per step (the growth). */
  retainedPerStep: number;
}

interface MemoryResult {
  /** One entry per round; the last round is the steady state (V8 compiles during the first). */
  loop: HeapFigures[];
  fit: HeapFigures[];
  memoryBytesBefore: number;
  memoryBytesAfter: number;
  memoryUnchanged: boolean;
}

function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc!;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

async function measureHeap(steps: number, body: () => unknown): Promise<HeapFigures> {
  const heapBefore = heapAfterGc();
  await body();
  const heapAfterNoGc = process.memoryUsage().heapUsed;
  const heapAfter = heapAfterGc();
  return {
    steps, heapBefore, heapAfterNoGc, heapAfter,
    allocatedPerStep: (heapAfterNoGc - heapBefore) / steps, retainedPerStep: (heapAfter - heapBefore) / steps,
  };
}

async function memoryCheck(rt: Runtime, quick: boolean): Promise<MemoryResult | string> {
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') {
    return 'skipped: run with node --expose-gc (npm run bench:train does)';
  }
  const model = await zooModel('lenet5', { build: 'simd', seed: SEED, runtime: rt });
  const { train } = await loadData('mnist');
  // fit over `images` with B = 32: ceil(images / 32) steps per epoch, 4 epochs (1,000 steps).
  const images = quick ? 2000 : 7996;
  const data = take(train, images);
  const steps = quick ? 250 : 1000;
  const st = new Stepper(model, data, 32, 'memory');
  const run = (n: number) => { for (let i = 0; i < n; i++) st.step(); };
  // Warm-up with the same loop: V8 keeps compiling (and allocating code and feedback on the heap)
  // for a few hundred steps; measured right away that shows up as ~100 bytes/step. Each
  // measurement is also repeated: the second round is the steady state.
  run(quick ? 150 : 400);
  await model.fit(data, { epochs: 1, batchSize: 32 }); // plans fit's data slots before measuring
  const mem0 = rt.arena.memory.buffer.byteLength;
  const fitSteps = 4 * Math.ceil(images / 32);
  const loop: HeapFigures[] = [];
  const fit: HeapFigures[] = [];
  for (let round = 0; round < 2; round++) {
    loop.push(await measureHeap(steps, () => run(steps)));
    fit.push(await measureHeap(fitSteps, () => model.fit(data, { epochs: 4, batchSize: 32 })));
  }
  const mem1 = rt.arena.memory.buffer.byteLength;
  return { loop, fit, memoryBytesBefore: mem0, memoryBytesAfter: mem1, memoryUnchanged: mem0 === mem1 };
}

// ---- main -----------------------------------------------------------------------------------------

interface ModelResult {
  model: string;
  batchSize: number;
  optimizer: string;
  data: string;
  check: Check;
  simd: Timing;
  naive: Timing;
  speedup: number;
  target?: number;
  targetMet?: boolean;
}

function fmtPhases(t: Timing): string {
  const p = t.phasesMs;
  const sum = p.data + p.forward + p.backward + p.update;
  const f = (x: number) => `${Math.round((100 * x) / sum)}`.padStart(2);
  return `${f(p.data)} ${f(p.forward)} ${f(p.backward)} ${f(p.update)}`;
}

function fmtMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const rt = await loadRuntime({ build: 'simd' });
  if (!rt.simd) throw new Error('bench:train needs WebAssembly SIMD');
  const load0 = os.loadavg();
  console.log(`bench:train${args.quick ? ' --quick' : ''}: ${os.cpus()[0]?.model ?? 'unknown cpu'}, ${os.cpus().length} cores ` +
    `(load ${load0.map((x) => x.toFixed(2)).join(' ')}), node ${process.version}; one thread, B = the model's batch size`);
  console.log('phases: % of step time in data gather / forward+loss / backward / optimizer update');
  console.log('');
  const head = `${'model'.padEnd(12)} ${'B'.padStart(4)} ${'optimizer'.padEnd(9)} ${'build'.padEnd(6)} ${'img/s'.padStart(8)} ${'min..max'.padStart(15)} ` +
    `${'ms/step'.padStart(8)} ${'chunks'.padStart(9)}  phases d/f/b/u`;
  console.log(head);
  console.log('-'.repeat(head.length));

  const results: ModelResult[] = [];
  for (const name of args.models) {
    const e = zooEntry(name);
    const B = BENCH_BATCH[name] ?? e.recipe.batchSize;
    const data = await benchData(name);
    const simd = await zooModel(name, { build: 'simd', seed: SEED, runtime: rt });
    const naive = await zooModel(name, { build: 'naive', seed: SEED, runtime: rt });
    const check = await verify(name, data, rt, simd, naive);
    const timings: Partial<Record<BuildName, Timing>> = {};
    for (const [build, model] of [['simd', simd], ['naive', naive]] as const) {
      const st = new Stepper(model, data, B, 'bench');
      const t = timeBuild(st, args.quick);
      timings[build] = t;
      const chunks = `${t.chunks}x${t.stepsPerChunk}`;
      console.log(`${(build === 'simd' ? name : '').padEnd(12)} ${(build === 'simd' ? String(B) : '').padStart(4)} ` +
        `${(build === 'simd' ? e.recipe.optimizer.type : '').padEnd(9)} ${build.padEnd(6)} ${t.imagesPerSecond.toFixed(0).padStart(8)} ` +
        `${`${t.min.toFixed(0)}..${t.max.toFixed(0)}`.padStart(15)} ${fmtMs(t.msPerStep).padStart(8)} ${chunks.padStart(9)}  ${fmtPhases(t)}`);
    }
    const speedup = timings.simd!.imagesPerSecond / timings.naive!.imagesPerSecond;
    console.log(`${''.padEnd(12)} ${''.padStart(4)} ${''.padEnd(9)} ${'x'.padEnd(6)} ${speedup.toFixed(1).padStart(8)}  SIMD / naive; ` +
      `first-step loss ${check.lossSimd.toFixed(6)} vs ${check.lossNaive.toFixed(6)} (rel. diff ${check.relDiff.toExponential(1)})`);
    const r: ModelResult = {
      model: name, batchSize: B, optimizer: e.recipe.optimizer.type, data: data.name, check,
      simd: timings.simd!, naive: timings.naive!, speedup,
    };
    if (TARGETS[name] !== undefined) {
      r.target = TARGETS[name];
      r.targetMet = r.simd.imagesPerSecond >= TARGETS[name]!;
    }
    results.push(r);
  }

  console.log('');
  for (const r of results.filter((x) => x.target !== undefined)) {
    console.log(`target ${r.model} B=${r.batchSize} (SIMD, one core) ≥ ${r.target} img/s: ${r.simd.imagesPerSecond.toFixed(0)} img/s, ` +
      `${r.targetMet ? 'met' : `NOT met (${((100 * r.simd.imagesPerSecond) / r.target!).toFixed(0)}% of target)`}`);
  }

  const memory = await memoryCheck(rt, args.quick);
  if (typeof memory === 'string') {
    console.log(`memory: ${memory}`);
  } else {
    const line = (what: string, hs: HeapFigures[]) => `  ${what}: ${hs[0]!.steps} steps, twice: heap growth after GC ` +
      `${hs.map((h) => h.retainedPerStep.toFixed(1)).join(', ')} bytes/step; allocated (no GC in between) ` +
      `${hs.map((h) => h.allocatedPerStep.toFixed(1)).join(', ')} bytes/step`;
    console.log('memory, lenet5 SIMD B=32 (target: no heap growth, wasm memory unchanged):');
    console.log(line('bare step loop', memory.loop));
    console.log(line('model.fit()   ', memory.fit));
    console.log(`  wasm memory ${memory.memoryBytesBefore} → ${memory.memoryBytesAfter} bytes (${memory.memoryUnchanged ? 'unchanged' : 'CHANGED'})`);
  }
  const load1 = os.loadavg();
  console.log(`load average at the end: ${load1.map((x) => x.toFixed(2)).join(' ')}`);

  if (args.json) {
    let commit = 'unknown';
    try { commit = execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim(); } catch { /* not a checkout */ }
    const doc = {
      node: process.version, v8: process.versions.v8, cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length,
      commit, date: new Date().toISOString(), quick: args.quick, loadAverageBefore: load0, loadAverageAfter: load1,
      results, memory,
    };
    await mkdir(dirname(args.json), { recursive: true });
    const tmp = `${args.json}.tmp-${process.pid}`;
    await writeFile(tmp, JSON.stringify(doc, null, 2) + '\n');
    await rename(tmp, args.json);
    console.log(`wrote ${args.json}`);
  }
}

main().catch((e: unknown) => {
  console.error(`bench:train: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
