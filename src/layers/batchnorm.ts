// BatchNormalization over the last axis: channels of NHWC conv outputs ([H, W, C] per sample)
// or features of dense outputs ([N]). Kernels: assembly/norm (formulas in norm/naive.ts).
//
//   training   y = γ·(x − μ_B)/sqrt(σ²_B + ε) + β, with μ_B and the BIASED σ²_B over every
//              sample (and pixel) of the whole batch; once per training step the running
//              statistics follow the Keras convention
//                  running = momentum·running + (1 − momentum)·batch     (momentum 0.99)
//              where the running variance takes the biased batch variance, as Keras 3 does
//              (PyTorch uses the unbiased one, and writes its momentum as 1 − ours).
//   inference  (evaluate, predict) y = γ·(x − running mean)/sqrt(running var + ε) + β.
//   ε defaults to 1e-3 (Keras; PyTorch uses 1e-5).
//
// γ ('gamma', ones) and β ('beta', zeros) are trainable, without weight decay; center: false
// drops β, scale: false drops γ. 'moving_mean' (zeros) and 'moving_variance' (ones) are
// non-trainable tensors: outside the optimizer's range, saved and loaded with the weights.
//
// The batch runs as shards on different threads, but the statistics need all of it, so this
// layer declares one barrier in forward and one in backward (Layer.barriers):
//   forward   stage 0 per shard: partial mean and Σ(x − mean)² ('part', a 'shards' buffer);
//             reduce: combine the shards in shard order → 'stats' [mean, invstd, var] (a
//             'batch' buffer), update the running statistics;
//             stage 1 per shard: normalise with 'stats'.
//   backward  stage 0 per shard: partial Σdy and Σdy·x̂;  reduce: add them in shard order into
//             'total' and into the model's γ/β gradients;  stage 1: dx from 'total'.
// Nothing is cached per sample: backward recomputes x̂ from x (kept by the plan) and 'stats'.
// Inference has no barrier: each shard turns the running variance into invstd in its own slot.
// A plan's tapes are recorded for its mode, so a training plan always normalises with batch
// statistics (forwardPlan(trainPlan, false) too); inference is what inference plans run.

import type { Kernels } from '../runtime/abi.js';
import { Layer, shardSlotStride, type BufferSpec, type LayerRun, type ParamSpec, type Pass, type ReduceContext, type Shape } from './layer.js';
import { checkConfigKeys } from './config.js';
import { ZEROS } from './initializers.js';
import { shown } from '../util/format.js';

export interface BatchNormalizationConfig {
  /** Weight of the old running value: running = momentum·running + (1 − momentum)·batch. Default 0.99 (Keras). */
  momentum?: number;
  /** Added to the variance before the square root. Default 1e-3 (Keras). */
  epsilon?: number;
  /** Learn an offset β (default true). */
  center?: boolean;
  /** Learn a scale γ (default true). */
  scale?: boolean;
  name?: string;
}

const ONES = { dist: 'constant', value: 1 } as const;

export class BatchNormalization extends Layer {
  static readonly type = 'BatchNormalization';
  static readonly options: readonly string[] = ['momentum', 'epsilon', 'center', 'scale', 'name'];
  readonly type = BatchNormalization.type;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;

  constructor(config: BatchNormalizationConfig = {}) {
    super(config?.name);
    const where = `BatchNormalization${config?.name ? ` '${config.name}'` : ''}`;
    if (config === null || typeof config !== 'object') throw new TypeError(`${where}: config must be an object { momentum, epsilon, center, scale }`);
    checkConfigKeys(config, BatchNormalization.options, where);
    this.momentum = config.momentum ?? 0.99;
    if (typeof this.momentum !== 'number' || !(this.momentum >= 0 && this.momentum < 1)) {
      throw new RangeError(`${where}: momentum must be a number in [0, 1), got ${shown(config.momentum)}`);
    }
    this.epsilon = config.epsilon ?? 1e-3;
    if (typeof this.epsilon !== 'number' || !(this.epsilon > 0 && Number.isFinite(this.epsilon))) {
      throw new RangeError(`${where}: epsilon must be a positive finite number, got ${shown(config.epsilon)}`);
    }
    this.center = config.center ?? true;
    this.scale = config.scale ?? true;
    for (const key of ['center', 'scale'] as const) {
      if (typeof this[key] !== 'boolean') throw new TypeError(`${where}: ${key} must be true or false, got ${shown(config[key])}`);
    }
  }

