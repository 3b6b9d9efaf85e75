// MaxPool2D and AvgPool2D over NHWC [H, W, C] → [OH, OW, C]; windows are clipped to the input
// ('same' padding never reads padding values: max over / mean of the in-bounds part).
//
// MaxPool2D caches the argmax of every output (i32, flat index h·W·C + w·C + c within the
// sample, written by maxpool2d_forward) and backward scatters dy through it. Inference plans
// have no argmax buffer: the kernel then writes y only (argmax pointer 0).
// AvgPool2D keeps nothing: backward spreads each dy evenly over its window (geometry only).
// Both overwrite dx (overlapping windows add up inside the kernel) and have no parameters.

import type { Geom2d, Kernels } from '../runtime/abi.js';
import { windowGeom, checkPadding, type Padding } from '../tensor/geometry.js';
import { Layer, checkPair, type BufferSpec, type LayerRun, type Shape } from './layer.js';
import { checkConfigKeys } from './config.js';

export interface Pool2DConfig {
  /** Window size (default 2). */
  poolSize?: number | [number, number];
  /** Default: poolSize (non-overlapping windows, as Keras). */
  strides?: number | [number, number];
  padding?: Padding;
  name?: string;
}

abstract class Pool2D extends Layer {
  /** The config keys the constructor reads; any other key is an error. */
  static readonly options: readonly string[] = ['poolSize', 'strides', 'padding', 'name'];
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;

  constructor(config: Pool2DConfig = {}, type: string) {
    super(config?.name);
    const where = `${type}${config?.name ? ` '${config.name}'` : ''}`;
    if (config === null || typeof config !== 'object') throw new TypeError(`${where}: config must be an object { poolSize, strides, padding }`);
    checkConfigKeys(config, Pool2D.options, where);
    this.poolSize = checkPair(config.poolSize ?? 2, 'poolSize', where);
    this.strides = checkPair(config.strides ?? this.poolSize, 'strides', where);
    const padding = config.padding ?? 'valid';
    checkPadding(padding, where);
    this.padding = padding;
  }

  outputShape(inShape: Shape): number[] {
    const [H, W, C] = this.needImage(inShape);
    const g = windowGeom([1, H, W, C], C, { kernel: this.poolSize, stride: this.strides, padding: this.padding, kind: 'pool' }, this.label);
    return [g.OH, g.OW, C];
  }

  override geometry(B: number): Geom2d {
    const [H, W, C] = this.inShape as [number, number, number];
    return windowGeom([B, H, W, C], C, { kernel: this.poolSize, stride: this.strides, padding: this.padding, kind: 'pool' }, this.label);
  }

  getConfig(): Record<string, unknown> {
    return { poolSize: this.poolSize, strides: this.strides, padding: this.padding };
  }
}

export class MaxPool2D extends Pool2D {
  static readonly type = 'MaxPool2D';
  readonly type = MaxPool2D.type;

  constructor(config: Pool2DConfig = {}) { super(config, MaxPool2D.type); }

  override bufferSpecs(B: number, training: boolean): BufferSpec[] {
    return training ? [{ name: 'argmax', bytes: 4 * B * this.outSize, kind: 'rows' }] : [];
  }

  forward(k: Kernels, r: LayerRun): void {
    k.maxpool2d_forward(r.y, r.bufs.argmax ?? 0, r.x, r.bufs.geom!);
  }

  backward(k: Kernels, r: LayerRun): void {
    if (r.dx !== 0) k.maxpool2d_backward(r.dx, r.dy, r.bufs.argmax!, r.bufs.geom!);
  }
}

export class AvgPool2D extends Pool2D {
  static readonly type = 'AvgPool2D';
  readonly type = AvgPool2D.type;

  constructor(config: Pool2DConfig = {}) { super(config, AvgPool2D.type); }

  forward(k: Kernels, r: LayerRun): void {
    k.avgpool2d_forward(r.y, r.x, r.bufs.geom!);
  }

  backward(k: Kernels, r: LayerRun): void {
    if (r.dx !== 0) k.avgpool2d_backward(r.dx, r.dy, r.bufs.geom!);
  }
}
