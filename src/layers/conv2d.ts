// Conv2D: y = act(conv(x, kernel) + bias), NHWC in and out, kernel HWIO [KH][KW][C][OC].
//
// Forward: conv2d_forward writes z = conv + bias into y, then the activation runs in place on y;
// a relu runs inside the conv kernel instead (conv2d_forward_act, bit-identical), in training
// as at inference: backward needs only relu's output, and the fused kernel saves a pass over it.
// Cache: none besides y itself: relu/tanh/sigmoid derivatives are computed from the output y,
// and backward_filter rereads the input x, which the model keeps (every activation has its own
// buffer in a training plan).
// Backward: dy ← act'(y) ⊙ dy (in place), then kernel/bias grads += (backward_filter), then
// dx = conv_transpose(dy, kernel) unless dx is absent (first layer).
// Scratch: declared here (bufferSpecs, kind 'scratch'), sized by conv2d_scratch_bytes for the
// geometry; the plan gives each shard one scratch region shared by its layers.

import { CONV_ACT, type Geom2d, type Kernels } from '../runtime/abi.js';
import { windowGeom, checkPadding, type Padding } from '../tensor/geometry.js';
import {
  Layer, activationBackward, activationForward, checkActivation, checkPair, checkPositiveInt,
  type Activation, type BufferSpec, type LayerRun, type ParamSpec, type Shape,
} from './layer.js';
import { checkInitializer, initSpec, ZEROS, type InitializerName } from './initializers.js';
import { checkConfigKeys } from './config.js';
import { shown } from '../util/format.js';

export interface Conv2DConfig {
  filters: number;
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  padding?: Padding;
  activation?: Activation;
  useBias?: boolean;
  kernelInitializer?: InitializerName | string;
  name?: string;
}

export class Conv2D extends Layer {
  static readonly type = 'Conv2D';
  /** The config keys the constructor reads; any other key is an error. */
  static readonly options: readonly string[] = [
    'filters', 'kernelSize', 'strides', 'padding', 'activation', 'useBias', 'kernelInitializer', 'name',
  ];
  readonly type = Conv2D.type;
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly activation: Activation;
  readonly useBias: boolean;
  readonly kernelInitializer: InitializerName;

  constructor(config: Conv2DConfig) {
    super(config?.name);
    const where = `Conv2D${config?.name ? ` '${config.name}'` : ''}`;
    if (config === null || typeof config !== 'object') throw new TypeError(`${where}: needs a config object { filters, kernelSize, ... }`);
    checkConfigKeys(config, Conv2D.options, where);
    this.filters = checkPositiveInt(config.filters, 'filters', where);
    this.kernelSize = checkPair(config.kernelSize, 'kernelSize', where);
    this.strides = checkPair(config.strides ?? 1, 'strides', where);
    const padding = config.padding ?? 'valid';
    checkPadding(padding, where);
    this.padding = padding;
    this.activation = checkActivation(config.activation ?? 'linear', where);
    if (this.activation === 'softmax') {
      throw new TypeError(`${where}: softmax activation is not supported on Conv2D (it would be over channels); use a Softmax layer after a Dense layer`);
    }
    this.useBias = config.useBias ?? true;
    if (typeof this.useBias !== 'boolean') throw new TypeError(`${where}: useBias must be true or false, got ${shown(config.useBias)}`);
    this.kernelInitializer = checkInitializer(config.kernelInitializer ?? 'glorotUniform', where);
  }

  outputShape(inShape: Shape): number[] {
    const [H, W, C] = this.needImage(inShape);
    const g = windowGeom([1, H, W, C], this.filters, { kernel: this.kernelSize, stride: this.strides, padding: this.padding }, this.label);
    return [g.OH, g.OW, this.filters];
  }

  override geometry(B: number): Geom2d {
    const [H, W, C] = this.inShape as [number, number, number];
    return windowGeom([B, H, W, C], this.filters, { kernel: this.kernelSize, stride: this.strides, padding: this.padding }, this.label);
  }

  override paramSpecs(): ParamSpec[] {
    const [KH, KW] = this.kernelSize;
    const C = this.inShape[2]!;
    const specs: ParamSpec[] = [{
      name: 'kernel', shape: [KH, KW, C, this.filters], decay: true,
      init: initSpec(this.kernelInitializer, KH * KW * C, KH * KW * this.filters),
    }];
    if (this.useBias) specs.push({ name: 'bias', shape: [this.filters], decay: false, init: ZEROS });
    return specs;
  }

  /** The conv kernels' working memory for B samples (the same size serves all three). */
  override bufferSpecs(B: number): BufferSpec[] {
    const bytes = this.k.conv2d_scratch_bytes(this.probe(this.geometry(B)));
    return bytes > 0 ? [{ name: 'scratch', bytes, kind: 'scratch' }] : [];
  }

  override work(B: number): number {
    const [KH, KW] = this.kernelSize;
    return 6 * B * this.outSize * KH * KW * this.inShape[2]!; // forward + both backward products
  }

  forward(k: Kernels, r: LayerRun, _training: boolean): void {
    const b = this.useBias ? r.values[1]! : 0;
    if (this.activation === 'relu') {
      // relu in the conv kernel's epilogue, the same bits as the two calls below.
      k.conv2d_forward_act(r.y, r.x, r.values[0]!, b, r.bufs.geom!, r.bufs.scratch ?? 0, CONV_ACT.relu);
      return;
    }
    k.conv2d_forward(r.y, r.x, r.values[0]!, b, r.bufs.geom!, r.bufs.scratch ?? 0);
    activationForward(k, this.activation, r.y, r.B, this.outSize);
  }

  backward(k: Kernels, r: LayerRun): void {
    activationBackward(k, this.activation, r.dy, r.y, r.B, this.outSize);
    const db = this.useBias ? r.grads[1]! : 0;
    const scratch = r.bufs.scratch ?? 0;
    k.conv2d_backward_filter(r.grads[0]!, db, r.dy, r.x, r.bufs.geom!, scratch);
    if (r.dx !== 0) k.conv2d_backward_input(r.dx, r.dy, r.values[0]!, r.bufs.geom!, scratch);
  }

  getConfig(): Record<string, unknown> {
    return {
      filters: this.filters, kernelSize: this.kernelSize, strides: this.strides, padding: this.padding,
      activation: this.activation, useBias: this.useBias, kernelInitializer: this.kernelInitializer,
    };
  }
}
