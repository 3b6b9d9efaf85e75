// fit / evaluate / predict over a compiled Sequential.
//
// Data path: the dataset is copied into wasm memory ONCE per fit/evaluate call (a reusable
// slot per role), the epoch permutation is written there once per epoch, and every step
// assembles its batch with gather_rows (images) and gather_rows on the i32 labels (memory.copy,
// bit-exact) from a slice of that permutation: no per-step copying or allocation in JS.
// The model's input normalization is applied once to each staged dataset (standardize_channels,
// in place); shift augmentation replaces the image gather with gather_rows_shift, whose shifts
// are a hash of (seed, the model's epoch, sample) computed in wasm. Callbacks (callbacks.ts) run
// after each complete epoch.
// A step then is: fill(grads, 0), forward, softmax_xent (scale 1/B), argmax_rows, backward,
// optimizer update, and a B-long integer compare for the running accuracy.
//
// All planning (batch plans, data slots) happens before the first epoch, so memory never grows
// during training. Typed-array views come from model.f32()/i32(), which re-create them only if
// memory.buffer changed (e.g. a callback that planned something new).

import type { Sequential, BatchPlan } from '../model/sequential.js';
import { imageSize, type Dataset } from '../data/dataset.js';
import { checkDataset, splitValidation } from '../data/transforms.js';
import { EpochOrder } from '../data/batcher.js';
import { formatShape, product } from '../layers/layer.js';
import { precisionRecall } from './metrics.js';
import type { ThreadsOption } from '../pool/pool.js';
import { shown } from '../util/format.js';
import { checkCallbacks, type Callback, type CallbackContext } from './callbacks.js';
import { checkAugment, shiftKey, type AugmentOptions } from './augment.js';
import { writeGeom } from '../runtime/abi.js';
import type { LearningRate } from '../optimizers/optimizer.js';

/**
 * Runs `f` with the model on `threads` (when given), then puts the model's own count back:
 * when `f` returns, or, if it returns a promise (fit), when that settles.
 */
function withThreads<T>(model: Sequential, threads: ThreadsOption | undefined, f: () => T): T {
  if (threads === undefined) return f();
  const before = model.threads;
  model.setThreads(threads);
  let result: T;
  try {
    result = f();
  } catch (e) {
    model.setThreads(before);
    throw e;
  }
  if (result instanceof Promise) return result.finally(() => model.setThreads(before)) as T;
  model.setThreads(before);
  return result;
}

export interface BatchLogs {
  epoch: number;
  /** Batch index within the epoch. */
  batch: number;
  /** Samples in this batch. */
  size: number;
  /** Mean loss and accuracy of this batch (before its update). */
  loss: number;
  accuracy: number;
}

export interface EpochLogs {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss?: number;
  valAccuracy?: number;
  imagesPerSecond: number;
  seconds: number;
}

export type Stop = void | 'stop';

/**
 * Where a fit's data order stands: the seed of its shuffle stream, how many epoch orders have
 * been drawn from it, and the seed of its validation split. Kept on the model (and in model files
 * with training state) so that fit({ resume: true }) continues exactly where the last fit ended.
 */
export interface TrainStream { orderSeed: number; orderEpochs: number; splitSeed: number; samples: number; batchSize: number }

