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
import { loadRuntime, type BuildName, type Runtime } from '../runtime/load.js';
import { Layer, formatShape, product, type ParamView } from '../layers/layer.js';
import { makeOptimizer, type Optimizer, type OptimizerSpec } from '../optimizers/index.js';
import { makeLoss, type Loss } from '../losses/softmax-cross-entropy.js';
import { Parameters, type NamedTensor } from './params.js';
import { Executor, type StepPhases } from './executor.js';
import type { Plan, PlanMode } from './plan.js';
import { resolveThreads, type ThreadsOption } from '../pool/pool.js';
import type { Dataset } from '../data/dataset.js';
import * as trainer from '../train/trainer.js';
import type { FitOptions, History, EvaluateOptions, Evaluation, PredictOptions, Prediction } from '../train/trainer.js';
import { shown } from '../util/format.js';

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
  /** Which kernels: 'simd' (default when supported), 'naive', or 'auto'. */
  build?: BuildName | 'auto';
  /** A runtime from loadRuntime(); default: one shared runtime loaded on first use. */
  runtime?: Runtime;
  /** Threads for training and inference: a count or 'auto' (default: the available cores). Results do not depend on it. */
  threads?: ThreadsOption;
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
  params!: Parameters;
  executor!: Executor;
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
    if (build !== 'auto' && build !== 'naive' && build !== 'simd') {
      throw new TypeError(`compile: build must be 'auto', 'naive' or 'simd', got ${shown(build)}`);
    }
    if (build === 'simd' && rt.simd === undefined) throw new Error('compile: build \'simd\' requested but this engine has no WebAssembly SIMD');
    const inputShape = checkInputShape(options.inputShape);
    resolveThreads(options.threads, `compile '${this.name}'`); // checked before any memory is planned
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
    this.params = new Parameters(rt, this.k, this.layers, optimizer, this.seed, this.name);
    this.executor = new Executor({
      name: this.name, runtime: rt, k: this.k, build: this.build, stack: this.layers.slice(0, this.stackSize),
      params: this.params, optimizer, loss, inputSize: product(inputShape), numClasses: this.numClasses,
    }, options.threads);
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
    const lastIndex = this.layers.length - 1;
    let fusedLayer = false;
    this.layers.forEach((l, i) => { if (l.fuseWithLoss(i === lastIndex) === 'layer' && i === lastIndex) fusedLayer = true; });
    this.stackSize = fusedLayer ? this.layers.length - 1 : this.layers.length;
    if (this.stackSize === 0) throw new Error(`Sequential '${this.name}': a model of only a Softmax layer has nothing to train`);
    const logitsShape = this.layers[this.stackSize - 1]!.outShape;
    if (logitsShape.length !== 1 || logitsShape[0]! < 2) {
      throw new RangeError(`Sequential '${this.name}': the last layer must output a vector of class scores [numClasses ≥ 2], ` +
        `got ${formatShape(logitsShape)} from ${this.layers[this.stackSize - 1]!.label}; end the model with Flatten and Dense({ units: numClasses })`);
    }
    this.numClasses = logitsShape[0]!;
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
  plan(B: number, mode: PlanMode): Plan { this.need('planning'); return this.executor.plan(B, mode); }

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
    const B = this.checkBatch(x, labels);
    const plan = this.plan(B, options.inputGradient ? 'grad' : 'train');
    this.setBatch(plan, B);
    this.stage(plan, x, labels);
    const sum = this.executor.gradientStep(plan);
    const f32 = this.f32();
    const grads = new Map(this.getGradients().map((g) => [g.name, g.data]));
    const out: { loss: number; logits: Float32Array; grads: Map<string, Float32Array>; inputGradient?: Float32Array } = {
      loss: sum / B, logits: f32.slice(plan.logits >> 2, (plan.logits >> 2) + B * this.numClasses), grads,
    };
    if (options.inputGradient) {
      const inSize = x.length / B;
      const g = new Float32Array(x.length);
      for (let r = 0; r < B; r++) {
        const at = (plan.dx0 >> 2) + r * plan.dx0Row;
        g.set(f32.subarray(at, at + inSize), r * inSize);
      }
      out.inputGradient = g;
    }
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

  private stage(plan: Plan, x: Float32Array, labels: Int32Array): void {
    this.f32().set(x, plan.x0 >> 2);
    this.i32().set(labels, plan.labels >> 2);
  }

  // ---- training API (src/train/trainer.ts) ------------------------------------------------------

  async fit(train: Dataset, options: FitOptions = {}): Promise<History> { this.need('fit'); return trainer.fit(this, train, options); }
  evaluate(data: Dataset, options: EvaluateOptions = {}): Evaluation { this.need('evaluate'); return trainer.evaluate(this, data, options); }
  predict(input: Float32Array | Dataset, options: PredictOptions = {}): Prediction { this.need('predict'); return trainer.predict(this, input, options); }

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
      const note = i >= this.stackSize || l.fuseWithLoss(i === this.layers.length - 1) === 'activation' ? ' *' : '';
      return [`${l.name} (${l.type})${note}`, `(None, ${l.outShape.join(', ')})`, p.toLocaleString('en-US')];
    });
    const head = ['Layer (type)', 'Output shape', 'Param #'];
    const w = [0, 1, 2].map((c) => Math.max(head[c]!.length, ...rows.map((r) => r[c]!.length)) + 2);
    const line = (r: string[]) => r[0]!.padEnd(w[0]!) + r[1]!.padEnd(w[1]!) + r[2]!.padStart(w[2]!);
    const rule = (ch: string) => ch.repeat(w[0]! + w[1]! + w[2]!);
    const kb = (b: number) => (b >= 1 << 20 ? `${(b / (1 << 20)).toFixed(2)} MiB` : `${(b / 1024).toFixed(1)} KiB`);
    const mb = this.params.bytesByKind;
    const nAll = this.params.views.reduce((t, v) => t + v.size, 0);
    const out = [
      `Model: "${this.name}"  input (None, ${this.inputShape.join(', ')}), build ${this.build}`,
      rule('_'), line(head), rule('='),
      ...rows.map(line),
      rule('='),
      `Total params: ${nAll.toLocaleString('en-US')} (${kb(4 * nAll)})` +
        (this.optimizer.weightDecay > 0 ? `, ${this.nDecay.toLocaleString('en-US')} with weight decay` : ''),
      ...(nAll > this.nParams ? [`Trainable params: ${this.nParams.toLocaleString('en-US')}; non-trainable: ${(nAll - this.nParams).toLocaleString('en-US')} (running statistics)`] : []),
      `Optimizer: ${this.optimizer.type} ${JSON.stringify(this.optimizer.getConfig())}; loss: ${this.loss.type}` +
        (this.layers.some((l, i) => i >= this.stackSize || l.fuseWithLoss(i === this.layers.length - 1) === 'activation') ? ' (* softmax fused with the loss)' : ''),
      `Planned memory: parameters ${kb(mb.params ?? 0)}, gradients ${kb(mb.grads ?? 0)}, optimizer state ${kb(mb.optimizer ?? 0)}`,
    ];
    const plans = [...this.executor.allPlans()];
    for (const p of plans) {
      const k = p.byKind;
      out.push(`  batch ${p.B} (${p.mode}, ${p.shards.length} shard${p.shards.length > 1 ? 's' : ''}): activations ${kb((k.activations ?? 0) + (k.input ?? 0))}, caches ${kb(k.caches ?? 0)}, ` +
        `gradients ${kb((k.gradients ?? 0) + (k.grads ?? 0))}, scratch ${kb(k.scratch ?? 0)}, tapes ${kb(k.tape ?? 0)}, total ${kb(p.bytes)} (${p.bytes} bytes)`);
    }
    if (plans.length === 0) out.push('  no batch planned yet (fit/evaluate/predict plan on first use)');
    const dataBytes = [...this.slots.values()].reduce((s, d) => s + d.bytes, 0);
    if (dataBytes > 0) out.push(`  data slots (datasets staged for fit/evaluate/predict): ${kb(dataBytes)}`);
    const total = Object.values(mb).reduce((s, b) => s + (b ?? 0), 0) + plans.reduce((s, p) => s + p.bytes, 0) + dataBytes;
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
