// Sequential: a stack of layers over ONE memory plan in the shared wasm memory.
//
// compile() infers every shape, then lays out, in one block (src/model/layout.ts):
//   parameters   contiguous, the weights that take decay (kernels) first, then biases
//   gradients    contiguous, same order (one `fill` zeroes them all)
//   optimizer    state, contiguous (SGD none, momentum v, Adam m then v)
//   layer state  e.g. dropout RNG states; the init RNG state; a probe geometry struct
// and initialises the parameters from the seeded wasm RNG (layer order, Keras initialisers).
//
// Each batch size gets a BatchPlan (planned once, kept, reused): input, activations, caches
// (max-pool argmax, dropout mask), geometry structs, two ping-pong gradient buffers, labels,
// predictions and ONE shared conv scratch region (max of conv2d_scratch_bytes over layers).
// A smaller batch (the last partial batch of an epoch) runs in the same plan: setBatch
// rewrites the B field of the geometry structs and the B of each LayerRun, nothing else.
// Memory grows only when a plan or a dataset slot is created, never during a step.
//
// The loss is fused with a final softmax: if the last layer is a Softmax layer (or a Dense
// with activation 'softmax'), training runs the stack up to its input (the logits) and
// softmax_xent does the rest; predict applies softmax to the logits.

import type { Kernels } from '../runtime/abi.js';
import { GEOM, writeGeom } from '../runtime/abi.js';
import { loadRuntime, type BuildName, type Runtime } from '../runtime/load.js';
import { Layer, formatShape, product, type LayerRun, type ParamView } from '../layers/layer.js';
import { Dense } from '../layers/dense.js';
import { Softmax } from '../layers/activations.js';
import { Conv2D } from '../layers/conv2d.js';
import { makeOptimizer, type Optimizer, type OptimizerSpec } from '../optimizers/index.js';
import { makeLoss, type Loss } from '../losses/softmax-cross-entropy.js';
import { Layout, type RegionKind } from './layout.js';
import type { Dataset } from '../data/dataset.js';
import * as trainer from '../train/trainer.js';
import type { FitOptions, History, EvaluateOptions, Evaluation, PredictOptions, Prediction } from '../train/trainer.js';

export interface CompileOptions {
  /** Per-sample input shape: [height, width, channels] for images, [features] for vectors. */
  inputShape: readonly number[];
  /** Default 'adam' (lr 1e-3). */
  optimizer?: OptimizerSpec;
  /** Default 'softmaxCrossEntropy' (integer labels, fused softmax). */
  loss?: string | Loss;
  /** Seeds the initialisers and dropout (default 0). Same seed + data + build ⇒ same weights. */
  seed?: number;
  /** Which kernels: 'simd' (default when supported), 'naive', or 'auto'. */
  build?: BuildName | 'auto';
  /** A runtime from loadRuntime(); default: one shared runtime loaded on first use. */
  runtime?: Runtime;
  threads?: number | 'auto';
}

export type PlanMode = 'train' | 'infer' | 'grad';

/** Everything one batch size needs, planned once. Internal; exported for the trainer and tests. */
export interface BatchPlan {
  mode: PlanMode;
  /** Planned batch size, and the batch size the buffers are currently set up for. */
  B: number;
  curB: number;
  x0: number;
  /** i32 [B] labels and predicted classes. */
  labels: number;
  pred: number;
  logits: number;
  /** Gradient of the loss w.r.t. the logits (train/grad plans), else 0. */
  dlogits: number;
  /** Probabilities [B, numClasses] (inference plans), else 0. */
  probs: number;
  /** d loss / d input (grad plans), else 0. */
  dx0: number;
  runs: LayerRun[];
  /** Geometry structs whose B field follows curB. */
  geoms: number[];
  scratch: number;
  scratchBytes: number;
  bytes: number;
  byKind: Partial<Record<RegionKind, number>>;
}

interface DataSlot { ptr: number; bytes: number }

let sharedRuntime: Promise<Runtime> | undefined;
/** The runtime models use when compile() is given none (loaded once, SIMD when supported). */
export function defaultRuntime(): Promise<Runtime> {
  sharedRuntime ??= loadRuntime({ build: 'auto' });
  return sharedRuntime;
}

