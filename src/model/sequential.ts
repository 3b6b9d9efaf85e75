// Sequential: a stack of layers, compiled into three parts (STYLE.md §9.1):
//   Parameters (params.ts)  what the model owns: the parameter block, its layout and init,
//                           get/set weights, trainable and non-trainable tensors
//   Plan (plan.ts)          the memory of one batch size, sharded by samples, planned once
//   Executor (executor.ts)  runs forward, backward and update over a plan, on one thread or
//                           on the runtime's worker pool, with the same bits either way
// This class infers the shapes, owns the layers and the public surface (fit, evaluate,
// predict, weights, summary), and hands plans and steps to the executor.
//
// The loss is fused with a final softmax: a last Softmax layer (or a last Dense with
// activation 'softmax') says so through Layer.fuseWithLoss; training then runs the stack up to
// the logits and softmax_xent does the rest; predict applies softmax to the logits.

import type { Kernels } from '../runtime/abi.js';
import { buildKernels, buildUnavailable, isBuildName, loadRuntime, type BuildName, type Runtime } from '../runtime/load.js';
import { Layer, product, type ParamView } from '../layers/layer.js';
import { makeOptimizer, type Optimizer, type OptimizerSpec } from '../optimizers/index.js';
import { makeLoss, type Loss } from '../losses/softmax-cross-entropy.js';
import { Parameters, type NamedTensor } from './params.js';
import { Executor, type StepPhases } from './executor.js';
import type { Plan, PlanMode } from './plan.js';
import { resolveThreads, type ThreadsOption } from '../pool/pool.js';
import type { Dataset } from '../data/dataset.js';
import { fit as fitModel } from '../train/trainer.js';
import { evaluate as evaluateModel } from '../train/evaluate.js';
import { predict as predictModel } from '../train/predict.js';
import { checkDataFits } from '../train/checks.js';
import type { FitOptions, History, TrainStream } from '../train/fit-options.js';
import type { EvaluateOptions, Evaluation } from '../train/evaluate.js';
import type { PredictOptions, Prediction } from '../train/predict.js';
import type { PlateauState } from '../train/callbacks.js';
import { shown } from '../util/format.js';
import { InputTransform } from './input-transform.js';
import { formatSummary } from './summary.js';
import { inferShapes } from './shapes.js';
import { lossAndGradients as batchLossAndGradients, lossOf as batchLossOf } from './batch-loss.js';
import type { Normalization } from './normalization.js';

export type { Plan, PlanMode, StepPhases };
/** The plan of one batch size (the name the first round used). */
export type BatchPlan = Plan;

export interface CompileOptions {
  /** Per-sample input shape: [height, width, channels] for images, [features] for vectors. */
  inputShape: readonly number[];
  /** Default 'adam' (lr 1e-3). */
  optimizer?: OptimizerSpec;
  /** Default 'softmaxCrossEntropy' (integer labels, fused softmax). */
  loss?: string | Loss;
  /** Seeds the initialisers and dropout (default 0). Same seed + data + build ⇒ same weights. */
  seed?: number;
  /**
   * Which kernels: 'naive', 'simd', 'relaxed', or 'auto' (default: the runtime's build, which
   * loadRuntime's 'auto' makes relaxed, else simd, else naive, by what the engine has).
   */
  build?: BuildName | 'auto';
  /** A runtime from loadRuntime(); default: one shared runtime loaded on first use. */
  runtime?: Runtime;
  /** Threads for training and inference: a count or 'auto' (default: the available cores). Results do not depend on it. */
  threads?: ThreadsOption;
}

interface DataSlot { ptr: number; bytes: number }

let sharedRuntime: Promise<Runtime> | undefined;
/** The runtime models use when compile() is given none (loaded once; its build is 'auto'). */
export function defaultRuntime(): Promise<Runtime> {
  sharedRuntime ??= loadRuntime({ build: 'auto' });
  return sharedRuntime;
}

