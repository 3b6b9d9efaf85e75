// The layer contract: every layer of a Sequential model is a small object that
//   - computes its output shape from its input shape (per sample, NHWC [H, W, C] or [N]),
//   - declares its parameters (name, shape, decay, initialiser) and its per-batch buffers
//     (geometry struct, caches, masks) by name and size,
//   - runs forward and backward by calling one or two kernels with byte offsets.
//
// The model owns the memory plan: it collects every layer's ParamSpecs and BufferSpecs into
// one table, lays them out in the shared wasm memory once, and hands each layer its offsets
// (ParamView for parameters, LayerRun for one shard of one batch plan). Layers never allocate.
//
// forward and backward get the kernel table as an argument and only call kernels with the
// offsets in their LayerRun: the executor records those calls once per plan into a tape that
// any thread can replay (src/pool/tape.ts). So they must not read or write wasm memory from JS
// and must not branch on its contents; what must happen once per whole batch on the calling
// thread (drawing a dropout mask) goes in prepare().
//
// Gradient convention (STYLE.md §5): backward OVERWRITES dx and ACCUMULATES into parameter
// gradients. dx = 0 means "absent" (the first layer): skip the input-gradient kernel.
// backward may overwrite dy (fused activations apply their derivative to dy in place):
// the incoming gradient is owned by this layer's backward and nobody reads it afterwards.

import type { Geom2d, Kernels } from '../runtime/abi.js';
import { shown } from '../util/format.js';

/** Per-sample shape: [H, W, C] for images, [N] for vectors. */
export type Shape = readonly number[];

/** How a parameter tensor is initialised (drawn from the model's seeded wasm RNG). */
export type InitSpec =
  | { dist: 'uniform'; lo: number; hi: number }
  | { dist: 'normal'; std: number; truncated: boolean }
  | { dist: 'constant'; value: number };

export interface ParamSpec {
  /** Short name inside the layer: 'kernel', 'bias'. */
  name: string;
  shape: number[];
  /** True for weights that take weight decay (kernels), false for biases. */
  decay: boolean;
  init: InitSpec;
  /**
   * False for a tensor the optimizer never touches (e.g. a running mean): it is planned outside
   * the optimizer's flat range, has no gradient, and is saved and loaded with the weights.
   * Default true.
   */
  trainable?: boolean;
}

/** A parameter after planning: where its value and gradient live. */
export interface ParamView {
  /** Full name: `<layer name>/<param name>`. */
  name: string;
  shape: number[];
  /** Element count. */
  size: number;
  decay: boolean;
  init: InitSpec;
  trainable: boolean;
  /** Byte offsets of the value and of its gradient (0 for a non-trainable tensor). */
  value: number;
  grad: number;
}

export interface BufferSpec {
  /** Key the layer reads back from `LayerRun.bufs`. */
  name: string;
  /** Bytes for the B samples asked for. */
  bytes: number;
  /**
   * 'rows': per-sample memory kept from forward to backward (a cache, a mask): `bytes` must be
   * B times the bytes of one sample, and each shard gets its samples' part.
   * 'scratch': working memory of one kernel call, not kept between calls: each shard gets its
   * own, shared with the other layers' scratch of that shard.
   * 'shards': one slot per shard, kept across the step and owned by this layer (the partial
   * statistics a batch-wide reduction combines): `bytes` per slot, the same for every B; the
   * slots are shardSlotStride(bytes) apart, shard s's run gets slot s, the whole-batch run slot 0.
   * 'batch': one region for the whole batch, the same for every B, at the same offset in every
   * shard's run (what a reduction writes and every shard then reads, e.g. the batch mean).
   */
  kind: 'rows' | 'scratch' | 'shards' | 'batch';
}

/** Bytes between consecutive shards' slots of a 'shards' buffer of `bytes` per slot. */
export function shardSlotStride(bytes: number): number { return Math.ceil(bytes / 16) * 16; }

/** Which half of a step a barrier is in. */
export type Pass = 'forward' | 'backward';

/** What a batch-wide reduction sees (Layer.reduce): the whole batch's run and its shards. */
export interface ReduceContext {
  /** The layer's whole-batch run ('shards' buffers at slot 0, 'batch' buffers, the model's gradients). */
  run: LayerRun;
  /** Shards in force (slots 0..shards-1 of every 'shards' buffer hold their partials). */
  shards: number;
}

/**
 * One layer's pointers in one shard of a batch plan (or, for prepare(), in the whole batch).
 * Created at plan time and reused for every step.
 */