function checkInputShape(shape: unknown): number[] {
  if (!Array.isArray(shape) || (shape.length !== 1 && shape.length !== 3) ||
      shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new RangeError(`compile: inputShape must be [height, width, channels] or [features] with positive integers, ` +
      `got ${JSON.stringify(shape)}`);
  }
  return [...shape] as number[];
}

/** A 32-bit hash of (seed, i), so each layer's RNG gets an unrelated stream. */
function mixSeed(seed: number, i: number): number {
  let h = (seed ^ Math.imul(i + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export class Sequential {
  readonly layers: Layer[] = [];
  name: string;

  // ---- set by compile -------------------------------------------------------------------
  runtime!: Runtime;
  k!: Kernels;
  build!: BuildName;
  optimizer!: Optimizer;
  loss!: Loss;
  seed = 0;
  inputShape: number[] = [];
  /** Layers that run in training (the trailing Softmax, if any, is fused with the loss). */
  stackSize = 0;
  numClasses = 0;
  nParams = 0;
  /** Epochs completed by fit() so far (varies the default shuffle order between fit calls). */
  epochsTrained = 0;
  nDecay = 0;
  paramsPtr = 0;
  gradsPtr = 0;
  private probe = 0;
  private modelBytes: Partial<Record<RegionKind, number>> = {};
  private readonly plans = new Map<string, BatchPlan>();
  private readonly slots = new Map<string, DataSlot>();
  private compiled = false;

  // Views over wasm memory, re-created only when memory.buffer changes (identity check).
  private viewBuf: ArrayBuffer | undefined;
  private f32v = new Float32Array(0);
  private i32v = new Int32Array(0);

  constructor(layers: Layer[] = [], name = 'sequential') {
    if (!Array.isArray(layers)) throw new TypeError(`Sequential: expected an array of layers, got ${typeof layers}`);
    this.name = name;
    for (const l of layers) this.add(l);
  }

  /** Appends a layer (before compile). Returns this, for chaining. */
  add(layer: Layer): this {
    if (this.compiled) throw new Error(`Sequential '${this.name}': cannot add layers after compile`);
    if (!(layer instanceof Layer)) {
      throw new TypeError(`Sequential '${this.name}': layer ${this.layers.length} is not a Layer (got ${layer === null ? 'null' : typeof layer}); ` +
        `use new Conv2D({...}), new Dense({...}), ...`);
    }
    if (this.layers.includes(layer) || layer.index !== -1) {
      throw new Error(`Sequential '${this.name}': layer ${this.layers.length} (${layer.type}) is already part of a model; create a new layer object`);
    }
    this.layers.push(layer);
    return this;
  }

  get isCompiled(): boolean { return this.compiled; }

  /** Loads (or takes) the runtime, then plans and initialises the model. */
  async compile(options: CompileOptions): Promise<this> {
    const rt = options?.runtime ?? await defaultRuntime();
    return this.compileWith(rt, options);
  }

  /** compile() with a runtime already at hand (synchronous). */
  compileWith(rt: Runtime, options: CompileOptions): this {
    if (this.compiled) throw new Error(`Sequential '${this.name}': already compiled (a model's memory is planned once)`);
    if (options === null || typeof options !== 'object') throw new TypeError('compile: needs an options object { inputShape, optimizer, seed }');
    if (this.layers.length === 0) throw new Error(`Sequential '${this.name}': has no layers; add some before compile`);
    const seed = options.seed ?? 0;
    if (!Number.isInteger(seed)) throw new RangeError(`compile: seed must be an integer, got ${JSON.stringify(options.seed)}`);
    const build = options.build ?? 'auto';
    if (build !== 'auto' && build !== 'naive' && build !== 'simd') {
      throw new TypeError(`compile: build must be 'auto', 'naive' or 'simd', got ${JSON.stringify(build)}`);
    }
    if (build === 'simd' && rt.simd === undefined) throw new Error('compile: build \'simd\' requested but this engine has no WebAssembly SIMD');
    const inputShape = checkInputShape(options.inputShape);
    const optimizer = makeOptimizer(options.optimizer ?? 'adam');
    const loss = makeLoss(options.loss);

    this.runtime = rt;
    this.build = build === 'auto' ? rt.build : build;
    this.k = this.build === 'simd' ? rt.simd! : rt.naive;
    this.seed = seed >>> 0;
    this.inputShape = inputShape;
    this.optimizer = optimizer;
    this.loss = loss;

    this.inferShapes();
    this.planModel();
    this.compiled = true;
    return this;
  }

  private inferShapes(): void {
    const counts = new Map<string, number>();
    const names = new Set<string>();
    for (const l of this.layers) if (l.name !== undefined) names.add(l.name);
    let shape = this.inputShape;
    this.layers.forEach((l, i) => {
      l.index = i;
      if (l.name === undefined) {
        const base = l.type.toLowerCase();
        let n = counts.get(base) ?? 0;
        let name: string;
        do { name = `${base}_${++n}`; } while (names.has(name));
        counts.set(base, n);
        names.add(name);
        l.name = name;
      } else if (this.layers.some((o, j) => j < i && o.name === l.name)) {
        throw new Error(`${l.label}: the name '${l.name}' is used by an earlier layer; layer names must be unique`);
      }
      l.inShape = [...shape];
      l.outShape = l.outputShape(shape);
      shape = l.outShape;
    });
    const last = this.layers[this.layers.length - 1]!;
    this.stackSize = last instanceof Softmax ? this.layers.length - 1 : this.layers.length;
    this.layers.forEach((l, i) => {
      if (l instanceof Dense && l.activation === 'softmax') {
        if (i !== this.layers.length - 1) {
          throw new Error(`${l.label}: activation 'softmax' is only supported on the last layer (where it is fused with the loss); ` +
            `use a Softmax layer elsewhere`);
        }
        l.fusedSoftmax = true;
      }
    });
    if (this.stackSize === 0) throw new Error(`Sequential '${this.name}': a model of only a Softmax layer has nothing to train`);
    const logitsShape = this.layers[this.stackSize - 1]!.outShape;
    if (logitsShape.length !== 1 || logitsShape[0]! < 2) {
      throw new RangeError(`Sequential '${this.name}': the last layer must output a vector of class scores [numClasses ≥ 2], ` +
        `got ${formatShape(logitsShape)} from ${this.layers[this.stackSize - 1]!.label}; end the model with Flatten and Dense({ units: numClasses })`);
    }
    this.numClasses = logitsShape[0]!;
  }

  private planModel(): void {
    const k = this.k;
    for (const l of this.layers) l.bind(k);
    // One table of parameter specs, in layer order; memory order puts decay weights first.
    const all: { layer: Layer; view: ParamView }[] = [];
    for (const l of this.layers) {
      for (const s of l.paramSpecs()) {
        const size = product(s.shape);
        all.push({ layer: l, view: { name: `${l.name}/${s.name}`, shape: [...s.shape], size, decay: s.decay, init: s.init, value: 0, grad: 0 } });
      }
    }
    const memOrder = [...all.filter((p) => p.view.decay), ...all.filter((p) => !p.view.decay)];
    let n = 0;
    const rel: number[] = [];
    for (const p of memOrder) { rel.push(n); n += p.view.size; }
    this.nParams = n;
    this.nDecay = memOrder.filter((p) => p.view.decay).reduce((s, p) => s + p.view.size, 0);

    const layout = new Layout();
    const iParams = layout.add('parameters', 'params', 4 * n);
    const iGrads = layout.add('gradients', 'grads', 4 * n);
    const iOpt = layout.add('optimizer state', 'optimizer', 4 * n * this.optimizer.stateSlots());
    const iStates = this.layers.map((l) => layout.add(`${l.name} state`, 'state', l.stateBytes()));
    const iRng = layout.add('init rng', 'state', 16);
    const iProbe = layout.add('probe geometry', 'geometry', 64);
    layout.commit(this.runtime.arena, `model '${this.name}'`);
    this.modelBytes = layout.byKind();
    this.paramsPtr = layout.offset(iParams);
    this.gradsPtr = layout.offset(iGrads);
    this.probe = layout.offset(iProbe);
    memOrder.forEach((p, j) => {
      p.view.value = this.paramsPtr + 4 * rel[j]!;
      p.view.grad = this.gradsPtr + 4 * rel[j]!;
    });
    for (const l of this.layers) l.params = all.filter((p) => p.layer === l).map((p) => p.view);

    // Initialise in layer order from one seeded stream.
    const rng = layout.offset(iRng);
    k.rng_seed(rng, this.seed);
    for (const { view: v } of all) {
      const i = v.init;
      if (i.dist === 'uniform') k.rng_uniform(v.value, v.size, rng, i.lo, i.hi);
      else if (i.dist === 'normal') k.rng_normal(v.value, v.size, rng, 0, i.std, i.truncated ? 1 : 0);
      else k.fill(v.value, v.size, i.value);
    }
    this.layers.forEach((l, i) => { if (l.stateBytes() > 0) l.initState(layout.offset(iStates[i]!), mixSeed(this.seed, i)); });
    this.optimizer.bind(k, {
      w: this.paramsPtr, g: this.gradsPtr, n, nDecay: this.nDecay, state: layout.offset(iOpt),
    });
  }

  private need(what: string): void {
    if (!this.compiled) throw new Error(`Sequential '${this.name}': call compile() before ${what}`);
  }

  // ---- views over wasm memory ------------------------------------------------------------

  /** Float32Array over the whole memory (re-created only when memory grew). Do not keep it. */
  f32(): Float32Array {
    if (this.runtime.arena.memory.buffer !== this.viewBuf) this.refreshViews();
    return this.f32v;
  }

  i32(): Int32Array {
    if (this.runtime.arena.memory.buffer !== this.viewBuf) this.refreshViews();
    return this.i32v;
  }

  private refreshViews(): void {
    const buf = this.runtime.arena.memory.buffer;
    this.viewBuf = buf as ArrayBuffer;
    this.f32v = new Float32Array(buf);
    this.i32v = new Int32Array(buf);
  }

  // ---- batch plans -------------------------------------------------------------------------

  /** The plan for batch size B and mode, created (memory grows) on first use and kept. */
  plan(B: number, mode: PlanMode): BatchPlan {
    this.need('planning');
    if (!Number.isInteger(B) || B < 1) throw new RangeError(`batch size must be a positive integer, got ${JSON.stringify(B)}`);
    const key = `${mode}:${B}`;
    let p = this.plans.get(key);
    if (p === undefined) {
      p = this.makePlan(B, mode);
      this.plans.set(key, p);
    }
    return p;
  }

  /**
   * A plan that can run batches of up to `b` rows, for callers that step with b ≤ plan.B via
   * setBatch (evaluate, predict, validation). Reuses the smallest existing plan of `mode` with
   * B ≥ b; otherwise plans B = the next power of two ≥ b. Plans are never freed, so without the
   * reuse every distinct small count (predict of 1, 2, 3, ... images) would add a plan; with it,
   * the plans made here for a mode together take about twice the largest one at most.
   */
  planAtLeast(b: number, mode: PlanMode): BatchPlan {
    if (!Number.isInteger(b) || b < 1) throw new RangeError(`batch size must be a positive integer, got ${JSON.stringify(b)}`);
    let best: BatchPlan | undefined;
    for (const p of this.plans.values()) {
      if (p.mode === mode && p.B >= b && (best === undefined || p.B < best.B)) best = p;
    }
    return best ?? this.plan(2 ** Math.ceil(Math.log2(b)), mode);
  }

  /** Batch sizes of the plans of `mode` made so far, ascending (for tests and memory reports). */
  planSizes(mode: PlanMode): number[] {
    return [...this.plans.values()].filter((p) => p.mode === mode).map((p) => p.B).sort((x, y) => x - y);
  }

  private makePlan(B: number, mode: PlanMode): BatchPlan {
    const training = mode !== 'infer';
    const stack = this.layers.slice(0, this.stackSize);
    const layout = new Layout();
    const inSize = product(this.inputShape);
    const iX0 = layout.add('input', 'input', 4 * B * inSize);
    // Activations: a layer that aliases its input shares the buffer before it.
    const iY: number[] = [];
    let cur = -1; // -1 = the input region
    for (const l of stack) {
      if (!l.aliasesInput(training)) cur = layout.add(`${l.name} output`, 'activations', 4 * B * l.outSize);
      iY.push(cur);
    }
    const bufIdx = stack.map((l) => l.bufferSpecs(B, training).map((s) => ({ name: s.name, i: layout.add(`${l.name} ${s.name}`, 'caches', s.bytes) })));
    const geoms = stack.map((l) => l.geometry(B));
    const iGeom = geoms.map((g, j) => (g === undefined ? -1 : layout.add(`${stack[j]!.name} geometry`, 'geometry', 64)));
    // One shared conv scratch region, sized by asking the kernel for each conv geometry.
    let scratchBytes = 0;
    const mem = this.runtime.arena.memory;
    stack.forEach((l, j) => {
      if (l instanceof Conv2D) {
        writeGeom(mem, this.probe, geoms[j]!);
        scratchBytes = Math.max(scratchBytes, this.k.conv2d_scratch_bytes(this.probe));
      }
    });
    const iScratch = scratchBytes > 0 ? layout.add('conv scratch', 'scratch', scratchBytes) : -1;
    let iG0 = -1, iG1 = -1, iDx0 = -1;
    if (training) {
      const maxOut = Math.max(...stack.map((l) => l.outSize));
      iG0 = layout.add('gradient ping', 'gradients', 4 * B * maxOut);
      iG1 = layout.add('gradient pong', 'gradients', 4 * B * maxOut);
      if (mode === 'grad') iDx0 = layout.add('input gradient', 'gradients', 4 * B * inSize);
    }
    const iLabels = layout.add('labels', 'io', 4 * B);
    const iPred = layout.add('predictions', 'io', 4 * B);
    const iProbs = training ? -1 : layout.add('probabilities', 'io', 4 * B * this.numClasses);
    layout.commit(this.runtime.arena, `model '${this.name}' batch ${B} ${mode} plan`);

    const off = (i: number) => (i < 0 ? 0 : layout.offset(i));
    const x0 = off(iX0);
    const scratch = off(iScratch);
    const runs: LayerRun[] = [];
    let x = x0;
    stack.forEach((l, j) => {
      const y = iY[j]! < 0 ? x0 : layout.offset(iY[j]!);
      const bufs: Record<string, number> = {};
      for (const b of bufIdx[j]!) bufs[b.name] = layout.offset(b.i);
      if (iGeom[j]! >= 0) {
        bufs.geom = layout.offset(iGeom[j]!);
        writeGeom(mem, bufs.geom, geoms[j]!);
      }
      runs.push({ B, x, y, dy: 0, dx: 0, bufs, scratch });
      x = y;
    });
    const logits = runs[runs.length - 1]!.y;
    let dlogits = 0;
    if (training) {
      // Backward ping-pong: each layer reads dy and writes dx into the other buffer; layers that
      // alias their input pass the same buffer through. The first layer's dx is absent (0) unless
      // this is a gradient-check plan that wants d loss / d input.
      const g = [off(iG0), off(iG1)];
      let which = 0;
      dlogits = g[0]!;
      let dy = dlogits;
      for (let j = stack.length - 1; j >= 0; j--) {
        const r = runs[j]!;
        r.dy = dy;
        if (stack[j]!.aliasesInput(true)) r.dx = j === 0 && mode !== 'grad' ? 0 : dy; // pass-through: dx is dy
        else if (j === 0) r.dx = off(iDx0);
        else { which ^= 1; r.dx = g[which]!; }
        dy = r.dx;
      }
    }
    return {
      mode, B, curB: B, x0, labels: off(iLabels), pred: off(iPred), logits, dlogits, probs: off(iProbs),
      dx0: mode === 'grad' ? runs[0]!.dx : 0,
      runs, geoms: runs.map((r) => r.bufs.geom ?? 0).filter((p) => p !== 0), scratch, scratchBytes,
      bytes: layout.bytes, byKind: layout.byKind(),
    };
  }

  /** Runs the next steps of `plan` with b ≤ plan.B samples (rewrites geometry B fields). */
  setBatch(plan: BatchPlan, b: number): void {
    if (plan.curB === b) return;
    if (!(b >= 1 && b <= plan.B)) throw new RangeError(`batch of ${b} does not fit a plan for ${plan.B}`);
    const i32 = this.i32();
    for (let j = 0; j < plan.geoms.length; j++) i32[(plan.geoms[j]! >> 2) + GEOM.B] = b;
    for (let j = 0; j < plan.runs.length; j++) plan.runs[j]!.B = b;
    plan.curB = b;
    for (let j = 0; j < plan.runs.length; j++) {
      const l = this.layers[j]!;
      if (l instanceof Conv2D && this.k.conv2d_scratch_bytes(plan.runs[j]!.bufs.geom!) > plan.scratchBytes) {
        throw new Error(`${l.label}: conv scratch for batch ${b} exceeds the ${plan.scratchBytes} bytes planned for batch ${plan.B}`);
      }
    }
  }

  // ---- steps (no allocation: loops over preplanned runs) ------------------------------------

  forwardPlan(plan: BatchPlan, training: boolean): void {
    const runs = plan.runs;
    for (let j = 0; j < runs.length; j++) this.layers[j]!.forward(runs[j]!, training);
  }

  backwardPlan(plan: BatchPlan): void {
    const runs = plan.runs;
    for (let j = runs.length - 1; j >= 0; j--) this.layers[j]!.backward(runs[j]!);
  }

  zeroGrads(): void {
    if (this.nParams > 0) this.k.fill(this.gradsPtr, this.nParams, 0);
  }

  /**
   * One training step on the batch already in plan.x0 / plan.labels (plan.curB rows): zero grads,
   * forward, loss (scale 1/B), argmax into plan.pred, backward, optimizer update.
   * Returns the loss SUM over the batch.
   */
  trainStep(plan: BatchPlan): number {
    const b = plan.curB;
    this.zeroGrads();
    this.forwardPlan(plan, true);
    const sum = this.loss.compute(this.k, 0, plan.dlogits, plan.logits, plan.labels, b, this.numClasses, 1 / b);
    this.k.argmax_rows(plan.pred, plan.logits, b, this.numClasses);
    this.backwardPlan(plan);
    this.optimizer.step();
    return sum;
  }

  /** Forward (inference) on the batch in plan.x0; loss sum if `withLabels`, probabilities and argmax. */
  inferStep(plan: BatchPlan, withLabels: boolean): number {
    const b = plan.curB;
    this.forwardPlan(plan, false);
    let sum = 0;
    if (withLabels) sum = this.loss.compute(this.k, plan.probs, 0, plan.logits, plan.labels, b, this.numClasses, 1);
    else this.k.softmax_forward(plan.probs, plan.logits, b, this.numClasses);
    this.k.argmax_rows(plan.pred, plan.logits, b, this.numClasses);
    return sum;
  }

  // ---- datasets in wasm memory ---------------------------------------------------------------

  /**
   * A reusable region for a role ('train', 'eval', 'perm', ...) of at least `bytes`; reused when
   * large enough, otherwise a bigger one is planned (the arena never frees, so the old one stays).
   */
  slot(role: string, bytes: number): number {
    this.need('staging data');
    const s = this.slots.get(role);
    if (s !== undefined && s.bytes >= bytes) return s.ptr;
    const ptr = this.runtime.arena.alloc(Math.max(bytes, 16), `model '${this.name}' ${role} data`);
    this.slots.set(role, { ptr, bytes });
    return ptr;
  }

  // ---- parameters ----------------------------------------------------------------------------

  /** Every parameter, in layer order. */
  paramViews(): ParamView[] {
    this.need('reading parameters');
    return this.layers.flatMap((l) => l.params);
  }

  /** Copies of every parameter tensor, in layer order. */
  getWeights(): { name: string; shape: number[]; data: Float32Array }[] {
    const f32 = this.f32();
    return this.paramViews().map((v) => ({ name: v.name, shape: [...v.shape], data: f32.slice(v.value >> 2, (v.value >> 2) + v.size) }));
  }

  /** Copies of every parameter gradient (as left by the last step), in layer order. */
  getGradients(): { name: string; shape: number[]; data: Float32Array }[] {
    const f32 = this.f32();
    return this.paramViews().map((v) => ({ name: v.name, shape: [...v.shape], data: f32.slice(v.grad >> 2, (v.grad >> 2) + v.size) }));
  }

  /** Sets parameters by name; every parameter must be given once with its exact shape. */
  setWeights(weights: readonly { name: string; shape?: readonly number[]; data: ArrayLike<number> }[]): void {
    const views = this.paramViews();
    const byName = new Map(weights.map((w) => [w.name, w]));
    for (const v of views) {
      const w = byName.get(v.name);
      if (w === undefined) throw new Error(`setWeights: missing weights for '${v.name}' (shape ${formatShape(v.shape)})`);
      if (w.shape !== undefined && (w.shape.length !== v.shape.length || w.shape.some((d, i) => d !== v.shape[i]))) {
        throw new RangeError(`setWeights: '${v.name}' has shape ${formatShape(w.shape)}, the model needs ${formatShape(v.shape)}`);
      }
      if (w.data.length !== v.size) throw new RangeError(`setWeights: '${v.name}' has ${w.data.length} values, the model needs ${v.size}`);
    }
    for (const w of weights) {
      if (!views.some((v) => v.name === w.name)) throw new Error(`setWeights: the model has no parameter '${w.name}'`);
    }
    const f32 = this.f32();
    for (const v of views) f32.set(byName.get(v.name)!.data, v.value >> 2);
  }

  /** A fresh view of one parameter's values in wasm memory (invalid after memory grows). */
  paramData(name: string, which: 'value' | 'grad' = 'value'): Float32Array {
    const v = this.paramViews().find((p) => p.name === name);
    if (v === undefined) throw new Error(`the model has no parameter '${name}'; it has ${this.paramViews().map((p) => p.name).join(', ')}`);
    return new Float32Array(this.runtime.arena.memory.buffer, which === 'value' ? v.value : v.grad, v.size);
  }

  /**
   * Loss (mean over the batch, f64 sum / B) and, on request, all gradients for one batch
   * given in JS (x [B·inSize], labels i32 [B]). Training-mode forward. For tests and gradient checks.
   */
  lossAndGradients(x: Float32Array, labels: Int32Array, options: { inputGradient?: boolean } = {}): {
    loss: number; logits: Float32Array; grads: Map<string, Float32Array>; inputGradient?: Float32Array;
  } {
    this.need('lossAndGradients');
    const B = this.checkBatch(x, labels);
    const plan = this.plan(B, options.inputGradient ? 'grad' : 'train');
    this.setBatch(plan, B);
    this.stage(plan, x, labels);
    this.zeroGrads();
    this.forwardPlan(plan, true);
    const sum = this.loss.compute(this.k, 0, plan.dlogits, plan.logits, plan.labels, B, this.numClasses, 1 / B);
    this.backwardPlan(plan);
    const f32 = this.f32();
    const grads = new Map(this.getGradients().map((g) => [g.name, g.data]));
    const out: { loss: number; logits: Float32Array; grads: Map<string, Float32Array>; inputGradient?: Float32Array } = {
      loss: sum / B, logits: f32.slice(plan.logits >> 2, (plan.logits >> 2) + B * this.numClasses), grads,
    };
    if (options.inputGradient) out.inputGradient = f32.slice(plan.dx0 >> 2, (plan.dx0 >> 2) + x.length);
    return out;
  }

  /** Mean loss (inference forward) of one batch given in JS. For tests and gradient checks. */
  lossOf(x: Float32Array, labels: Int32Array): number {
    this.need('lossOf');
    const B = this.checkBatch(x, labels);
    const plan = this.plan(B, 'infer');
    this.setBatch(plan, B);
    this.stage(plan, x, labels);
    return this.inferStep(plan, true) / B;
  }

  private checkBatch(x: Float32Array, labels: Int32Array): number {
    const inSize = product(this.inputShape);
    const B = labels.length;
    if (!(x instanceof Float32Array) || x.length !== B * inSize || B === 0) {
      throw new RangeError(`expected ${B} samples of ${formatShape(this.inputShape)} (${B * inSize} floats) for ${B} labels, got ${x?.length}`);
    }
    for (let i = 0; i < B; i++) {
      if (!(labels[i]! >= 0 && labels[i]! < this.numClasses)) {
        throw new RangeError(`label ${labels[i]} at index ${i} is outside [0, ${this.numClasses})`);
      }
    }
    return B;
  }

  private stage(plan: BatchPlan, x: Float32Array, labels: Int32Array): void {
    this.f32().set(x, plan.x0 >> 2);
    this.i32().set(labels, plan.labels >> 2);
  }

  // ---- training API (src/train/trainer.ts) ------------------------------------------------------

  fit(train: Dataset, options: FitOptions = {}): Promise<History> { this.need('fit'); return trainer.fit(this, train, options); }
  evaluate(data: Dataset, options: EvaluateOptions = {}): Evaluation { this.need('evaluate'); return trainer.evaluate(this, data, options); }
  predict(input: Float32Array | Dataset, options: PredictOptions = {}): Prediction { this.need('predict'); return trainer.predict(this, input, options); }

  // ---- description -----------------------------------------------------------------------------

  get paramCount(): number {
    return this.compiled ? this.nParams : 0;
  }

  /** Topology for io and summaries: input shape, layers, optimizer, loss, seed. */
  toJSON(): ModelTopology {
    this.need('toJSON');
    return {
      name: this.name,
      inputShape: [...this.inputShape],
      layers: this.layers.map((l) => l.toJSON()),
      optimizer: this.optimizer.toJSON(),
      loss: this.loss.type,
      seed: this.seed,
    };
  }

  /**
   * A Keras-like table: layer (type), output shape, params; totals; the planned memory (model
   * block and every batch plan made so far). Returns the text and, if `print` is given, prints it.
   */
  summary(print?: (text: string) => void): string {
    this.need('summary');
    const rows = this.layers.map((l, i) => {
      const p = l.params.reduce((s, v) => s + v.size, 0);
      const note = i >= this.stackSize || (l instanceof Dense && l.fusedSoftmax) ? ' *' : '';
      return [`${l.name} (${l.type})${note}`, `(None, ${l.outShape.join(', ')})`, p.toLocaleString('en-US')];
    });
    const head = ['Layer (type)', 'Output shape', 'Param #'];
    const w = [0, 1, 2].map((c) => Math.max(head[c]!.length, ...rows.map((r) => r[c]!.length)) + 2);
    const line = (r: string[]) => r[0]!.padEnd(w[0]!) + r[1]!.padEnd(w[1]!) + r[2]!.padStart(w[2]!);
    const rule = (ch: string) => ch.repeat(w[0]! + w[1]! + w[2]!);
    const kb = (b: number) => (b >= 1 << 20 ? `${(b / (1 << 20)).toFixed(2)} MiB` : `${(b / 1024).toFixed(1)} KiB`);
    const mb = this.modelBytes;
    const out = [
      `Model: "${this.name}"  input (None, ${this.inputShape.join(', ')}), build ${this.build}`,
      rule('_'), line(head), rule('='),
      ...rows.map(line),
      rule('='),
      `Total params: ${this.nParams.toLocaleString('en-US')} (${kb(4 * this.nParams)}), ${this.nDecay.toLocaleString('en-US')} with weight decay`,
      `Optimizer: ${this.optimizer.type} ${JSON.stringify(this.optimizer.getConfig())}; loss: ${this.loss.type}` +
        (this.stackSize < this.layers.length || this.layers.some((l) => l instanceof Dense && l.fusedSoftmax) ? ' (* softmax fused with the loss)' : ''),
      `Planned memory: parameters ${kb(mb.params ?? 0)}, gradients ${kb(mb.grads ?? 0)}, optimizer state ${kb(mb.optimizer ?? 0)}`,
    ];
    for (const p of this.plans.values()) {
      const k = p.byKind;
      out.push(`  batch ${p.B} (${p.mode}): activations ${kb((k.activations ?? 0) + (k.input ?? 0))}, caches ${kb(k.caches ?? 0)}, ` +
        `gradients ${kb(k.gradients ?? 0)}, conv scratch ${kb(k.scratch ?? 0)}, total ${kb(p.bytes)} (${p.bytes} bytes)`);
    }
    if (this.plans.size === 0) out.push('  no batch planned yet (fit/evaluate/predict plan on first use)');
    const dataBytes = [...this.slots.values()].reduce((s, d) => s + d.bytes, 0);
    if (dataBytes > 0) out.push(`  data slots (datasets staged for fit/evaluate/predict): ${kb(dataBytes)}`);
    const total = Object.values(mb).reduce((s, b) => s + (b ?? 0), 0) + [...this.plans.values()].reduce((s, p) => s + p.bytes, 0) + dataBytes;
    out.push(`  model total ${kb(total)} (${total} bytes); wasm memory ${kb(this.runtime.arena.capacity)}`);
    const text = out.join('\n');
    print?.(text);
    return text;
  }
}

export interface ModelTopology {
  name: string;
  inputShape: number[];
  layers: { type: string; config: Record<string, unknown> }[];
  optimizer: { type: string; config: Record<string, unknown> };
  loss: string;
  seed: number;
}
