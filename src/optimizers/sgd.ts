// Plain SGD: w −= lr · (g + wd·w). No state.

import type { Kernels } from '../runtime/abi.js';
import { Optimizer, checkDecay, checkRate } from './optimizer.js';
import { checkConfigKeys } from '../layers/config.js';

export interface SGDConfig { lr?: number; weightDecay?: number }

export class SGD extends Optimizer {
  static readonly type = 'sgd';
  readonly type = SGD.type;
  /** The config keys the constructor reads; any other key is an error. */
  static readonly options: readonly string[] = ['lr', 'weightDecay'];
  readonly lr: number;
  readonly wd: number;

  constructor(config: SGDConfig = {}) {
    super();
    checkConfigKeys(config, SGD.options, 'SGD');
    this.lr = checkRate(config.lr ?? 0.01, 'lr', 'SGD');
    this.wd = checkDecay(config.weightDecay ?? 0, 'SGD');
  }

  stateSlots(): number { return 0; }
  get weightDecay(): number { return this.wd; }

  protected update(k: Kernels, w: number, g: number, _state: number, count: number, wd: number): void {
    k.sgd_update(w, g, count, this.lr, wd);
  }

  getConfig(): Record<string, unknown> { return { lr: this.lr, weightDecay: this.wd }; }
}
