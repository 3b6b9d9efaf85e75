// Dense: y[B, OUT] = act(x[B, IN] · kernel[IN][OUT] + bias[OUT]).
//
// Forward: gemm_nn (overwrite) + bias_add, then the activation in place on y. Where the
// shape pays (usesPackedGemm: batch ≥ 32, units ≥ 48, inputs ≥ 64, e.g. the convnet's fc1,
// measured ~11–13% faster at B = 128–256) the product is gemm_nn_packed instead (same bits),
// with its packing scratch declared as the buffer 'pack' (kind 'scratch', one per shard)
// (gemm_packed_scratch_bytes is non-decreasing in M, so a smaller last batch fits).
// Cache: none besides y (activation derivatives come from the output).
// Backward: dy ← act'(y) ⊙ dy in place; kernel grad += xᵀ·dy (gemm_tn, accumulate);
// bias grad += Σ_rows dy (bias_grad); dx = dy · kernelᵀ (gemm_nt, overwrite) unless dx is absent.
//
// activation 'softmax' is allowed on the last layer only: the model then treats this layer's
// pre-softmax output as the logits, fuses the softmax with the cross-entropy loss in training,
// and applies it in predict (`fusedSoftmax` is set by the model; the layer then skips it).

import {
  Layer, activationBackward, activationForward, checkActivation, checkPositiveInt, formatShape,
  type Activation, type BufferSpec, type LayerRun, type ParamSpec, type Shape,
} from './layer.js';
import { checkInitializer, initSpec, ZEROS, type InitializerName } from './initializers.js';
import type { Kernels } from '../runtime/abi.js';
import { usesPackedGemm } from '../tensor/gemm-path.js';
import { checkConfigKeys } from './config.js';
import { shown } from '../util/format.js';

export interface DenseConfig {
  units: number;
  activation?: Activation;
  useBias?: boolean;
  kernelInitializer?: InitializerName | string;
  name?: string;
}

export class Dense extends Layer {
  static readonly type = 'Dense';
  /** The config keys the constructor reads; any other key is an error. */
  static readonly options: readonly string[] = ['units', 'activation', 'useBias', 'kernelInitializer', 'name'];
  readonly type = Dense.type;
  readonly units: number;
  readonly activation: Activation;
  readonly useBias: boolean;
  readonly kernelInitializer: InitializerName;
  /** Set by the model when this is the last layer and its softmax is fused with the loss. */
  fusedSoftmax = false;

  constructor(config: DenseConfig) {
    super(config?.name);
    const where = `Dense${config?.name ? ` '${config.name}'` : ''}`;
    if (config === null || typeof config !== 'object') throw new TypeError(`${where}: needs a config object { units, activation? }`);
    checkConfigKeys(config, Dense.options, where);
    this.units = checkPositiveInt(config.units, 'units', where);
    this.activation = checkActivation(config.activation ?? 'linear', where);
    this.useBias = config.useBias ?? true;
    if (typeof this.useBias !== 'boolean') throw new TypeError(`${where}: useBias must be true or false, got ${shown(config.useBias)}`);
    this.kernelInitializer = checkInitializer(config.kernelInitializer ?? 'glorotUniform', where);
  }

  outputShape(inShape: Shape): number[] {
    if (inShape.length !== 1) {
      throw new RangeError(`${this.label}: expects a 1-D input [features] per sample, got ${formatShape(inShape)}` +
        (inShape.length === 3 ? '; add a Flatten layer before it' : ''));
    }
    return [this.units];
  }

  private get act(): Activation {
    return this.fusedSoftmax ? 'linear' : this.activation;
  }

  override paramSpecs(): ParamSpec[] {
    const IN = this.inShape[0]!;
    const specs: ParamSpec[] = [{
      name: 'kernel', shape: [IN, this.units], decay: true, init: initSpec(this.kernelInitializer, IN, this.units),
    }];
    if (this.useBias) specs.push({ name: 'bias', shape: [this.units], decay: false, init: ZEROS });
    return specs;
  }

  /** The packed GEMM's scratch, when this batch size takes that path (0 bytes in the naive build). */
  override bufferSpecs(B: number): BufferSpec[] {
    const IN = this.inShape[0]!;
    if (!usesPackedGemm(B, this.units, IN)) return [];
    const bytes = this.k.gemm_packed_scratch_bytes(B, this.units, IN);
    return bytes > 0 ? [{ name: 'pack', bytes, kind: 'scratch' }] : [];
  }

  override work(B: number): number {
    return 6 * B * this.inShape[0]! * this.units; // forward + both backward products
  }

  /** A last Dense with activation 'softmax' hands its softmax to the loss; elsewhere it is refused. */
  override fuseWithLoss(isLast: boolean): 'activation' | undefined {
    if (this.activation !== 'softmax') return undefined;
    if (!isLast) {
      throw new Error(`${this.label}: activation 'softmax' is only supported on the last layer (where it is fused with the loss); ` +
        `use a Softmax layer elsewhere`);
    }
    this.fusedSoftmax = true;
    return 'activation';
  }

  forward(k: Kernels, r: LayerRun): void {
    const IN = this.inShape[0]!;
    const pack = r.bufs.pack;
    if (pack !== undefined && usesPackedGemm(r.B, this.units, IN)) {
      k.gemm_nn_packed(r.y, r.x, r.values[0]!, r.B, this.units, IN, 0, pack);
    } else {
      k.gemm_nn(r.y, r.x, r.values[0]!, r.B, this.units, IN, 0);
    }
    if (this.useBias) k.bias_add(r.y, r.values[1]!, r.B, this.units);
    activationForward(k, this.act, r.y, r.B, this.units);
  }

  backward(k: Kernels, r: LayerRun): void {
    const IN = this.inShape[0]!;
    activationBackward(k, this.act, r.dy, r.y, r.B, this.units);
    k.gemm_tn(r.grads[0]!, r.x, r.dy, IN, this.units, r.B, 1);
    if (this.useBias) k.bias_grad(r.grads[1]!, r.dy, r.B, this.units);
    if (r.dx !== 0) k.gemm_nt(r.dx, r.dy, r.values[0]!, r.B, IN, this.units, 0);
  }

  getConfig(): Record<string, unknown> {
    return { units: this.units, activation: this.activation, useBias: this.useBias, kernelInitializer: this.kernelInitializer };
  }
}