export interface FitOptions {
  /** Default 1. */
  epochs?: number;
  /** Default 32; 1 = per-sample SGD. The last batch of an epoch may be smaller. */
  batchSize?: number;
  /**
   * A learning rate or schedule for this and later fits (replaces the optimizer's; the schedule
   * starts at its step 0 with this fit's first batch). Optimizer state is kept. A cosine or
   * onecycle schedule without totalSteps (here or set at compile) gets
   * (its epochs ?? this fit's epochs) × batches per epoch, once; then it is kept (and saved).
   */
  lr?: LearningRate;
  /**
   * Seed of the validationSplit (default: the model's compile seed, so every fit call on the same
   * data holds out the same samples) and of the shuffle order (default: the compile seed mixed with
   * the epochs trained so far, so repeated fit calls see new orders).
   */
  seed?: number;
  /** Reshuffle every epoch (default true). */
  shuffle?: boolean;
  /**
   * Continue the last fit (or the training state loaded with the model): the same shuffle stream,
   * from the epoch after the last one drawn, and the same validation-split seed, so fit(1 epoch)
   * then fit(1 epoch, resume) gives the bits of fit(2 epochs) (optimizer state, schedule step and
   * dropout RNG carry on in any case). Give the same data and batchSize; `seed`, if given, must
   * be the stream's. An epoch interrupted part-way is not replayed: resuming starts the next one.
   */
  resume?: boolean;
  validationData?: Dataset;
  /** Fraction of `train` held out for validation (stratified per class, seeded); not with validationData. */
  validationSplit?: number;
  /** Batch size for validation (default 256). */
  evalBatchSize?: number;
  /** After every batch. The logs object is reused between calls: copy what you keep. Return 'stop' to end training. */
  onBatchEnd?: (batch: number, logs: BatchLogs) => Stop;
  /** After every epoch (may be async). Return 'stop' to end training. */
  onEpochEnd?: (epoch: number, logs: EpochLogs) => Stop | Promise<Stop>;
  /** Progress lines, one per epoch (e.g. console.log). */
  log?: (line: string) => void;
  /** Threads for this call: a count or 'auto'; default: the model's (see compile). No result depends on it. */
  threads?: ThreadsOption;
  /**
   * Give the event loop a turn at least every this many milliseconds of training (default 50;
   * 0: only between epochs), so a page stays responsive and signals and timers run mid-epoch.
   */
  yieldEvery?: number;
  /**
   * Ends training cleanly when aborted: checked after every batch and after every yield to the
   * event loop, so an abort from a timer or a signal handler stops before the next batch starts.
   * fit then resolves with the history so far (the partial epoch included, as with 'stop').
   */
  signal?: AbortSignal;
  /**
   * 'standardize': when the model has no input normalization yet, fit per-channel mean and std
   * to the training data (after validationSplit has taken out the validation part) and set them
   * (model.normalization; saved with the model, applied by evaluate and predict). A model that
   * already has one keeps it (a second fit call, a loaded model).
   */
  normalize?: 'standardize';
  /** Augmentation of the training batches (never of validation): { shift: 2 } moves each image by up to ±2 px. */
  augment?: AugmentOptions;
  /** EarlyStopping, ModelCheckpoint, ReduceLROnPlateau or your own (src/train/callbacks.ts). */
  callbacks?: Callback[];
}

/** Resolvers waiting for the browser's yield message (see yieldToEventLoop). */
const yielded: (() => void)[] = [];
let yieldChannel: MessageChannel | undefined;

/**
 * Lets the event loop run (timers, I/O, signal handlers, a page's input and rendering, a worker's
 * messages) and comes back. Node: setImmediate. Browser: a message to ourselves, which queues a
 * task like setTimeout(0) does but without the 4 ms clamp browsers put on nested timeouts (fit
 * yields from inside its own continuations, so setTimeout would cost 4 ms per yield).
 */
function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => void };
  if (g.setImmediate) return new Promise((resolve) => g.setImmediate!(resolve));
  if (typeof MessageChannel === 'undefined') return new Promise((resolve) => setTimeout(resolve, 0));
  if (yieldChannel === undefined) {
    yieldChannel = new MessageChannel();
    yieldChannel.port1.onmessage = () => yielded.shift()?.();
  }
  const port = yieldChannel.port2;
  return new Promise((resolve) => { yielded.push(resolve); port.postMessage(0); });
}

export interface History {
  epoch: number[];
  loss: number[];
  accuracy: number[];
  valLoss: number[];
  valAccuracy: number[];
  imagesPerSecond: number[];
}

export interface EvaluateOptions {
  batchSize?: number;
  /** Threads for this call (default: the model's). */
  threads?: ThreadsOption;
}

export interface Evaluation {
  loss: number;
  accuracy: number;
  count: number;
  numClasses: number;
  /** confusion[t·numClasses + p] = samples of true class t predicted as p. */
  confusion: Int32Array;
  /** Per class: TP / (TP + FP) and TP / (TP + FN); 0 when the denominator is 0. */
  precision: number[];
  recall: number[];
}

