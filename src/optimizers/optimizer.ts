// Optimizers update the whole model in one or two kernel calls over flat ranges (STYLE.md §5):
// parameters are contiguous with the weights that take decay first, gradients contiguous in the
// same order, optimizer state contiguous after them. With weightDecay > 0, the decay range
// [0, nDecay) is updated with wd and the rest (biases) with wd = 0; otherwise one call covers all.
//
// A step is begin() (count it, once) then apply() over ranges that cover [0, n) once: the
// executor cuts the range into chunks that threads update in parallel. Every update is
// elementwise, so the chunks change no result.

import type { Kernels } from '../runtime/abi.js';
import { shown } from '../util/format.js';

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

export abstract class Optimizer {
  abstract readonly type: string;
  /** Steps taken so far (Adam's t). */
  iterations = 0;
  protected k!: Kernels;
  protected r!: FlatRanges;

  /** f32 state values per parameter (SGD 0, momentum 1, Adam 2). */
  abstract stateSlots(): number;

  /** Called by the model once its memory is planned; zeroes the state. */
  bind(k: Kernels, ranges: FlatRanges): void {
    this.k = k;
    this.r = ranges;
    this.reset();
  }

  /** Forgets the state (momentum/moments = 0, t = 0). */
  reset(): void {
    this.iterations = 0;
    const slots = this.stateSlots();
    if (slots > 0 && this.r.n > 0) this.k.fill(this.r.state, slots * this.r.n, 0);
  }

  /** Elements in the flat range (parameters the optimizer updates). */
  get size(): number { return this.r.n; }

  /** One whole update from the gradients currently in the gradient range, on this thread. */
  step(): void {
    this.begin();
    this.apply(this.k, 0, this.r.n);
  }

  /** Starts a step: counts it (Adam's t). Then apply() must cover [0, n) once. */
  begin(): void {
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
  abstract getConfig(): Record<string, unknown>;

  toJSON(): { type: string; config: Record<string, unknown> } {
    return { type: this.type, config: this.getConfig() };
  }
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
