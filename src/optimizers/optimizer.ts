// Optimizers update the whole model in one or two kernel calls over flat ranges (STYLE.md §5):
// parameters are contiguous with the weights that take decay first, gradients contiguous in the
// same order, optimizer state contiguous after them. With weightDecay > 0, the decay range
// [0, nDecay) is updated with wd and the rest (biases) with wd = 0; otherwise one call covers all.

import type { Kernels } from '../runtime/abi.js';

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

  /** One update from the gradients currently in the gradient range. */
  step(): void {
    this.iterations++;
    const { w, g, n, nDecay, state } = this.r;
    const wd = this.weightDecay;
    if (wd > 0 && nDecay < n) {
      this.update(w, g, state, nDecay, wd);
      const off = 4 * nDecay;
      this.update(w + off, g + off, state + off, n - nDecay, 0);
    } else {
      this.update(w, g, state, n, nDecay > 0 ? wd : 0);
    }
  }

  /** Updates `count` parameters starting at the given offsets (state slot s at state + 4·n·s). */
  protected abstract update(w: number, g: number, state: number, count: number, wd: number): void;

  abstract get weightDecay(): number;
  abstract getConfig(): Record<string, unknown>;

  toJSON(): { type: string; config: Record<string, unknown> } {
    return { type: this.type, config: this.getConfig() };
  }
}

export function checkRate(v: unknown, what: string, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new RangeError(`${where}: ${what} must be a finite number > 0, got ${JSON.stringify(v)}`);
  }
  return v;
}

export function checkUnit(v: unknown, what: string, where: string): number {
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) {
    throw new RangeError(`${where}: ${what} must be in [0, 1), got ${JSON.stringify(v)}`);
  }
  return v;
}

export function checkDecay(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new RangeError(`${where}: weightDecay must be a finite number ≥ 0, got ${JSON.stringify(v)}`);
  }
  return v;
}
