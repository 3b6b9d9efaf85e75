// Optimizers update the whole model in one or two kernel calls over flat ranges (STYLE.md §5):
// parameters are contiguous with the weights that take decay first, gradients contiguous in the
// same order, optimizer state contiguous after them. With weightDecay > 0, the decay range
// [0, nDecay) is updated with wd and the rest (biases) with wd = 0; otherwise one call covers all.
// Only trainable parameters are in the range: non-trainable tensors (running statistics) have
// no gradient and no optimizer state.
//
// A step is begin() (count it and fix this step's learning rate, once) then apply() over ranges
// that cover [0, n) once: the executor cuts the range into chunks that threads update in
// parallel. Every update is elementwise, so the chunks change no result.
//
// Learning rate: `lr` is a number or a schedule (schedule.ts). Step t of the schedule (t counts
// from 0 at the step after the schedule was set) runs with lr = schedule(t) · lrScale, computed
// in f64 in begin() and passed to the kernels (as f32). `lrScale` (default 1) is public and
// mutable: a callback such as reduce-LR-on-plateau multiplies it; it is saved with the state.

import type { Kernels } from '../runtime/abi.js';
import { shown } from '../util/format.js';
import { checkSchedule, needsTotal, scheduleLr, scheduleMomentum, schedulePeak, withTotal, type ScheduleSpec } from './schedule.js';

/** Where the model's flat ranges live (byte offsets) and how long they are (elements). */
export interface FlatRanges {
  /** Parameters [n] and their gradients [n], same order. */
  w: number;
  g: number;
  n: number;
  /** The first nDecay parameters take weight decay. */
  nDecay: number;
  /** Optimizer state: stateSlots() × n f32 values, slot s at state + 4·n·s. */
  state: number;
}

/** A learning rate: a number (constant) or a schedule spec. */
export type LearningRate = number | ScheduleSpec;

export abstract class Optimizer {
  abstract readonly type: string;
  /** Steps taken so far (Adam's t). */
  iterations = 0;
  /** Multiplies every step's scheduled learning rate (reduce-on-plateau callbacks change it). Saved with the state. */
  lrScale = 1;
  /** `iterations` when the schedule was set: step t of the schedule is iteration scheduleFrom + t. */
  scheduleFrom = 0;
  /**
   * Global gradient-norm clipping: when set, a step whose gradient (all trainable parameters,
   * after the shard reduction) has L2 norm above clipNorm is scaled by clipNorm / (norm + 1e-6)
   * first (PyTorch clip_grad_norm_). Applied by the executor.
   */
  readonly clipNorm: number | undefined;
  /** The gradient norm of the last step, when clipping is on (NaN before the first). */
  lastGradNorm = NaN;
  protected k!: Kernels;
  protected r!: FlatRanges;
  private lrSpec: LearningRate;
  private schedule: ScheduleSpec;
  /** This step's learning rate (lr · lrScale) and, when the schedule cycles it, momentum / β1. */
  protected stepLr = 0;
  protected stepMomentum: number | undefined;

  /**
   * `lr` and `clipNorm` from the config (`lrDefault` when lr is absent), checked for `where`
   * ('Adam', ...). `cycles` names what a cycling schedule drives (undefined: nothing to cycle).
   */
  protected constructor(config: { lr?: LearningRate; clipNorm?: number } | undefined, lrDefault: number, protected readonly where: string) {
    this.lrSpec = checkLearningRate(config?.lr ?? lrDefault, `${where}: lr`);
    this.schedule = toSchedule(this.lrSpec);
    const c = config?.clipNorm;
    if (c !== undefined && (typeof c !== 'number' || !Number.isFinite(c) || c <= 0)) {
      throw new RangeError(`${where}: clipNorm must be a finite number > 0, got ${shown(c)}`);
    }
    this.clipNorm = c;
  }

  /** What a schedule with cycleMomentum drives here ('momentum', 'beta1'), or undefined when nothing. */
  protected cycledName(): string | undefined { return undefined; }

  /** Called by subclass constructors once their own fields are set: refuses a cycle they cannot follow. */
  protected checkCycle(): void {
    this.checkedLr(this.lrSpec);
  }

  /** The learning rate as configured: a number or the schedule spec (with totalSteps once derived). */
  get lr(): LearningRate { return typeof this.lrSpec === 'number' ? this.lrSpec : this.schedule; }

  /** The schedule in use (a number lr is a 'constant' schedule). */
  get lrSchedule(): ScheduleSpec { return this.schedule; }

