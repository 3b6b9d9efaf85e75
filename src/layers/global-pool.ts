// GlobalAveragePooling2D: NHWC [H, W, C] → [C], the mean of each channel over all H·W positions
// (Keras GlobalAveragePooling2D, data_format channels_last). Kernels: assembly/gap.
// Backward spreads dy[c] / (H·W) over every position. No parameters, no cache (geometry only).

import type { Kernels } from '../runtime/abi.js';
import { Layer, type LayerRun, type Shape } from './layer.js';
import { checkConfigKeys } from './config.js';

export class GlobalAveragePooling2D extends Layer {
  static readonly type = 'GlobalAveragePooling2D';
  static readonly options: readonly string[] = ['name'];
  readonly type = GlobalAveragePooling2D.type;

  constructor(config: { name?: string } = {}) {
    super(config?.name);
    checkConfigKeys(config, GlobalAveragePooling2D.options, `GlobalAveragePooling2D${config?.name ? ` '${config.name}'` : ''}`);
  }

  outputShape(inShape: Shape): number[] {
    const [, , C] = this.needImage(inShape);
    return [C];
  }

  override work(B: number): number { return 2 * B * this.inSize; }

  forward(k: Kernels, r: LayerRun): void {
    const [H, W, C] = this.inShape as [number, number, number];
    k.global_avgpool_forward(r.y, r.x, r.B, H * W, C);
  }

  backward(k: Kernels, r: LayerRun): void {
    const [H, W, C] = this.inShape as [number, number, number];
    if (r.dx !== 0) k.global_avgpool_backward(r.dx, r.dy, r.B, H * W, C);
  }

  getConfig(): Record<string, unknown> { return {}; }
}
