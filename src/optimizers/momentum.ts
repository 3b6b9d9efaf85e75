// SGD with momentum, Keras form: v = μ·v − lr·(g + wd·w); w += v. State: v [n].

import type { Kernels } from '../runtime/abi.js';
import { Optimizer, checkDecay, checkRate, checkUnit } from './optimizer.js';
import { checkConfigKeys } from '../layers/config.js';

export interface MomentumConfig { lr?: number; momentum?: number; weightDecay?: number }

export class Momentum extends Optimizer {
  static readonly type = 'momentum';
  readonly type = Momentum.type;
  /** The config keys the constructor reads; any other key is an error. */
  static readonly options: readonly string[] = ['lr', 'momentum', 'weightDecay'];
  readonly lr: number;
  readonly momentum: number;
  readonly wd: number;

  constructor(config: MomentumConfig = {}) {
    super();
    checkConfigKeys(config, Momentum.options, 'Momentum');
    this.lr = checkRate(config.lr ?? 0.01, 'lr', 'Momentum');
    this.momentum = checkUnit(config.momentum ?? 0.9, 'momentum', 'Momentum');
    this.wd = checkDecay(config.weightDecay ?? 0, 'Momentum');
  }

  stateSlots(): number { return 1; }
  get weightDecay(): number { return this.wd; }

  protected update(k: Kernels, w: number, g: number, state: number, count: number, wd: number): void {
    k.momentum_update(w, state, g, count, this.lr, this.momentum, wd);
  }

  getConfig(): Record<string, unknown> { return { lr: this.lr, momentum: this.momentum, weightDecay: this.wd }; }
}