  /**
   * Replaces the learning rate or schedule from the next step on: the schedule starts at its
   * step 0 with the next update. Optimizer state (moments, iterations, lrScale) is kept.
   */
  setLr(lr: LearningRate): void {
    this.commitLr(this.checkedLr(lr));
  }

  /** `lr` checked for this optimizer (a cycling schedule needs something to cycle); changes nothing. */
  checkedLr(lr: unknown, what = `${this.where}: lr`): LearningRate {
    const spec = checkLearningRate(lr, what);
    if (typeof spec !== 'number' && spec.type === 'onecycle' && spec.cycleMomentum && this.cycledName() === undefined) {
      throw new RangeError(`${this.where}: the onecycle schedule has cycleMomentum, but this optimizer has no momentum to cycle ` +
        '(use momentum, nesterov, adam, adamw or rmsprop with momentum > 0, or cycleMomentum: false)');
    }
    return spec;
  }

  private commitLr(spec: LearningRate): void {
    this.lrSpec = spec;
    this.schedule = toSchedule(spec);
    this.scheduleFrom = this.iterations;
  }

  /**
   * What fit does before its first step, checked in full before anything changes: sets `lr` when
   * given (see setLr), then gives a cosine or onecycle schedule without totalSteps its total,
   * (its epochs ?? fitEpochs) × stepsPerEpoch.
   */
  prepareFit(lr: LearningRate | undefined, stepsPerEpoch: number, fitEpochs: number): void {
    const spec = lr === undefined ? undefined : this.checkedLr(lr);
    const schedule = spec === undefined ? this.schedule : toSchedule(spec);
    const resolved = withTotal(schedule, stepsPerEpoch, fitEpochs, `${this.where}: lr`); // throws before any change
    this.checkRunsWithin(resolved, spec === undefined ? this.iterations - this.scheduleFrom : 0, stepsPerEpoch, fitEpochs);
    if (spec !== undefined) this.commitLr(spec);
    if (resolved !== this.schedule) {
      this.schedule = resolved;
      if (typeof this.lrSpec !== 'number') this.lrSpec = resolved;
    }
  }

  /**
   * Refuses a fit that would run a whole epoch or more past the end of a schedule whose end
   * trains nothing: onecycle (PyTorch's OneCycleLR refuses any step past it) and cosine down to
   * minLr 0. Past totalSteps they hold their last learning rate (≈ 0), so a second fit on a
   * schedule sized by the first one (fit(1 epoch), then fit(1 epoch, resume)) would run a whole
   * leg without changing a weight. (Less than an epoch over is let through: the rest of an
   * interrupted run.)
   */
  private checkRunsWithin(s: ScheduleSpec, done: number, stepsPerEpoch: number, fitEpochs: number): void {
    if (!(s.type === 'onecycle' || (s.type === 'cosine' && (s.minLr ?? 0) === 0)) || s.totalSteps === undefined) return;
    const left = Math.max(0, s.totalSteps - done);
    const steps = stepsPerEpoch * fitEpochs;
    if (steps - left < stepsPerEpoch) return;
    throw new RangeError(`${this.where}: lr: the ${s.type} schedule has ${left} of its ${s.totalSteps} steps left, but this fit runs ${steps}; ` +
      `past its end the learning rate stays at ${scheduleLr(s, s.totalSteps)}, so training would stall. Give the schedule epochs (or totalSteps) ` +
      'covering every fit of the run, or pass a new lr to this fit');
  }

  /** True when the schedule still needs its total step count (see resolveSchedule). */
  get scheduleNeedsTotal(): boolean { return needsTotal(this.schedule); }

  /** Gives a cosine or onecycle schedule without totalSteps its total: (its epochs ?? fitEpochs) × stepsPerEpoch. */
  resolveSchedule(stepsPerEpoch: number, fitEpochs: number): void {
    this.prepareFit(undefined, stepsPerEpoch, fitEpochs);
  }

  /** The learning rate the next step will use (schedule · lrScale). */
  get nextLr(): number { return scheduleLr(this.schedule, this.iterations - this.scheduleFrom) * this.lrScale; }

  /** The schedule's peak (a number lr itself), for messages. */
  get peakLr(): number { return schedulePeak(this.schedule); }

  /** f32 state values per parameter (SGD 0, momentum 1, Adam 2). */
  abstract stateSlots(): number;

  /** Names of the state slots, in slot order (saved in model files with training state). */
  abstract stateNames(): string[];