function checkInputShape(shape: unknown): number[] {
  if (!Array.isArray(shape) || (shape.length !== 1 && shape.length !== 3) ||
      shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new RangeError(`compile: inputShape must be [height, width, channels] or [features] with positive integers, ` +
      `got ${shown(shape)}`);
  }
  return [...shape] as number[];
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
  /** Epochs completed by fit() so far (varies the default shuffle order between fit calls). */
  epochsTrained = 0;
  /** The shuffle stream of the last fit (seeds and epochs drawn), which fit({ resume: true }) continues. */
  trainStream: TrainStream | undefined;
  /**
   * Plateau counters of the last fit's callbacks (ReduceLROnPlateau, EarlyStopping), by callback
   * key, which fit({ resume: true }) continues; saved with the training state.
   */
  callbackState: Record<string, PlateauState> = {};
  params!: Parameters;
  executor!: Executor;
  /** The input normalization fit/evaluate/predict apply to the data they stage (see normalization). */
  input!: InputTransform;
  private readonly slots = new Map<string, DataSlot>();
  private compiled = false;
  private disposed = false;

  // Views over wasm memory, re-created only when memory.buffer changes (identity check).
  private viewBuf: ArrayBufferLike | undefined;
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
    if (!Number.isInteger(seed)) throw new RangeError(`compile: seed must be an integer, got ${shown(options.seed)}`);
    const build = options.build ?? 'auto';
    if (build !== 'auto' && !isBuildName(build)) {
      throw new TypeError(`compile: build must be 'auto', 'naive', 'simd' or 'relaxed', got ${shown(build)}`);
    }
    const missing = build === 'auto' ? undefined : buildUnavailable(rt, build);
    if (missing !== undefined) throw new Error(`compile: build '${build}' requested but ${missing}`);
    const inputShape = checkInputShape(options.inputShape);
    resolveThreads(options.threads, `compile '${this.name}'`); // checked before any memory is planned
    const optimizer = makeOptimizer(options.optimizer ?? 'adam');
    const loss = makeLoss(options.loss);

    this.runtime = rt;
    this.build = build === 'auto' ? rt.build : build;
    this.k = buildKernels(rt, this.build)!;
    this.seed = seed >>> 0;
    this.inputShape = inputShape;
    this.optimizer = optimizer;
    this.loss = loss;

    ({ stackSize: this.stackSize, numClasses: this.numClasses } = inferShapes(this.layers, this.inputShape, this.name));
    this.params = new Parameters(rt, this.k, this.layers, optimizer, this.seed, this.name);
    this.executor = new Executor({
      name: this.name, runtime: rt, k: this.k, build: this.build, stack: this.layers.slice(0, this.stackSize),
      params: this.params, optimizer, loss, inputSize: product(inputShape), numClasses: this.numClasses,
    }, options.threads);
    this.compiled = true;
    this.input = new InputTransform(this);
    return this;
  }

  private need(what: string): void {
    if (this.disposed) throw new Error(`Sequential '${this.name}': disposed; it cannot be used for ${what}`);
    if (!this.compiled) throw new Error(`Sequential '${this.name}': call compile() before ${what}`);
  }

  /**
   * Gives the model's wasm memory back to its runtime (parameters, plans, staged data), for the
   * next model to reuse. The model cannot be used afterwards; weights copied out stay valid.
   * Without it a model keeps its memory for the life of the runtime. Calling it twice is harmless.
   */
  dispose(): void {
    if (this.disposed || !this.compiled) { this.disposed = true; return; }
    this.disposed = true;
    const arena = this.runtime.arena;
    this.executor.dispose();
    for (const s of this.slots.values()) arena.free(s.ptr);
    this.slots.clear();
    arena.free(this.params.base);
  }

  get isDisposed(): boolean { return this.disposed; }

  // ---- threads ---------------------------------------------------------------------------

  /** Threads the model runs on (1 where threads are unavailable). */
  get threads(): number { this.need('reading threads'); return this.executor.threads; }

  /** A thread count or 'auto' (the available cores). Changes speed only, never a result. */
  setThreads(threads: ThreadsOption): void { this.need('setThreads'); this.executor.setThreads(threads); }

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
    this.viewBuf = buf;
    this.f32v = new Float32Array(buf);
    this.i32v = new Int32Array(buf);
  }

  // ---- plans and steps (the executor's surface) ---------------------------------------------

  /** The plan for batch size B and mode, created (memory grows) on first use and kept. */
  plan(B: number, mode: PlanMode, keepActivations = false): Plan { this.need('planning'); return this.executor.plan(B, mode, keepActivations); }

  /** A plan for batches of up to `b` rows (see Executor.planAtLeast). */
  planAtLeast(b: number, mode: PlanMode): Plan { this.need('planning'); return this.executor.planAtLeast(b, mode); }

  /** Batch sizes of the plans of `mode` made so far, ascending. */
  planSizes(mode: PlanMode): number[] { this.need('planSizes'); return this.executor.planSizes(mode); }

  /** Makes the next steps of `plan` run b ≤ plan.B samples. */
  setBatch(plan: Plan, b: number): void { this.need('setBatch'); this.executor.setRows(plan, b); }

  /** One training step on the batch in the plan; returns the loss sum. See Executor.trainStep. */
  trainStep(plan: Plan, phases?: StepPhases): number { this.need('trainStep'); return this.executor.trainStep(plan, phases); }

  /** Inference forward on the batch in the plan; the loss sum when `withLabels`. */
  inferStep(plan: Plan, withLabels: boolean): number { this.need('inferStep'); return this.executor.inferStep(plan, withLabels); }

  /** The forward pass alone, leaving every layer's output in the plan's buffers. */
  forwardPlan(plan: Plan, training: boolean): void { this.need('forwardPlan'); this.executor.forward(plan, training); }

  // ---- datasets in wasm memory ---------------------------------------------------------------

  /**
   * A reusable region for a role ('train', 'eval', 'perm', ...) of at least `bytes`; reused when
   * large enough, otherwise replaced by a bigger one (the old one is freed).
   */
  slot(role: string, bytes: number): number {
    this.need('staging data');
    const s = this.slots.get(role);
    if (s !== undefined && s.bytes >= bytes) return s.ptr;
    if (s !== undefined) this.runtime.arena.free(s.ptr); // too small: replaced by a larger one
    const ptr = this.runtime.arena.alloc(Math.max(bytes, 16), `model '${this.name}' ${role} data`);
    this.slots.set(role, { ptr, bytes });
    return ptr;
  }

  // ---- parameters ----------------------------------------------------------------------------

  get nParams(): number { return this.compiled ? this.params.n : 0; }
  get nDecay(): number { return this.compiled ? this.params.nDecay : 0; }
  get paramsPtr(): number { return this.params.values; }
  get gradsPtr(): number { return this.params.grads; }

  /** Every parameter tensor (trainable and not), in layer order. */
  paramViews(): ParamView[] {
    this.need('reading parameters');
    return this.params.views;
  }

  /** Copies of every tensor (trainable and non-trainable), in layer order. */
  getWeights(): NamedTensor[] { this.need('getWeights'); return this.params.getWeights(); }

  /** Copies of every trainable tensor's gradient (as left by the last step), in layer order. */
  getGradients(): NamedTensor[] { this.need('getGradients'); return this.params.getGradients(); }

  /** Sets tensors by name; every tensor must be given once with its exact shape. */
  setWeights(weights: readonly { name: string; shape?: readonly number[]; data: ArrayLike<number> }[]): void {
    this.need('setWeights');
    this.params.setWeights(weights);
  }

  /** A fresh view of one parameter's values in wasm memory (invalid after memory grows). */
  paramData(name: string, which: 'value' | 'grad' = 'value'): Float32Array {
    this.need('paramData');
    return this.params.data(name, which);
  }

  /**
   * Loss (mean over the batch, f64 sum / B) and, on request, all gradients for one batch
   * given in JS (x [B·inSize], labels i32 [B]). Training-mode forward. For tests and gradient checks.
   */
  lossAndGradients(x: Float32Array, labels: Int32Array, options: { inputGradient?: boolean } = {}): {
    loss: number; logits: Float32Array; grads: Map<string, Float32Array>; inputGradient?: Float32Array;
  } {
    this.need('lossAndGradients');
    return batchLossAndGradients(this, x, labels, options);
  }

  /** Mean loss (inference forward) of one batch given in JS. For tests and gradient checks. */
  lossOf(x: Float32Array, labels: Int32Array): number { this.need('lossOf'); return batchLossOf(this, x, labels); }

  // ---- input normalization ---------------------------------------------------------------------

  /**
   * The normalization every input goes through before the first layer (a copy), or undefined.
   * fit, evaluate and predict apply it to the data they are given; it is saved in the model file.
   * lossOf and lossAndGradients take the network's input as it is (already normalized).
   */
  get normalization(): Normalization | undefined { this.need('normalization'); return this.input.normalization; }

  /** Sets (or, with undefined, removes) the input normalization; checked against the input channels. */
  setNormalization(n: Normalization | undefined): void { this.need('setNormalization'); this.input.set(n, `setNormalization '${this.name}'`); }

  /** Sets 'standardize' statistics fitted to `data` (per input channel) and returns them. */
  adaptNormalization(data: Dataset): Normalization {
    this.need('adaptNormalization');
    checkDataFits(this, data, 'adaptNormalization');
    return this.input.adapt(data.images, `adaptNormalization '${this.name}'`);
  }

  // ---- training API (src/train/) ------------------------------------------------------------------

  async fit(train: Dataset, options: FitOptions = {}): Promise<History> { this.need('fit'); return fitModel(this, train, options); }
  evaluate(data: Dataset, options: EvaluateOptions = {}): Evaluation { this.need('evaluate'); return evaluateModel(this, data, options); }
  predict(input: Float32Array | Dataset, options: PredictOptions = {}): Prediction { this.need('predict'); return predictModel(this, input, options); }

  // ---- description -----------------------------------------------------------------------------

  get paramCount(): number {
    return this.nParams;
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
      ...(this.input.normalization ? { normalization: this.input.normalization } : {}),
    };
  }

  /**
   * A Keras-like table: layer (type), output shape, params; totals; the planned memory (model
   * block and every batch plan made so far). Returns the text and, if `print` is given, prints it.
   */
  summary(print?: (text: string) => void): string {
    this.need('summary');
    const dataBytes = [...this.slots.values()].reduce((s, d) => s + d.bytes, 0);
    const text = formatSummary(this, dataBytes);
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
  /** The input normalization (absent: none; files written before it existed have none). */
  normalization?: Normalization;
}
