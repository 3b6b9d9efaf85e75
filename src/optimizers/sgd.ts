// Plain SGD: w −= lr · (g + wd·w) (L2 weight decay through the gradient). No state.

import type { Kernels } from '../runtime/abi.js';
import { Optimizer, checkDecay, type LearningRate } from './optimizer.js';
import { checkConfigKeys } from '../layers/config.js';

export interface SGDConfig { lr?: LearningRate; weightDecay?: number; clipNorm?: number }

export class SGD extends Optimizer {
  static readonly type = 'sgd';
  readonly type = SGD.type;
  /** The config keys the constructor reads; any other key is an error. */
  static readonly options: readonly string[] = ['lr', 'weightDecay', 'clipNorm'];
  readonly wd: number;

  constructor(config: SGDConfig = {}) {
    checkConfigKeys(config, SGD.options, 'SGD');
    super(config, 0.01, 'SGD');
    this.wd = checkDecay(config.weightDecay ?? 0, 'SGD');
    this.checkCycle();
  }

  stateSlots(): number { return 0; }
  stateNames(): string[] { return []; }
  get weightDecay(): number { return this.wd; }

  protected update(k: Kernels, w: number, g: number, _state: number, count: number, wd: number): void {
    k.sgd_update(w, g, count, this.stepLr, wd);
  }

  protected ownConfig(): Record<string, unknown> { return { weightDecay: this.wd }; }
}
