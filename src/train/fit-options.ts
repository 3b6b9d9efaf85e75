// What fit takes (FitOptions) and how it is checked (checkFitOptions), and what it reports
// (BatchLogs, EpochLogs, History).

import type { Sequential } from '../model/sequential.js';
import type { Dataset } from '../data/dataset.js';
import { splitValidation } from '../data/transforms.js';
import type { ThreadsOption } from '../pool/pool.js';
import { checkCallbacks, type Callback } from './callbacks.js';
import { checkAugment, type AugmentOptions } from './augment.js';
import type { LearningRate } from '../optimizers/optimizer.js';
import { shown } from '../util/format.js';
import { checkDataFits } from './checks.js';
import { checkPositiveInt } from '../layers/layer.js';

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

export interface History {
  epoch: number[];
  loss: number[];
  accuracy: number[];
  valLoss: number[];
  valAccuracy: number[];
  imagesPerSecond: number[];
}

/** FitOptions checked, with the defaults filled in (checkFitOptions). */
export interface CheckedFit {
  epochs: number;
  batchSize: number;
  evalBatch: number;
  yieldEvery: number;
  /** Seed of the shuffle stream, and of the validation split. */
  seed: number;
  splitSeed: number;
  /** Epoch orders of the stream already drawn (a resume's). */
  skipEpochs: number;
  lrOption: LearningRate | undefined;
  /** The data to train on and to validate with (after validationSplit). */
  train: Dataset;
  val: Dataset | undefined;
  /** Shift augmentation in pixels (0: none). */
  shift: number;
  callbacks: Callback[];
  /** fit({ resume: true }): continue the saved stream and the callbacks' counts. */
  resume: boolean;
}

/**
 * Checks every fit option and the data against the model, in the order fit always has (so the same
 * bad call gets the same error), and resolves the defaults: seeds (a resume's from its stream),
 * the training and validation parts. Nothing is planned or changed on the model.
 */
export function checkFitOptions(model: Sequential, trainIn: Dataset, options: FitOptions): CheckedFit {
  const epochs = checkPositiveInt(options.epochs ?? 1, 'epochs', 'fit');
  const batchSize = checkPositiveInt(options.batchSize ?? 32, 'batchSize', 'fit');
  const evalBatch = checkPositiveInt(options.evalBatchSize ?? 256, 'evalBatchSize', 'fit');
  const yieldEvery = options.yieldEvery ?? 50;
  if (typeof yieldEvery !== 'number' || !(yieldEvery >= 0) || !Number.isFinite(yieldEvery)) {
    throw new RangeError(`fit: yieldEvery must be a number of milliseconds ≥ 0, got ${shown(options.yieldEvery)}`);
  }
  // Default shuffle seed: the model seed mixed with the epochs already trained, so fit(epochs: 1)
  // called in a loop still sees a new order every time (and stays reproducible).
  // The validation split must NOT vary between calls (a new split would move already-trained
  // samples into validation), so it uses the unmixed seed.
  checkSeed(options.seed);
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
    const f = checkValidationSplit(model, trainIn, options.validationSplit);
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
  return { epochs, batchSize, evalBatch, yieldEvery, seed, splitSeed, skipEpochs, lrOption, train, val, shift, callbacks, resume };
}

/** Throws unless the seed option is absent or an integer. */
export function checkSeed(seed: unknown): void {
  if (seed !== undefined && !Number.isInteger(seed)) throw new RangeError(`fit: seed must be an integer, got ${shown(seed)}`);
}

/**
 * The validationSplit option as a fraction in (0, 1), after checking that `train` fits the model
 * (splitValidation needs valid labels). The browser worker splits before fit with the same checks.
 */
export function checkValidationSplit(model: Sequential, train: Dataset, f: unknown): number {
  if (typeof f !== 'number' || !(f > 0 && f < 1)) throw new RangeError(`fit: validationSplit must be in (0, 1), got ${shown(f)}`);
  checkDataFits(model, train, 'fit (train)');
  return f;
}
