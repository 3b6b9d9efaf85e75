// SGD with momentum, Keras form: v = μ·v − lr·(g + wd·w); w += v. State: v [n].
// nesterov: true (or the 'nesterov' optimizer) takes the Nesterov step w += μ·v − lr·(g + wd·w)
// with the updated v (Keras SGD(nesterov=True)). A schedule with cycleMomentum sets μ per step.

import type { Kernels } from '../runtime/abi.js';
import { Optimizer, checkDecay, checkUnit, type LearningRate } from './optimizer.js';
import { checkConfigKeys } from '../layers/config.js';
import { shown } from '../util/format.js';

export interface MomentumConfig { lr?: LearningRate; momentum?: number; nesterov?: boolean; weightDecay?: number; clipNorm?: number }

export class Momentum extends Optimizer {
  static readonly type = 'momentum';
  readonly type = Momentum.type;
  /** The config keys the constructor reads; any other key is an error. */
  static readonly options: readonly string[] = ['lr', 'momentum', 'nesterov', 'weightDecay', 'clipNorm'];
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly wd: number;

  constructor(config: MomentumConfig = {}) {
    checkConfigKeys(config, Momentum.options, 'Momentum');
    super(config, 0.01, 'Momentum');
    this.momentum = checkUnit(config.momentum ?? 0.9, 'momentum', 'Momentum');
    if (config.nesterov !== undefined && typeof config.nesterov !== 'boolean') {
      throw new TypeError(`Momentum: nesterov must be true or false, got ${shown(config.nesterov)}`);
    }
    this.nesterov = config.nesterov ?? false;
    this.wd = checkDecay(config.weightDecay ?? 0, 'Momentum');
    this.checkCycle();
  }

  protected override cycledName(): string { return 'momentum'; }
  stateSlots(): number { return 1; }
  stateNames(): string[] { return ['velocity']; }
  get weightDecay(): number { return this.wd; }

  protected update(k: Kernels, w: number, g: number, state: number, count: number, wd: number): void {
    const mu = this.stepMomentum ?? this.momentum;
    if (this.nesterov) k.nesterov_update(w, state, g, count, this.stepLr, mu, wd);
    else k.momentum_update(w, state, g, count, this.stepLr, mu, wd);
  }

  protected ownConfig(): Record<string, unknown> {
    return this.nesterov ? { momentum: this.momentum, nesterov: true, weightDecay: this.wd } : { momentum: this.momentum, weightDecay: this.wd };
  }
}
