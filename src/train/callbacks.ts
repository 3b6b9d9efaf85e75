// Training callbacks: objects in FitOptions.callbacks that fit calls at the start of training,
// after every complete epoch and at the end. Browser-safe: a checkpoint is written by a save
// function the caller passes (Node: checkpointWriter in src/io/model-node.ts).
//
//   EarlyStopping      stops when the monitored loss has not improved for `patience` epochs;
//                      restoreBestWeights puts back the weights of the best epoch at the end
//   ModelCheckpoint    calls save(model, info) every `every` epochs
//   ReduceLROnPlateau  multiplies the optimizer's lrScale by `factor` when the loss plateaus
//
// Semantics follow Keras: an epoch improves when its value < best − minDelta; `wait` counts the
// epochs since the last improvement, and reaching `patience` acts (stop, or reduce and restart
// the count). best and wait are kept on the model (model.callbackState, saved with the training
// state), so a resumed fit counts on where the run stopped. Epoch numbers are fit's (0-based
// within the call). A partial epoch (stopped by
// onBatchEnd or an abort) is not reported to callbacks: its loss covers part of the data only.

import type { Sequential } from '../model/sequential.js';
import type { EpochLogs, History, Stop } from './fit-options.js';
import { shown } from '../util/format.js';

export interface CallbackContext {
  model: Sequential;
  /** Epochs this fit call runs at most. */
  epochs: number;
  /** True when the epoch logs carry valLoss and valAccuracy. */
  hasValidation: boolean;
  /** True for fit({ resume: true }): plateau counters continue from model.callbackState. */
  resume?: boolean;
}

/** A plateau count as saved with the training state (best: null for ∞, which JSON cannot hold). */
export interface PlateauState { best: number | null; wait: number }

export interface Callback {
  /** Before the first step (after the data is staged). */
  onTrainBegin?(ctx: CallbackContext): void | Promise<void>;
  /** After each complete epoch, its validation included. Return 'stop' to end training. */
  onEpochEnd?(epoch: number, logs: EpochLogs, ctx: CallbackContext): Stop | Promise<Stop>;
  /** When fit returns normally (all epochs, a 'stop' or an abort; not when it throws). */
  onTrainEnd?(history: History, ctx: CallbackContext): void | Promise<void>;
}

export type Monitor = 'valLoss' | 'loss';

function checkMonitor(m: unknown, where: string): Monitor {
  if (m !== 'valLoss' && m !== 'loss') throw new RangeError(`${where}: monitor must be 'valLoss' or 'loss', got ${shown(m)}`);
  return m;
}

function checkCount(v: unknown, what: string, where: string, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new RangeError(`${where}: ${what} must be an integer ≥ ${min}, got ${shown(v)}`);
  return v;
}

function checkNonNegative(v: unknown, what: string, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RangeError(`${where}: ${what} must be a finite number ≥ 0, got ${shown(v)}`);
  return v;
}

function requireMonitor(monitor: Monitor, ctx: CallbackContext, where: string): void {
  if (monitor === 'valLoss' && !ctx.hasValidation) {
    throw new Error(`${where}: monitors valLoss but fit has no validation data; pass validationSplit or validationData, or monitor 'loss'`);
  }
}

/** Counts epochs without improvement of a monitored value (Keras's best/wait bookkeeping). */
class Plateau {
  best = Infinity;
  wait = 0;
  constructor(readonly minDelta: number) {}
  reset(): void { this.best = Infinity; this.wait = 0; }
  /** reset(), or on a resumed fit the count the model carries for `key` (saved by the last fit, or loaded). */
  begin(ctx: CallbackContext, key: string): void {
    const st = ctx.resume ? ctx.model?.callbackState?.[key] : undefined;
    this.best = st?.best ?? Infinity;
    this.wait = st?.wait ?? 0;
  }
  /** Writes the count where the model keeps it (and a file with training state saves it). */
  record(ctx: CallbackContext, key: string): void {
    const kept = ctx.model?.callbackState; // absent when a callback is driven without a model (tests)
    if (kept !== undefined) kept[key] = { best: Number.isFinite(this.best) ? this.best : null, wait: this.wait };
  }
  /** Records `v`; true when it improves on the best by more than minDelta (NaN never does). */
  improves(v: number): boolean {
    if (v < this.best - this.minDelta) {
      this.best = v;
      this.wait = 0;
      return true;
    }
    this.wait++;
    return false;
  }
}

