// RMSProp (Hinton's lecture 6e; PyTorch's form, ε outside the square root), Keras defaults
// lr 1e-3, rho 0.9, ε 1e-7, momentum 0:
//   gg = g + wd·w;  v = rho·v + (1 − rho)·gg²
//   momentum 0:  w −= lr·gg / (sqrt(v) + ε)
//   momentum μ:  b = μ·b + gg / (sqrt(v) + ε);  w −= lr·b
// State: v [n], then b [n] when momentum > 0. A schedule with cycleMomentum sets μ per step
// (only with momentum > 0: the buffer must exist).

import type { Kernels } from '../runtime/abi.js';
import { Optimizer, checkDecay, checkRate, checkUnit, type LearningRate } from './optimizer.js';
import { checkConfigKeys } from '../layers/config.js';

export interface RMSPropConfig { lr?: LearningRate; rho?: number; epsilon?: number; momentum?: number; weightDecay?: number; clipNorm?: number }

export class RMSProp extends Optimizer {
  static readonly type = 'rmsprop';
  readonly type = RMSProp.type;
  /** The config keys the constructor reads; any other key is an error. */
  static readonly options: readonly string[] = ['lr', 'rho', 'epsilon', 'momentum', 'weightDecay', 'clipNorm'];
  readonly rho: number;
  readonly epsilon: number;
  readonly momentum: number;
  readonly wd: number;

  constructor(config: RMSPropConfig = {}) {
    checkConfigKeys(config, RMSProp.options, 'RMSProp');
    super(config, 1e-3, 'RMSProp');
    this.rho = checkUnit(config.rho ?? 0.9, 'rho', 'RMSProp');
    this.epsilon = checkRate(config.epsilon ?? 1e-7, 'epsilon', 'RMSProp');
    this.momentum = checkUnit(config.momentum ?? 0, 'momentum', 'RMSProp');
    this.wd = checkDecay(config.weightDecay ?? 0, 'RMSProp');
    this.checkCycle();
  }

  protected override cycledName(): string | undefined { return this.momentum > 0 ? 'momentum' : undefined; }
  stateSlots(): number { return this.momentum > 0 ? 2 : 1; }
  stateNames(): string[] { return this.momentum > 0 ? ['v', 'momentum'] : ['v']; }
  get weightDecay(): number { return this.wd; }

  protected update(k: Kernels, w: number, g: number, state: number, count: number, wd: number): void {
    const b = this.momentum > 0 ? state + 4 * this.r.n : 0;
    k.rmsprop_update(w, state, b, g, count, this.stepLr, this.rho, this.epsilon, this.stepMomentum ?? this.momentum, wd);
  }

  protected ownConfig(): Record<string, unknown> {
    return { rho: this.rho, epsilon: this.epsilon, momentum: this.momentum, weightDecay: this.wd };
  }
}