  /** Called by the model once its memory is planned; zeroes the state. */
  bind(k: Kernels, ranges: FlatRanges): void {
    this.k = k;
    this.r = ranges;
    this.reset();
  }

  /** Forgets the state (momentum/moments = 0, t = 0, lrScale 1); the schedule restarts. */
  reset(): void {
    this.iterations = 0;
    this.scheduleFrom = 0;
    this.lrScale = 1;
    const slots = this.stateSlots();
    if (slots > 0 && this.r.n > 0) this.k.fill(this.r.state, slots * this.r.n, 0);
  }

  /** Elements in the flat range (parameters the optimizer updates). */
  get size(): number { return this.r.n; }

  /** Byte offset and f32 count of the state (stateSlots() × n values), for saving and loading it. */
  get stateRange(): { ptr: number; length: number } { return { ptr: this.r.state, length: this.stateSlots() * this.r.n }; }

  /**
   * One whole update from the gradients currently in the gradient range, on this thread. With
   * clipNorm the norm is one grad_sumsq over the range (the executor sums per chunk instead, so
   * the two may differ in the last bits of the norm).
   */
  step(): void {
    this.begin();
    if (this.clipNorm !== undefined && this.r.n > 0) {
      const norm = Math.sqrt(this.k.grad_sumsq(this.r.g, this.r.n));
      this.lastGradNorm = norm;
      const scale = this.clipNorm / (norm + 1e-6);
      if (scale < 1) this.k.scale(this.r.g, this.r.n, scale);
    }
    this.apply(this.k, 0, this.r.n);
  }

  /** Starts a step: fixes its learning rate (and cycled momentum) and counts it (Adam's t). Then apply() must cover [0, n) once. */
  begin(): void {
    const t = this.iterations - this.scheduleFrom;
    this.stepLr = scheduleLr(this.schedule, t) * this.lrScale;
    this.stepMomentum = scheduleMomentum(this.schedule, t);
    this.iterations++;
  }

  /** Issues the update of elements [lo, hi) through `k` (a build's kernels or a tape recorder). */
  apply(k: Kernels, lo: number, hi: number): void {
    const { w, g, nDecay, state } = this.r;
    const wd = this.weightDecay;
    const split = wd > 0 ? nDecay : 0; // below `split` the update takes weight decay
    if (lo < split) {
      const end = Math.min(hi, split);
      this.update(k, w + 4 * lo, g + 4 * lo, state + 4 * lo, end - lo, wd);
    }
    if (hi > Math.max(lo, split)) {
      const start = Math.max(lo, split);
      this.update(k, w + 4 * start, g + 4 * start, state + 4 * start, hi - start, 0);
    }
  }

  /** Updates `count` parameters starting at the given offsets (state slot s at state + 4·n·s). */
  protected abstract update(k: Kernels, w: number, g: number, state: number, count: number, wd: number): void;

  abstract get weightDecay(): number;
  /** The optimizer's own settings (lr and clipNorm are added by getConfig). */
  protected abstract ownConfig(): Record<string, unknown>;

  getConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = { lr: typeof this.lrSpec === 'number' ? this.lrSpec : { ...this.schedule }, ...this.ownConfig() };
    if (this.clipNorm !== undefined) c.clipNorm = this.clipNorm;
    return c;
  }

  toJSON(): { type: string; config: Record<string, unknown> } {
    return { type: this.type, config: this.getConfig() };
  }
}

/** A number lr is checked as a rate; an object as a schedule spec. */
export function checkLearningRate(v: unknown, what: string): LearningRate {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v <= 0) throw new RangeError(`${what} must be a finite number > 0 or a schedule, got ${shown(v)}`);
    return v;
  }
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return checkSchedule(v, what);
  throw new TypeError(`${what} must be a number > 0 or a schedule { type: 'constant' | 'step' | 'exponential' | 'cosine' | 'onecycle', ... }, got ${shown(v)}`);
}

function toSchedule(lr: LearningRate): ScheduleSpec {
  return typeof lr === 'number' ? { type: 'constant', lr } : lr;
}

export function checkRate(v: unknown, what: string, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new RangeError(`${where}: ${what} must be a finite number > 0, got ${shown(v)}`);
  }
  return v;
}

export function checkUnit(v: unknown, what: string, where: string): number {
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) {
    throw new RangeError(`${where}: ${what} must be in [0, 1), got ${shown(v)}`);
  }
  return v;
}

export function checkDecay(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new RangeError(`${where}: weightDecay must be a finite number ≥ 0, got ${shown(v)}`);
  }
  return v;
}