/** Copies every parameter tensor (trainable and non-trainable) into `out` (allocated by the caller). */
function copyWeights(model: Sequential, out: Float32Array, toModel: boolean): void {
  const f32 = model.f32();
  let at = 0;
  for (const v of model.paramViews()) {
    const base = v.value >> 2;
    if (toModel) f32.set(out.subarray(at, at + v.size), base);
    else out.set(f32.subarray(base, base + v.size), at);
    at += v.size;
  }
}

export interface EarlyStoppingOptions {
  /** Default 'valLoss'. */
  monitor?: Monitor;
  /** Epochs without improvement before stopping (default 0: stop at the first that does not improve). */
  patience?: number;
  /** An epoch improves when its value is below best − minDelta (default 0). */
  minDelta?: number;
  /**
   * At the end of training, put back the weights (every tensor, running statistics included) of
   * the best epoch, when a later epoch ended worse (default false). Optimizer state is not restored.
   * A resumed fit continues the run's best and wait, but can restore only weights it saw: when
   * the best epoch is in an earlier leg, the weights stay those of the last epoch.
   */
  restoreBestWeights?: boolean;
}

export class EarlyStopping implements Callback {
  readonly monitor: Monitor;
  readonly patience: number;
  readonly restoreBestWeights: boolean;
  /** The epoch with the best value so far (-1 before the first). */
  bestEpoch = -1;
  /** The epoch after which training was stopped, or -1. */
  stoppedEpoch = -1;
  private readonly plateau: Plateau;
  private lastEpoch = -1;
  private snapshot: Float32Array | undefined;

  constructor(options: EarlyStoppingOptions = {}) {
    const where = 'EarlyStopping';
    this.monitor = checkMonitor(options.monitor ?? 'valLoss', where);
    this.patience = checkCount(options.patience ?? 0, 'patience', where, 0);
    this.plateau = new Plateau(checkNonNegative(options.minDelta ?? 0, 'minDelta', where));
    this.restoreBestWeights = options.restoreBestWeights ?? false;
  }

  /** The best value seen (Infinity before the first epoch; on a resumed fit, the run's best so far). */
  get best(): number { return this.plateau.best; }
  private get key(): string { return `EarlyStopping:${this.monitor}`; }

  onTrainBegin(ctx: CallbackContext): void {
    requireMonitor(this.monitor, ctx, 'EarlyStopping');
    this.plateau.begin(ctx, this.key);
    this.bestEpoch = -1;
    this.stoppedEpoch = -1;
    this.lastEpoch = -1;
    if (this.restoreBestWeights) {
      const n = ctx.model.paramViews().reduce((s, v) => s + v.size, 0);
      if (this.snapshot?.length !== n) this.snapshot = new Float32Array(n); // once per fit, not per epoch
    }
  }

  onEpochEnd(epoch: number, logs: EpochLogs, ctx: CallbackContext): Stop {
    this.lastEpoch = epoch;
    const v = this.monitor === 'valLoss' ? logs.valLoss! : logs.loss;
    const improved = this.plateau.improves(v);
    this.plateau.record(ctx, this.key);
    if (improved) {
      this.bestEpoch = epoch;
      if (this.snapshot) copyWeights(ctx.model, this.snapshot, false);
      return undefined;
    }
    if (this.plateau.wait >= this.patience) {
      this.stoppedEpoch = epoch;
      return 'stop';
    }
    return undefined;
  }

  onTrainEnd(_history: History, ctx: CallbackContext): void {
    if (this.snapshot && this.bestEpoch >= 0 && this.bestEpoch !== this.lastEpoch) copyWeights(ctx.model, this.snapshot, true);
  }
}

export interface CheckpointInfo {
  /** The epoch just completed (fit's 0-based number; it restarts at 0 in every fit call). */
  epoch: number;
  /**
   * The model's completed epochs, this one included, across fit calls and resumed files
   * (model.epochsTrained): what checkpoints are numbered and `every` counted by, so a resumed
   * run saves where a straight one would and never over an earlier run's checkpoints.
   */
  trainedEpochs: number;
  logs: EpochLogs;
}

export interface ModelCheckpointOptions {
  /** Save after every `every`-th epoch of the model (its epochsTrained a multiple of `every`; default 1). */
  every?: number;
  /**
   * Writes the model; fit waits for it. Node: checkpointWriter(path) writes atomically. A `check`
   * method on it, when present, runs at the start of training (checkpointWriter's refuses a path
   * that cannot be written, before the first batch).
   */
  save: ((model: Sequential, info: CheckpointInfo) => void | Promise<void>) & { check?: (model: Sequential) => void | Promise<void> };
}

export class ModelCheckpoint implements Callback {
  readonly every: number;
  /** Epochs saved in this fit call, as the model's 0-based epoch numbers (trainedEpochs − 1). */
  readonly saved: number[] = [];
  private readonly save: ModelCheckpointOptions['save'];