export interface PredictOptions {
  batchSize?: number;
  /** Threads for this call (default: the model's). */
  threads?: ThreadsOption;
}

export interface Prediction {
  /** [count, numClasses] softmax probabilities. */
  probabilities: Float32Array;
  /** [count] argmax class. */
  classes: Int32Array;
}

/**
 * Thrown by fit when training stops making numbers: a batch loss or a parameter that is NaN or
 * infinite. Carries where it happened and the history up to the last finite epoch.
 */
export class DivergenceError extends Error {
  constructor(message: string, readonly epoch: number, readonly batch: number, readonly history: History) {
    super(message);
    this.name = 'DivergenceError';
  }
}

/** Index of the first NaN or infinity in a[from, to), or -1. */
function firstNonFinite(a: Float32Array, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    const v = a[i]!;
    if (v - v !== 0) return i; // v - v is 0 exactly for finite v
  }
  return -1;
}

/** Throws unless every value of `images` is finite, naming the first sample and value that is not. */
function checkFinite(images: Float32Array, inSize: number, where: string, name: string): void {
  const i = firstNonFinite(images, 0, images.length);
  if (i >= 0) {
    const v = images[i]!;
    throw new RangeError(`${where}: sample ${Math.floor(i / inSize)} of '${name}' has a ${Number.isNaN(v) ? 'NaN' : String(v)} ` +
      `at value ${i % inSize} of ${inSize}; inputs must be finite numbers`);
  }
}

/** The first parameter tensor with a non-finite value, as "name[index] = value", or undefined. */
function nonFiniteParam(model: Sequential): string | undefined {
  const f32 = model.f32();
  for (const v of model.paramViews()) {
    const base = v.value >> 2;
    const i = firstNonFinite(f32, base, base + v.size);
    if (i >= 0) return `${v.name}[${i - base}] = ${f32[i]}`;
  }
  return undefined;
}

function checkPositiveInt(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new RangeError(`${what} must be a positive integer, got ${shown(v)}`);
  return v;
}

/**
 * Throws unless `d` is a consistent, non-empty Dataset whose images fit the model's input: the
 * same [H, W, C] for an image input, the same number of values per sample for a flat one.
 */
function checkImagesFit(model: Sequential, d: Dataset, where: string): void {
  checkDataset(d, where);
  const want = model.inputShape;
  const got = [d.height, d.width, d.channels];
  const ok = want.length === 3 ? want.every((v, i) => v === got[i]) : product(want) === imageSize(d);
  if (!ok) {
    throw new RangeError(`${where}: dataset '${d.name}' has images ${formatShape(got)} but model '${model.name}' expects input ` +
      `${formatShape(want)}${want.length === 1 ? ` (${want[0]} values per sample)` : ''}`);
  }
  if (d.count === 0) throw new RangeError(`${where}: dataset '${d.name}' is empty`);
  checkFinite(d.images, imageSize(d), where, d.name);
}

/** Throws unless `d` is a consistent Dataset whose images fit the model and whose labels are class indices it outputs. */
export function checkDataFits(model: Sequential, d: Dataset, where: string): void {
  checkImagesFit(model, d, where);
  const N = model.numClasses;
  for (let i = 0; i < d.count; i++) {
    const y = d.labels[i]!;
    if (y >= N) {
      throw new RangeError(`${where}: label ${y} of sample ${i} in '${d.name}' is outside [0, ${N}): model '${model.name}' outputs ${N} class scores`);
    }
  }
}

/** Copies images and labels into the model's slots for `role`, plus an identity index 0..n-1. */
function stage(model: Sequential, role: string, images: Float32Array, labels: Int32Array | undefined, n: number): { images: number; labels: number; index: number } {
  const pImages = model.slot(`${role} images`, images.length * 4);
  const pLabels = labels ? model.slot(`${role} labels`, n * 4) : 0;
  const pIndex = model.slot(`${role} index`, n * 4);
  const f32 = model.f32();
  const i32 = model.i32();
  f32.set(images, pImages >> 2);
  model.input.apply(pImages, images.length); // the model's normalization, in place (none: nothing)
  if (labels) i32.set(labels, pLabels >> 2);
  const base = pIndex >> 2;
  for (let i = 0; i < n; i++) i32[base + i] = i;
  return { images: pImages, labels: pLabels, index: pIndex };
}

