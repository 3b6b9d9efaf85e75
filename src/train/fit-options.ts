// What fit takes (FitOptions) and what it reports (BatchLogs, EpochLogs, History).

import type { Dataset } from '../data/dataset.js';
import type { ThreadsOption } from '../pool/pool.js';
import type { Callback } from './callbacks.js';
import type { AugmentOptions } from './augment.js';
import type { LearningRate } from '../optimizers/optimizer.js';

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
