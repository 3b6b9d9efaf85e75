// The executor: plans batches for a model and runs forward, backward and update over a plan,
// on the calling thread or on the runtime's thread pool (src/pool).
//
// A training step is
//   prepare   each layer's whole-batch work on this thread (dropout masks), then
//   shards    per shard, in one task: zero its gradient copy, forward, loss + argmax, backward
//   update    per chunk of the parameters: add the shards' gradient copies into the model's
//             gradient in shard order, then the optimizer's update of that chunk
// A batch-wide layer (BatchNormalization in training) cuts the shard tasks at barriers: every
// shard runs up to the barrier, the layer's reduction combines their partials in shard order on
// this thread, then every shard runs on (runProgram; the pieces are planned in planner.ts).
// The shard and chunk tasks are tapes recorded at plan time (src/pool/tape.ts) and replayed by
// whichever thread takes them. What each task computes, and the order of every reduction, are
// fixed by the plan alone, so 1, 2 or 16 threads give the same bits.

import type { Kernels } from '../runtime/abi.js';
import type { BuildName, Runtime } from '../runtime/load.js';
import type { Layer } from '../layers/layer.js';
import type { Optimizer } from '../optimizers/index.js';
import type { Loss } from '../losses/index.js';
import { F64View, Recorder, kernelList, runTape } from '../pool/tape.js';
import { poolOf, resolveThreads, threadsUnavailable, noticeSingleThread, type ThreadPool, type ThreadsOption } from '../pool/pool.js';
import { Planner, CHUNK } from './planner.js';
import type { Parameters } from './params.js';
import { PROGRAM, type Plan, type PlanMode, type Program } from './plan.js';
import { shown } from '../util/format.js';

/** What the executor needs of a compiled model. */
export interface ModelCore {
  name: string;
  runtime: Runtime;
  k: Kernels;
  build: BuildName;
  /** The layers that run (a last Softmax fused with the loss is left out). */
  stack: readonly Layer[];
  params: Parameters;
  optimizer: Optimizer;
  loss: Loss;
  inputSize: number;
  numClasses: number;
}

/** Phase times of one step, in milliseconds (filled in when passed to trainStep). */
export interface StepPhases { forward: number; backward: number; update: number }

/** Below this much work (flops) a job runs on the calling thread: waking workers costs more. */
const MIN_PARALLEL_WORK = 2_000_000;
/**
 * Update jobs smaller than this (elements × shards) run on the calling thread. A batch of one
 * shard (per-sample SGD) updates on the calling thread unless the model is large: its step is
 * short, and an SGD pass over 300k parameters (tanh-binary) takes about as long as waking a worker.
 */
const MIN_PARALLEL_UPDATE = 1 << 17;
const MIN_PARALLEL_UPDATE_ONE_SHARD = 1 << 20;

export class Executor {
  private readonly plans = new Map<string, Plan>();
  private readonly rec: Recorder;
  private readonly planner: Planner;
  private readonly fns: ((...a: number[]) => number)[];
  private readonly f64: F64View;
  private pool: ThreadPool | undefined;
  private threadCount = 1;
  private readonly buildId: number;

  constructor(private readonly m: ModelCore, threads: ThreadsOption | undefined) {
    this.rec = new Recorder(m.runtime.arena.memory, m.k);
    this.planner = new Planner(m, this.rec);
    this.fns = kernelList(m.k);
    this.f64 = new F64View(m.runtime.arena.memory);
    this.buildId = m.build === 'simd' ? 1 : 0;
    this.setThreads(threads ?? 'auto');
  }

  /** Threads in use (1 where threads are unavailable). */
  get threads(): number { return this.threadCount; }

  /** Sets the thread count: a positive integer or 'auto' (the available cores). No result depends on it. */
  setThreads(v: ThreadsOption, warn?: (m: string) => void): void {
    const want = resolveThreads(v, `model '${this.m.name}'`);
    if (want > 1) {
      const why = threadsUnavailable(this.m.runtime);
      if (why !== undefined) {
        noticeSingleThread(why, warn);
        this.threadCount = 1;
        this.pool = undefined;
        return;
      }
      this.pool = poolOf(this.m.runtime);
      this.pool.ensure(want - 1);
    } else {
      this.pool = undefined;
    }
    this.threadCount = want;
  }

  // ---- plans -----------------------------------------------------------------------------

  /** The plan for batch size B and mode, created on first use and kept. */
  plan(B: number, mode: PlanMode): Plan {
    if (!Number.isInteger(B) || B < 1) throw new RangeError(`batch size must be a positive integer, got ${shown(B)}`);
    const key = `${mode}:${B}`;
    let p = this.plans.get(key);
    if (p === undefined) {
      p = this.planner.makePlan(B, mode);
      this.plans.set(key, p);
    }
    return p;
  }

  /**
   * A plan that can run batches of up to `b` rows: the smallest existing plan of `mode` with
   * B ≥ b, else a new one for the next power of two ≥ b (so counts 1, 2, 3, ... do not each
   * add a plan; together the plans made here take about twice the largest at most).
   */
  planAtLeast(b: number, mode: PlanMode): Plan {
    if (!Number.isInteger(b) || b < 1) throw new RangeError(`batch size must be a positive integer, got ${shown(b)}`);
    let best: Plan | undefined;
    for (const p of this.plans.values()) if (p.mode === mode && p.B >= b && (best === undefined || p.B < best.B)) best = p;
    return best ?? this.plan(2 ** Math.ceil(Math.log2(b)), mode);
  }

  allPlans(): IterableIterator<Plan> { return this.plans.values(); }

  /** Frees every plan's memory (the executor must not be used afterwards). */
  dispose(): void {
    for (const p of this.plans.values()) for (const b of p.blocks) this.m.runtime.arena.free(b);
    this.plans.clear();
    this.pool = undefined;
  }

