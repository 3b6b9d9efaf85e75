// Adam (Kingma & Ba), bias-corrected, with the Keras defaults lr 1e-3, β1 0.9, β2 0.999, ε 1e-7:
//   m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²;  w −= lr·(m/bc1) / (sqrt(v/bc2) + ε)
// with bc1 = 1 − β1^t, bc2 = 1 − β2^t computed here in f64 once per step (t = iterations).
// State: m [n] then v [n]. weightDecay > 0 adds wd·w to g (L2, not AdamW).
// Note: Keras applies ε to the uncorrected sqrt(v) ("epsilon hat"); the kernel contract puts it
// after the bias correction (the paper's form). The two differ only while sqrt(v) ~ ε.

import type { Kernels } from '../runtime/abi.js';
import { Optimizer, checkDecay, checkRate, checkUnit } from './optimizer.js';
import { checkConfigKeys } from '../layers/config.js';

export interface AdamConfig { lr?: number; beta1?: number; beta2?: number; epsilon?: number; weightDecay?: number }

export class Adam extends Optimizer {
  static readonly type = 'adam';
  readonly type = Adam.type;
  /** The config keys the constructor reads; any other key is an error. */
  static readonly options: readonly string[] = ['lr', 'beta1', 'beta2', 'epsilon', 'weightDecay'];
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly wd: number;

  constructor(config: AdamConfig = {}) {
    super();
    checkConfigKeys(config, Adam.options, 'Adam');
    this.lr = checkRate(config.lr ?? 1e-3, 'lr', 'Adam');
    this.beta1 = checkUnit(config.beta1 ?? 0.9, 'beta1', 'Adam');
    this.beta2 = checkUnit(config.beta2 ?? 0.999, 'beta2', 'Adam');
    this.epsilon = checkRate(config.epsilon ?? 1e-7, 'epsilon', 'Adam');
    this.wd = checkDecay(config.weightDecay ?? 0, 'Adam');
  }

  stateSlots(): number { return 2; }
  get weightDecay(): number { return this.wd; }

  protected update(k: Kernels, w: number, g: number, state: number, count: number, wd: number): void {
    const t = this.iterations;
    const bc1 = 1 - Math.pow(this.beta1, t);
    const bc2 = 1 - Math.pow(this.beta2, t);
    const m = state;
    const v = state + 4 * this.r.n;
    k.adam_update(w, m, v, g, count, this.lr, this.beta1, this.beta2, this.epsilon, bc1, bc2, wd);
  }

  getConfig(): Record<string, unknown> {
    return { lr: this.lr, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, weightDecay: this.wd };
  }
}
