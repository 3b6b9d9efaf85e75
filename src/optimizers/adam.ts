// Adam (Kingma & Ba), bias-corrected, with the Keras defaults lr 1e-3, β1 0.9, β2 0.999, ε 1e-7:
//   m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²;  w −= lr·(m/bc1) / (sqrt(v/bc2) + ε)
// with bc1 = 1 − β1^t, bc2 = 1 − β2^t computed here in f64 once per step (t = iterations).
// State: m [n] then v [n]. weightDecay > 0 adds wd·w to g (L2, not AdamW; see adamw.ts).
// A schedule with cycleMomentum sets β1 per step; bc1 then uses that step's β1 (as PyTorch).
// Note: Keras applies ε to the uncorrected sqrt(v) ("epsilon hat"); the kernel contract puts it
// after the bias correction (the paper's form). The two differ only while sqrt(v) ~ ε.

import type { Kernels } from '../runtime/abi.js';
import { Optimizer, checkDecay, checkRate, checkUnit, type LearningRate } from './optimizer.js';
import { checkConfigKeys } from '../layers/config.js';

export interface AdamConfig { lr?: LearningRate; beta1?: number; beta2?: number; epsilon?: number; weightDecay?: number; clipNorm?: number }

export class Adam extends Optimizer {
  static readonly type: string = 'adam';
  readonly type: string = Adam.type;
  /** The config keys the constructor reads; any other key is an error. */
  static readonly options: readonly string[] = ['lr', 'beta1', 'beta2', 'epsilon', 'weightDecay', 'clipNorm'];
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly wd: number;

  constructor(config: AdamConfig = {}, where = 'Adam') {
    checkConfigKeys(config, Adam.options, where);
    super(config, 1e-3, where);
    this.beta1 = checkUnit(config.beta1 ?? 0.9, 'beta1', where);
    this.beta2 = checkUnit(config.beta2 ?? 0.999, 'beta2', where);
    this.epsilon = checkRate(config.epsilon ?? 1e-7, 'epsilon', where);
    this.wd = checkDecay(config.weightDecay ?? 0, where);
    this.checkCycle();
  }

  protected override cycledName(): string { return 'beta1'; }
  stateSlots(): number { return 2; }
  stateNames(): string[] { return ['m', 'v']; }
  get weightDecay(): number { return this.wd; }

  protected update(k: Kernels, w: number, g: number, state: number, count: number, wd: number): void {
    const t = this.iterations;
    const b1 = this.stepMomentum ?? this.beta1;
    const bc1 = 1 - Math.pow(b1, t);
    const bc2 = 1 - Math.pow(this.beta2, t);
    const m = state;
    const v = state + 4 * this.r.n;
    this.kernel(k, w, m, v, g, count, b1, bc1, bc2, wd);
  }

  /** The update kernel (AdamW overrides it with its decoupled decay). */
  protected kernel(k: Kernels, w: number, m: number, v: number, g: number, count: number, b1: number, bc1: number, bc2: number, wd: number): void {
    k.adam_update(w, m, v, g, count, this.stepLr, b1, this.beta2, this.epsilon, bc1, bc2, wd);
  }

  protected ownConfig(): Record<string, unknown> {
    return { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, weightDecay: this.wd };
  }
}