interface Staged { images: number; labels: number; index: number; count: number }

/**
 * Loss sum, correct count and (optionally) the confusion matrix of staged labelled data, in
 * batches of `B` ≤ plan.B rows (the plan may be a larger one reused, see Sequential.planAtLeast).
 */
function runEval(model: Sequential, plan: BatchPlan, B: number, s: Staged, confusion?: Int32Array): { lossSum: number; correct: number } {
  const k = model.k;
  const inSize = product(model.inputShape);
  const N = model.numClasses;
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < s.count; start += B) {
    const b = Math.min(B, s.count - start);
    model.setBatch(plan, b);
    const idx = s.index + 4 * start;
    k.gather_rows(plan.x0, s.images, idx, b, inSize);
    k.gather_rows(plan.labels, s.labels, idx, b, 1);
    lossSum += model.inferStep(plan, true);
    const i32 = model.i32();
    const pl = plan.labels >> 2;
    const pp = plan.pred >> 2;
    for (let r = 0; r < b; r++) {
      const t = i32[pl + r]!;
      const p = i32[pp + r]!;
      if (t === p) correct++;
      if (confusion) confusion[t * N + p]!++;
    }
  }
  return { lossSum, correct };
}

export function evaluate(model: Sequential, data: Dataset, options: EvaluateOptions = {}): Evaluation {
  return withThreads(model, options?.threads, () => evaluateOn(model, data, options));
}

/** Throws when the model's weights hold a NaN or an infinity (a diverged model predicts nothing). */
function checkWeightsFinite(model: Sequential, where: string): void {
  const bad = nonFiniteParam(model);
  if (bad !== undefined) {
    throw new RangeError(`${where}: model '${model.name}' has a non-finite weight (${bad}); it cannot make predictions. ` +
      'Train it again with a lower learning rate');
  }
}

function evaluateOn(model: Sequential, data: Dataset, options: EvaluateOptions): Evaluation {
  checkWeightsFinite(model, 'evaluate');
  checkDataFits(model, data, 'evaluate');
  const B = Math.min(checkPositiveInt(options.batchSize ?? 256, 'evaluate: batchSize'), data.count);
  const plan = model.planAtLeast(B, 'infer');
  const st = { ...stage(model, 'eval', data.images, data.labels, data.count), count: data.count };
  const N = model.numClasses;
  const confusion = new Int32Array(N * N);
  const { lossSum, correct } = runEval(model, plan, B, st, confusion);
  const { precision, recall } = precisionRecall(confusion, N);
  return { loss: lossSum / data.count, accuracy: correct / data.count, count: data.count, numClasses: N, confusion, precision, recall };
}

export function predict(model: Sequential, input: Float32Array | Dataset, options: PredictOptions = {}): Prediction {
  return withThreads(model, options?.threads, () => predictOn(model, input, options));
}

function predictOn(model: Sequential, input: Float32Array | Dataset, options: PredictOptions): Prediction {
  checkWeightsFinite(model, 'predict');
  const inSize = product(model.inputShape);
  let images: Float32Array;
  if (input instanceof Float32Array) {
    if (input.length === 0 || input.length % inSize !== 0) {
      throw new RangeError(`predict: got ${input.length} floats, which is not a whole number of samples of ` +
        `${formatShape(model.inputShape)} (${inSize} floats each)`);
    }
    images = input;
    checkFinite(images, inSize, 'predict', 'input');
  } else {
    checkImagesFit(model, input, 'predict'); // labels are not needed (nor checked) to predict
    images = input.images;
  }
  const n = images.length / inSize;
  const B = Math.min(checkPositiveInt(options.batchSize ?? 256, 'predict: batchSize'), n);
  const plan = model.planAtLeast(B, 'infer');
  const s = stage(model, 'predict', images, undefined, n);
  const N = model.numClasses;
  const probabilities = new Float32Array(n * N);
  const classes = new Int32Array(n);
  const k = model.k;
  for (let start = 0; start < n; start += B) {
    const b = Math.min(B, n - start);
    model.setBatch(plan, b);
    k.gather_rows(plan.x0, s.images, s.index + 4 * start, b, inSize);
    model.inferStep(plan, false);
    const f32 = model.f32();
    const i32 = model.i32();
    const pp = plan.probs >> 2;
    for (let j = 0; j < b * N; j++) probabilities[start * N + j] = f32[pp + j]!;
    for (let r = 0; r < b; r++) classes[start + r] = i32[(plan.pred >> 2) + r]!;
  }
  return { probabilities, classes };
}