export interface LayerRun {
  /** Samples this run covers (the shard's rows of the current batch). */
  B: number;
  /** Samples of the whole batch the shard is part of (= B for a whole-batch run). */
  batch: number;
  /** Input and output activations [B, ...]. */
  x: number;
  y: number;
  /** Gradient of the loss w.r.t. y (read, may be overwritten) and x (written; 0 = skip). */
  dy: number;
  dx: number;
  /** The layer's own buffers, by the names of its BufferSpecs. 'geom' holds its Geom2d. */
  bufs: Record<string, number>;
  /** Byte offsets of this layer's parameters, in paramSpecs() order. */
  values: number[];
  /** Where this shard accumulates their gradients (each shard has its own copy). */
  grads: number[];
}

/** What a layer may ask of the plan while declaring its buffers. */
export interface PlanContext {
  k: Kernels;
  /** Writes `g` into a scratch geometry struct and returns its offset (for *_scratch_bytes queries). */
  probe(g: Geom2d): number;
}

export type Activation = 'linear' | 'relu' | 'tanh' | 'sigmoid' | 'softmax' | 'elu' | 'leaky_relu';
export const ACTIVATIONS: readonly Activation[] = ['linear', 'relu', 'tanh', 'sigmoid', 'softmax', 'elu', 'leaky_relu'];
/**
 * Slopes of the parameterised activations when named as a layer's `activation` option: Keras's
 * activation functions, elu alpha 1 and leaky_relu negative_slope 0.2 (the LeakyReLU LAYER's
 * default is 0.3, as in Keras; use the layer for any other alpha).
 */