  /** Batch sizes of the plans of `mode` made so far, ascending (for tests and memory reports). */
  planSizes(mode: PlanMode): number[] {
    return [...this.plans.values()].filter((p) => p.mode === mode).map((p) => p.B).sort((x, y) => x - y);
  }

  /**
   * Makes `rows` (≤ plan.B) the batch size of the plan's next steps: re-places the shards and
   * re-records their tapes. Cheap enough for once per epoch (the last, smaller batch).
   */
  setRows(plan: Plan, rows: number): void { this.planner.setRows(plan, rows); }

  /** Runs tasks 0..n-1 of the table at `table` here or on the pool. */
  private runTable(table: number, n: number, parallel: boolean): void {
    if (this.pool?.closed) { this.pool = undefined; this.threadCount = 1; } // disposeRuntime: one thread from now on
    if (parallel && this.pool !== undefined && n > 1) {
      this.pool.run(table, n, this.buildId, Math.min(this.threadCount - 1, n - 1));
      return;
    }
    const f64 = this.f64.get();
    for (let i = 0; i < n; i++) {
      const t = table / 8 + 2 * i;
      runTape(f64, f64[t]!, f64[t + 1]!, this.fns);
    }
  }

  /**
   * Runs program p on every shard. A program with barriers (batch-wide layers) runs as pieces:
   * all shards up to a barrier, then its reduction here, in shard order, then the next piece.
   */
  private runProgram(plan: Plan, p: Program): void {
    const parallel = plan.work * (plan.rows / plan.B) >= MIN_PARALLEL_WORK;
    const pieces = plan.pieces[p]!;
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      if (!piece.empty) this.runTable(piece.table, plan.activeShards, parallel);
      if (piece.barrier >= 0) {
        const b = plan.barriers[piece.barrier]!;
        runTape(this.f64.get(), b.start, b.end, this.fns);
      }
    }
  }

  private prepare(plan: Plan, training: boolean): void {
    const k = this.m.k;
    const stack = this.m.stack;
    for (let j = 0; j < stack.length; j++) stack[j]!.prepare(k, plan.runs[j]!, training);
  }

  /** Adds the shards' gradient copies into the model's gradient (shard order) and, if asked, updates. */
  private reduceAndUpdate(plan: Plan, update: boolean): void {
    const n = this.m.params.n;
    if (n === 0) return;
    const S = plan.activeShards;
    if (S === 1 && !update) return;
    const k = this.rec.kernels;
    const u = plan.update;
    const f64 = this.f64.get();
    const g0 = this.m.params.grads;
    if (update) this.m.optimizer.begin();
    let pos = u.tape;
    this.rec.begin(u.tape, u.cap);
    for (let c = 0; c < u.chunks; c++) {
      const lo = c * CHUNK;
      const hi = Math.min(n, lo + CHUNK);
      for (let s = 1; s < S; s++) k.add(g0 + 4 * lo, plan.shards[s]!.grads + 4 * lo, hi - lo);
      if (update) this.m.optimizer.apply(k, lo, hi);
      const end = this.rec.end();
      f64[u.table / 8 + 2 * c] = pos;
      f64[u.table / 8 + 2 * c + 1] = end;
      pos = end;
    }
    this.runTable(u.table, u.chunks, S > 1 ? n * S >= MIN_PARALLEL_UPDATE : n >= MIN_PARALLEL_UPDATE_ONE_SHARD);
  }

  private lossSum(plan: Plan): number {
    const f64 = this.f64.get();
    let sum = 0;
    for (let s = 0; s < plan.activeShards; s++) sum += f64[plan.shards[s]!.loss / 8]!;
    return sum;
  }

  /**
   * One training step on the batch in plan.x0 / plan.labels (plan.rows samples): forward, loss
   * (scale 1/rows), argmax into plan.pred, backward, gradient reduction, optimizer update.
   * Returns the loss SUM over the batch. With `phases`, also times forward, backward and
   * update (forward and backward then run as two jobs instead of one).
   */
  trainStep(plan: Plan, phases?: StepPhases): number {
    this.prepare(plan, true);
    if (phases === undefined) {
      this.runProgram(plan, PROGRAM.STEP);
      this.reduceAndUpdate(plan, true);
    } else {
      const t0 = performance.now();
      this.runProgram(plan, PROGRAM.FWD_HEAD);
      const t1 = performance.now();
      this.runProgram(plan, PROGRAM.BWD);
      const t2 = performance.now();
      this.reduceAndUpdate(plan, true);
      const t3 = performance.now();
      phases.forward = t1 - t0;
      phases.backward = t2 - t1;
      phases.update = t3 - t2;
    }
    return this.lossSum(plan);
  }

  /** Forward, loss and gradients (reduced into the model's gradient), no update. Returns the loss sum. */
  gradientStep(plan: Plan): number {
    this.prepare(plan, true);
    this.runProgram(plan, PROGRAM.STEP);
    this.reduceAndUpdate(plan, false);
    return this.lossSum(plan);
  }

  /** Inference forward on plan.x0: loss sum (with labels) or probabilities, and argmax. */
  inferStep(plan: Plan, withLabels: boolean): number {
    if (plan.mode !== 'infer') throw new Error(`inferStep needs an inference plan, got a ${plan.mode} plan`);
    this.prepare(plan, false);
    this.runProgram(plan, withLabels ? PROGRAM.EVAL : PROGRAM.PREDICT);
    return withLabels ? this.lossSum(plan) : 0;
  }

  /** The forward alone (activations into the plan's buffers). */
  forward(plan: Plan, training: boolean): void {
    this.prepare(plan, training);
    this.runProgram(plan, PROGRAM.FWD);
  }
}