  constructor(options: ModelCheckpointOptions) {
    if (options === null || typeof options !== 'object' || typeof options.save !== 'function') {
      throw new TypeError('ModelCheckpoint: needs { every, save: (model, { epoch, logs }) => ... }; in Node, save: checkpointWriter(path)');
    }
    this.every = checkCount(options.every ?? 1, 'every', 'ModelCheckpoint', 1);
    this.save = options.save;
  }

  async onTrainBegin(ctx: CallbackContext): Promise<void> {
    this.saved.length = 0;
    await this.save.check?.(ctx.model);
  }

  async onEpochEnd(epoch: number, logs: EpochLogs, ctx: CallbackContext): Promise<Stop> {
    const trainedEpochs = ctx.model.epochsTrained; // fit counts the epoch before calling back
    if (trainedEpochs % this.every === 0) {
      await this.save(ctx.model, { epoch, trainedEpochs, logs });
      this.saved.push(trainedEpochs - 1);
    }
    return undefined;
  }
}

export interface ReduceLROnPlateauOptions {
  /** Default 'valLoss'. */
  monitor?: Monitor;
  /** lrScale is multiplied by this, in (0, 1) (default 0.1). */
  factor?: number;
  /** Epochs without improvement before a reduction (default 10). */
  patience?: number;
  /** An epoch improves when its value is below best − minDelta (default 0). */
  minDelta?: number;
  /** The reduced learning rate (the optimizer's lr, a schedule's peak, × lrScale) never goes below this (default 0). */
  minLr?: number;
}

/** What ReduceLROnPlateau needs of an optimizer: its learning rate (a schedule's peak) and the public multiplier. */
interface ScalableLr { lrScale: number; readonly peakLr: number }

export class ReduceLROnPlateau implements Callback {
  readonly monitor: Monitor;
  readonly factor: number;
  readonly patience: number;
  readonly minLr: number;
  private get key(): string { return `ReduceLROnPlateau:${this.monitor}`; }
  /** Epochs after which lrScale was reduced. */
  readonly reductions: number[] = [];
  private readonly plateau: Plateau;

  constructor(options: ReduceLROnPlateauOptions = {}) {
    const where = 'ReduceLROnPlateau';
    this.monitor = checkMonitor(options.monitor ?? 'valLoss', where);
    const f = options.factor ?? 0.1;
    if (typeof f !== 'number' || !(f > 0 && f < 1)) throw new RangeError(`${where}: factor must be in (0, 1), got ${shown(f)}`);
    this.factor = f;
    this.patience = checkCount(options.patience ?? 10, 'patience', where, 0);
    this.plateau = new Plateau(checkNonNegative(options.minDelta ?? 0, 'minDelta', where));
    this.minLr = checkNonNegative(options.minLr ?? 0, 'minLr', where);
  }

  onTrainBegin(ctx: CallbackContext): void {
    requireMonitor(this.monitor, ctx, 'ReduceLROnPlateau');
    this.plateau.begin(ctx, this.key);
    this.reductions.length = 0;
  }

  onEpochEnd(epoch: number, logs: EpochLogs, ctx: CallbackContext): Stop {
    const v = this.monitor === 'valLoss' ? logs.valLoss! : logs.loss;
    if (this.plateau.improves(v) || this.plateau.wait < this.patience) { this.plateau.record(ctx, this.key); return undefined; }
    this.plateau.wait = 0;
    this.plateau.record(ctx, this.key);
    const opt: ScalableLr = ctx.model.optimizer;
    const floor = this.minLr / opt.peakLr;
    const next = Math.max(opt.lrScale * this.factor, floor);
    if (next < opt.lrScale) {
      opt.lrScale = next;
      this.reductions.push(epoch);
    }
    return undefined;
  }
}

/** The checked callbacks array of FitOptions. */
export function checkCallbacks(callbacks: unknown): Callback[] {
  if (callbacks === undefined) return [];
  if (!Array.isArray(callbacks)) throw new TypeError(`fit: callbacks must be an array of callback objects, got ${shown(callbacks)}`);
  callbacks.forEach((c, i) => {
    const ok = c !== null && typeof c === 'object' && ['onTrainBegin', 'onEpochEnd', 'onTrainEnd'].some((k) => typeof (c as Record<string, unknown>)[k] === 'function');
    if (!ok) throw new TypeError(`fit: callbacks[${i}] is ${shown(c)}; expected an object with onTrainBegin, onEpochEnd and/or onTrainEnd methods`);
  });
  return callbacks as Callback[];
}
