// AdamW (Loshchilov & Hutter): Adam with decoupled weight decay, in PyTorch's order:
//   w ·= 1 − lr·wd;  then Adam's m, v and step from g alone.
// Decay applies to the decay range only (kernels, not biases), as for every optimizer here.
// Defaults: lr 1e-3, β1 0.9, β2 0.999, ε 1e-7 (as Adam), weightDecay 0.01 (PyTorch's default).

import type { Kernels } from '../runtime/abi.js';
import { Adam, type AdamConfig } from './adam.js';

export type AdamWConfig = AdamConfig;

export class AdamW extends Adam {
  static override readonly type = 'adamw';
  override readonly type = AdamW.type;

  constructor(config: AdamWConfig = {}) {
    super({ ...config, weightDecay: config?.weightDecay ?? 0.01 }, 'AdamW');
  }

  protected override kernel(k: Kernels, w: number, m: number, v: number, g: number, count: number, b1: number, bc1: number, bc2: number, wd: number): void {
    k.adamw_update(w, m, v, g, count, this.stepLr, b1, this.beta2, this.epsilon, bc1, bc2, wd);
  }
}