export const ELU_ALPHA = 1;
export const LEAKY_RELU_SLOPE = 0.2;

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function product(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export abstract class Layer {
  /** Registry key and the class name users see in summaries, e.g. 'Conv2D'. */
  abstract readonly type: string;
  /** Unique name inside the model (auto-assigned at compile when not given). */
  name: string | undefined;
  /** Position in the model, set at compile (-1 before). */
  index = -1;
  inShape: number[] = [];
  outShape: number[] = [];
  /** Parameters, in the layer's own order, filled in by the model's plan. */
  params: ParamView[] = [];
  /** Kernel table of the model's build, bound at compile, for plan-time queries only. */
  protected k!: Kernels;
  private ctx: PlanContext | undefined;

  constructor(name?: string) {
    if (name !== undefined && (typeof name !== 'string' || name.length === 0)) {
      throw new TypeError(`layer name must be a non-empty string, got ${shown(name)}`);
    }
    this.name = name;
  }

  /** "layer 2 'conv2d_2' (Conv2D)", for error messages. */
  get label(): string {
    return `layer ${this.index} '${this.name ?? '?'}' (${this.type})`;
  }

  /** Called by the model at compile. */
  bind(ctx: PlanContext): void {
    this.ctx = ctx;
    this.k = ctx.k;
  }

  /** See PlanContext.probe. */
  protected probe(g: Geom2d): number {
    if (this.ctx === undefined) throw new Error(`${this.label}: not bound to a model`);
    return this.ctx.probe(g);
  }

  /** Pure: the output shape for `inShape`; throws an error naming this layer when it does not fit. */
  abstract outputShape(inShape: Shape): number[];

  /** Parameters this layer needs for input shape `this.inShape`. */
  paramSpecs(): ParamSpec[] { return []; }

  /** Buffers (besides x, y, dx, dy) for B samples. `training` plans also run backward. */
  bufferSpecs(_B: number, _training: boolean): BufferSpec[] { return []; }

  /** Rough floating-point operations of a training step over B samples (to decide when threads pay). */
  work(B: number): number { return 2 * B * this.outSize; }

  /**
   * How this layer, as the last one, joins the loss: 'layer' (the model skips it and runs the
   * loss on its input, a Softmax), 'activation' (it runs, but leaves its softmax to the loss),
   * or undefined (it does not). Also called for the other layers, with isLast = false.
   */
  fuseWithLoss(_isLast: boolean): 'layer' | 'activation' | undefined { return undefined; }

  /** Conv/pool layers: the window geometry for batch size B (written to bufs.geom by the model). */
  geometry(_B: number): Geom2d | undefined { return undefined; }

  /** Bytes of persistent per-model state (e.g. an RNG state), planned once next to the parameters. */
  stateBytes(): number { return 0; }

  /** Called once at compile with the offset of this layer's state and a seed derived from the model seed. */
  initState(_ptr: number, _seed: number): void { /* no state */ }

  /** True when y is the same memory as x (Flatten, Reshape; Dropout at inference). */
  aliasesInput(_training: boolean): boolean { return false; }

  /** Once per step over the whole batch, on the calling thread, before the shards run. */
  prepare(_k: Kernels, _r: LayerRun, _training: boolean): void { /* nothing */ }

  /**
   * Batch-wide layers (BatchNormalization in training): how many times this layer's forward or
   * backward must stop for a reduction over the whole batch. With n > 0 the plan records stages
   * 0..n of forward (or backward) per shard and, between stage i and i + 1, runs every shard up
   * to stage i, then reduce(pass, i) once on the calling thread (combining the shards' partials
   * in shard order, so threads change no bit), then every shard on from stage i + 1.
   */
  barriers(_pass: Pass, _training: boolean): number { return 0; }

  /** Barrier `stage` of `pass`: combines the shards' partials (see barriers). Records kernel calls only. */
  reduce(_k: Kernels, _ctx: ReduceContext, _pass: Pass, _stage: number, _training: boolean): void {
    throw new Error(`${this.label}: declares barriers but no reduce()`);
  }

  /** y = f(x) for the run's samples (stage: see barriers; 0 for layers without them). */
  abstract forward(k: Kernels, r: LayerRun, training: boolean, stage?: number): void;

  /** dx = (∂y/∂x)ᵀ dy (skipped when r.dx = 0); parameter grads += (∂y/∂θ)ᵀ dy. */
  abstract backward(k: Kernels, r: LayerRun, stage?: number): void;

  /** Constructor options that rebuild this layer (JSON-safe). */
  abstract getConfig(): Record<string, unknown>;

  toJSON(): { type: string; config: Record<string, unknown> } {
    return { type: this.type, config: { ...this.getConfig(), name: this.name } };
  }

  /** Values per sample in the input and output. */
  get inSize(): number { return product(this.inShape); }
  get outSize(): number { return product(this.outShape); }

  /** Throws unless the input is 3-D [H, W, C] (conv and pooling). */
  protected needImage(inShape: Shape): readonly [number, number, number] {
    if (inShape.length !== 3) {
      throw new RangeError(`${this.label}: expects a 3-D input [height, width, channels] per sample, ` +
        `got ${formatShape(inShape)}` + (inShape.length === 1 ? '; it cannot follow a Flatten or Dense layer' : ''));
    }
    return inShape as unknown as readonly [number, number, number];
  }
}

// ---- activations shared by layers with an `activation` option ------------------------

/** Applies `act` to y in place (forward). 'linear' does nothing; 'softmax' is rows × N. */
export function activationForward(k: Kernels, act: Activation, y: number, rows: number, N: number): void {
  const n = rows * N;
  if (act === 'relu') k.relu_forward(y, y, n);
  else if (act === 'tanh') k.tanh_forward(y, y, n);
  else if (act === 'sigmoid') k.sigmoid_forward(y, y, n);
  else if (act === 'softmax') k.softmax_forward(y, y, rows, N);
  else if (act === 'elu') k.elu_forward(y, y, n, ELU_ALPHA);
  else if (act === 'leaky_relu') k.leaky_relu_forward(y, y, n, LEAKY_RELU_SLOPE);
}

/** Replaces dy by the gradient w.r.t. the pre-activation, in place, using the forward output y. */
export function activationBackward(k: Kernels, act: Activation, dy: number, y: number, rows: number, N: number): void {
  const n = rows * N;
  if (act === 'relu') k.relu_backward(dy, dy, y, n);
  else if (act === 'tanh') k.tanh_backward(dy, dy, y, n);
  else if (act === 'sigmoid') k.sigmoid_backward(dy, dy, y, n);
  else if (act === 'softmax') k.softmax_backward(dy, dy, y, rows, N);
  else if (act === 'elu') k.elu_backward(dy, dy, y, n, ELU_ALPHA);
  else if (act === 'leaky_relu') k.leaky_relu_backward(dy, dy, y, n, LEAKY_RELU_SLOPE);
}

export function checkActivation(act: unknown, where: string): Activation {
  if (typeof act === 'string' && (ACTIVATIONS as readonly string[]).includes(act)) return act as Activation;
  throw new TypeError(`${where}: activation must be one of ${ACTIVATIONS.map((a) => `'${a}'`).join(', ')}, got ${shown(act)}`);
}

export function checkPositiveInt(v: unknown, what: string, where: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new RangeError(`${where}: ${what} must be a positive integer, got ${shown(v)}`);
  }
  return v;
}

/** A number or a pair of positive integers → a pair. */
export function checkPair(v: unknown, what: string, where: string): [number, number] {
  if (typeof v === 'number') {
    checkPositiveInt(v, what, where);
    return [v, v];
  }
  if (Array.isArray(v) && v.length === 2) {
    checkPositiveInt(v[0], what, where);
    checkPositiveInt(v[1], what, where);
    return [v[0] as number, v[1] as number];
  }
  throw new RangeError(`${where}: ${what} must be a positive integer or a pair [h, w] of them, got ${shown(v)}`);
}