function describeLr(model: Sequential): string {
  const o = model.optimizer;
  const lr = o.lr;
  return typeof lr === 'number' && o.lrScale === 1 ? `now ${lr}` : `${typeof lr === 'number' ? 'constant' : lr.type} schedule, peak ${o.peakLr}, ` +
    `lrScale ${o.lrScale}, next step ${o.nextLr}`;
}

/** What to try after a divergence: with clipping on, "clip the gradients" would mislead. */
function remedies(model: Sequential): string {
  const clip = model.optimizer.clipNorm;
  return clip === undefined ? `lower the learning rate (${describeLr(model)}), clip the gradients, or check the data`
    : `lower the learning rate (${describeLr(model)}) or clipNorm (now ${clip}; the last gradient norm was ${model.optimizer.lastGradNorm}), or check the data`;
}

export async function fit(model: Sequential, trainIn: Dataset, options: FitOptions = {}): Promise<History> {
  if (options === null || typeof options !== 'object') throw new TypeError('fit: options must be an object');
  return withThreads(model, options.threads, () => fitOn(model, trainIn, options));
}

async function fitOn(model: Sequential, trainIn: Dataset, options: FitOptions): Promise<History> {
  const epochs = checkPositiveInt(options.epochs ?? 1, 'fit: epochs');
  const batchSize = checkPositiveInt(options.batchSize ?? 32, 'fit: batchSize');
  const evalBatch = checkPositiveInt(options.evalBatchSize ?? 256, 'fit: evalBatchSize');
  const yieldEvery = options.yieldEvery ?? 50;
  if (typeof yieldEvery !== 'number' || !(yieldEvery >= 0) || !Number.isFinite(yieldEvery)) {
    throw new RangeError(`fit: yieldEvery must be a number of milliseconds ≥ 0, got ${shown(options.yieldEvery)}`);
  }
  // Default shuffle seed: the model seed mixed with the epochs already trained, so fit(epochs: 1)
  // called in a loop still sees a new order every time (and stays reproducible).
  // The validation split must NOT vary between calls (a new split would move already-trained
  // samples into validation), so it uses the unmixed seed.
  if (options.seed !== undefined && !Number.isInteger(options.seed)) throw new RangeError(`fit: seed must be an integer, got ${shown(options.seed)}`);
  let seed = options.seed ?? (model.seed ^ Math.imul(model.epochsTrained + 1, 0x9e3779b9)) >>> 0;
  let splitSeed = options.seed ?? model.seed;
  let skipEpochs = 0;
  const resume = options.resume ?? false;
  if (typeof resume !== 'boolean') throw new TypeError(`fit: resume must be true or false, got ${shown(options.resume)}`);
  if (resume) {
    const st = model.trainStream;
    if (st === undefined) {
      throw new Error(`fit: resume needs a model that has been trained by fit or loaded with its training state; model '${model.name}' has neither`);
    }
    if (options.seed !== undefined && options.seed >>> 0 !== st.orderSeed) {
      throw new RangeError(`fit: resume continues the shuffle stream of seed ${st.orderSeed}; got seed ${options.seed} (omit it or give the same)`);
    }
    seed = st.orderSeed;
    splitSeed = st.splitSeed;
    skipEpochs = st.orderEpochs;
  }
  const lrOption = options.lr === undefined ? undefined : model.optimizer.checkedLr(options.lr, 'fit: lr');
  if (options.validationData !== undefined && options.validationSplit !== undefined) {
    throw new Error('fit: give validationData or validationSplit, not both');
  }
  let train = trainIn;
  let val = options.validationData;
  if (options.validationSplit !== undefined) {
    const f = options.validationSplit;
    if (typeof f !== 'number' || !(f > 0 && f < 1)) throw new RangeError(`fit: validationSplit must be in (0, 1), got ${shown(f)}`);
    checkDataFits(model, trainIn, 'fit (train)');
    const parts = splitValidation(trainIn, f, splitSeed);
    train = parts.train;
    val = parts.validation;
  }
  checkDataFits(model, train, 'fit (train)');
  if (val !== undefined) checkDataFits(model, val, 'fit (validation)');
  if (options.normalize !== undefined && options.normalize !== 'standardize') {
    throw new RangeError(`fit: normalize must be 'standardize' (or absent), got ${shown(options.normalize)}`);
  }
  const shift = checkAugment(options.augment, model.inputShape, 'fit');
  const callbacks = checkCallbacks(options.callbacks);
  if (resume) {
    const was = model.trainStream!;
    if (was.samples !== train.count || was.batchSize !== batchSize) {
      throw new RangeError(`fit: resume continues a run of ${was.samples} training samples in batches of ${was.batchSize}; ` +
        `this call has ${train.count} samples in batches of ${batchSize} (give the same data, validation split and batchSize)`);
    }
  }

  // The learning rate or schedule for this fit, and a schedule's total steps (the last check).
  model.optimizer.prepareFit(lrOption, Math.ceil(train.count / Math.min(batchSize, train.count)), epochs);
  // Statistics of the training part only: the validation images stay unseen.
  if (options.normalize === 'standardize' && model.input.normalization === undefined) model.input.adapt(train.images, 'fit');

  // ---- plan everything before the first step ----------------------------------------------
  const k = model.k;
  const n = train.count;
  const inSize = product(model.inputShape);
  const N = model.numClasses;
  const plan = model.plan(Math.min(batchSize, n), 'train');
  const B = plan.B;
  const st = stage(model, 'train', train.images, train.labels, n);
  const valB = val ? Math.min(evalBatch, val.count) : 0;
  const valPlan = val ? model.planAtLeast(valB, 'infer') : undefined;
  const valStaged = val ? { ...stage(model, 'val', val.images, val.labels, val.count), count: val.count } : undefined;
  const order = new EpochOrder(n, seed, { shuffle: options.shuffle ?? true });
  for (let e = 0; e < skipEpochs; e++) order.next(); // a resumed stream: the orders already drawn
  const stream: TrainStream = { orderSeed: seed >>> 0, orderEpochs: skipEpochs, splitSeed: splitSeed >>> 0, samples: n, batchSize };
  const steps = Math.ceil(n / B);
  // Shift augmentation: image geometry for the kernel, and what a blank pixel is after normalization.
  const shiftGeom = shift > 0 ? model.slot('augment geometry', 64) : 0;
  if (shift > 0) {
    const [H, W, C] = model.inputShape as [number, number, number];
    writeGeom(model.runtime.arena.memory, shiftGeom, { B: 0, H, W, C, OH: 0, OW: 0, OC: 0, KH: 0, KW: 0, SH: 0, SW: 0, PT: 0, PL: 0 });
  }
  const shiftFill = shift > 0 ? model.input.fillPtr() : 0;
  const shiftSeed = seed; // the shuffle seed: restored by a resume, like the epoch count
  const ctx: CallbackContext = { model, epochs, hasValidation: val !== undefined, resume };
  for (const c of callbacks) await c.onTrainBegin?.(ctx);
  model.trainStream = stream; // only now: a fit a callback refused must not replace the stream a resume continues
  if (!resume) model.callbackState = {}; // a new run: no plateau counts carry over (callbacks began from scratch)

  const history: History = { epoch: [], loss: [], accuracy: [], valLoss: [], valAccuracy: [], imagesPerSecond: [] };
  const logs: BatchLogs = { epoch: 0, batch: 0, size: 0, loss: 0, accuracy: 0 };
  const onBatchEnd = options.onBatchEnd;
  const abort = options.signal;
  let stop = abort?.aborted === true;
  let lastLoss: number | undefined;
  const firstEpoch = 0; // epochs are numbered from 0 in each fit call
  for (let e = 0; e < epochs && !stop; e++) {
    model.i32().set(order.next(), st.index >> 2);
    // Keyed by the model's epoch count, so a resumed run shifts its epochs as a straight one would.
    const key = shiftKey(shiftSeed, model.epochsTrained);
    stream.orderEpochs++;
    const t0 = performance.now();
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    let lastYield = t0;
    for (let s = 0; s < steps; s++) {
      if (yieldEvery > 0 && performance.now() - lastYield >= yieldEvery) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
      if (abort?.aborted) { stop = true; break; }
      const start = s * B;
      const b = Math.min(B, n - start);
      model.setBatch(plan, b);
      const idx = st.index + 4 * start;
      if (shift > 0) k.gather_rows_shift(plan.x0, st.images, idx, b, shiftGeom, shiftFill, key, shift);
      else k.gather_rows(plan.x0, st.images, idx, b, inSize);
      k.gather_rows(plan.labels, st.labels, idx, b, 1);
      const sum = model.trainStep(plan);
      if (sum - sum !== 0) {
        throw new DivergenceError(`fit: training diverged at epoch ${e + 1}, batch ${s + 1} of ${steps}: the batch loss is ${sum}` +
          `${lastLoss === undefined ? '' : ` (the last finite batch loss was ${lastLoss.toPrecision(5)})`}; ` +
          remedies(model), e, s, history);
      }
      lastLoss = sum / b;
      const i32 = model.i32();
      const pl = plan.labels >> 2;
      const pp = plan.pred >> 2;
      let c = 0;
      for (let r = 0; r < b; r++) if (i32[pl + r] === i32[pp + r]) c++;
      lossSum += sum;
      correct += c;
      seen += b;
      if (onBatchEnd !== undefined) {
        logs.epoch = firstEpoch + e;
        logs.batch = s;
        logs.size = b;
        logs.loss = sum / b;
        logs.accuracy = c / b;
        if (onBatchEnd(s, logs) === 'stop') { stop = true; break; }
      }
      if (abort?.aborted) { stop = true; break; }
    }
    const seconds = (performance.now() - t0) / 1000;
    const epochLogs: EpochLogs = {
      epoch: firstEpoch + e, loss: lossSum / seen, accuracy: correct / seen,
      imagesPerSecond: seconds > 0 ? seen / seconds : Infinity, seconds,
    };
    if (valPlan && valStaged) {
      const r = runEval(model, valPlan, valB, valStaged);
      epochLogs.valLoss = r.lossSum / valStaged.count;
      epochLogs.valAccuracy = r.correct / valStaged.count;
    }
    const bad = nonFiniteParam(model);
    if (bad !== undefined) {
      throw new DivergenceError(`fit: training diverged in epoch ${e + 1}: parameter ${bad}` +
        `${lastLoss === undefined ? '' : ` (the last batch loss was ${lastLoss.toPrecision(5)})`}; ` +
        remedies(model), e, steps - 1, history);
    }
    model.epochsTrained++;
    history.epoch.push(epochLogs.epoch);
    history.loss.push(epochLogs.loss);
    history.accuracy.push(epochLogs.accuracy);
    history.imagesPerSecond.push(epochLogs.imagesPerSecond);
    if (epochLogs.valLoss !== undefined) {
      history.valLoss.push(epochLogs.valLoss);
      history.valAccuracy.push(epochLogs.valAccuracy!);
    }
    options.log?.(`epoch ${epochLogs.epoch + 1}/${epochs}: loss ${epochLogs.loss.toFixed(4)} acc ${epochLogs.accuracy.toFixed(4)}` +
      (epochLogs.valLoss !== undefined ? ` val_loss ${epochLogs.valLoss.toFixed(4)} val_acc ${epochLogs.valAccuracy!.toFixed(4)}` : '') +
      ` (${seconds.toFixed(2)} s, ${Math.round(epochLogs.imagesPerSecond)} images/s)`);
    if (options.onEpochEnd && (await options.onEpochEnd(epochLogs.epoch, epochLogs)) === 'stop') stop = true;
    if (seen === n) { // a complete epoch (see callbacks.ts)
      for (const c of callbacks) if ((await c.onEpochEnd?.(epochLogs.epoch, epochLogs, ctx)) === 'stop') stop = true;
    }
  }
  for (const c of callbacks) await c.onTrainEnd?.(history, ctx);
  return history;
}