  outputShape(inShape: Shape): number[] {
    if (inShape.length !== 1 && inShape.length !== 3) {
      throw new RangeError(`${this.label}: expects [features] or [height, width, channels] per sample, got [${inShape.join(', ')}]`);
    }
    return [...inShape];
  }

  /** Channels: the last axis. */
  private get C(): number { return this.inShape[this.inShape.length - 1]!; }
  /** Rows of [rows, C] per sample (H·W for images, 1 for vectors). */
  private get perSample(): number { return this.inSize / this.C; }

  override paramSpecs(): ParamSpec[] {
    const C = this.C;
    const specs: ParamSpec[] = [];
    if (this.scale) specs.push({ name: 'gamma', shape: [C], decay: false, init: ONES });
    if (this.center) specs.push({ name: 'beta', shape: [C], decay: false, init: ZEROS });
    specs.push({ name: 'moving_mean', shape: [C], decay: false, init: ZEROS, trainable: false });
    specs.push({ name: 'moving_variance', shape: [C], decay: false, init: ONES, trainable: false });
    return specs;
  }

  /** Offsets of γ, β (0 when absent), running mean and variance in a run. */
  private ptrs(r: LayerRun): { gamma: number; beta: number; mean: number; vari: number; dgamma: number; dbeta: number } {
    let i = 0;
    const gamma = this.scale ? r.values[i] : 0, dgamma = this.scale ? r.grads[i++] : 0;
    const beta = this.center ? r.values[i] : 0, dbeta = this.center ? r.grads[i++] : 0;
    return { gamma: gamma!, beta: beta!, dgamma: dgamma!, dbeta: dbeta!, mean: r.values[i]!, vari: r.values[i + 1]! };
  }

  override bufferSpecs(_B: number, training: boolean): BufferSpec[] {
    const C = this.C;
    if (!training) return [{ name: 'invstd', bytes: 4 * C, kind: 'shards' }];
    return [
      { name: 'part', bytes: 4 * (2 * C + 1), kind: 'shards' },
      { name: 'stats', bytes: 4 * 3 * C, kind: 'batch' },
      { name: 'total', bytes: 4 * 2 * C, kind: 'batch' },
    ];
  }

  override work(B: number): number { return 12 * B * this.outSize; }

  override barriers(_pass: Pass, training: boolean): number { return training ? 1 : 0; }

  forward(k: Kernels, r: LayerRun, training: boolean, stage = 0): void {
    const C = this.C, rows = r.B * this.perSample;
    const p = this.ptrs(r);
    if (!training) {
      k.batchnorm_invstd(r.bufs.invstd!, p.vari, C, this.epsilon);
      k.batchnorm_forward(r.y, r.x, p.mean, r.bufs.invstd!, p.gamma, p.beta, rows, C);
    } else if (stage === 0) {
      k.batchnorm_stats(r.bufs.part!, r.x, rows, C);
    } else {
      const stats = r.bufs.stats!;
      k.batchnorm_forward(r.y, r.x, stats, stats + 4 * C, p.gamma, p.beta, rows, C);
    }
  }

  override reduce(k: Kernels, ctx: ReduceContext, pass: Pass): void {
    const C = this.C, r = ctx.run;
    const p = this.ptrs(r);
    const stride = shardSlotStride(4 * (2 * C + 1));
    if (pass === 'forward') {
      k.batchnorm_combine(r.bufs.stats!, r.bufs.part!, ctx.shards, stride, C, p.mean, p.vari, this.momentum, this.epsilon);
    } else {
      k.batchnorm_backward_combine(r.bufs.total!, r.bufs.part!, ctx.shards, stride, C, p.dgamma, p.dbeta);
    }
  }

  backward(k: Kernels, r: LayerRun, stage = 0): void {
    const C = this.C, rows = r.B * this.perSample;
    const stats = r.bufs.stats!;
    if (stage === 0) {
      k.batchnorm_backward_stats(r.bufs.part!, r.dy, r.x, stats, stats + 4 * C, rows, C);
    } else if (r.dx !== 0) {
      k.batchnorm_backward_input(r.dx, r.dy, r.x, stats, stats + 4 * C, this.ptrs(r).gamma, r.bufs.total!, rows, C, r.batch * this.perSample);
    }
  }

  getConfig(): Record<string, unknown> {
    return { momentum: this.momentum, epsilon: this.epsilon, center: this.center, scale: this.scale };
  }
}
