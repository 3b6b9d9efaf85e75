// What a model does to its inputs before the first layer: the optional normalization
// (src/model/normalization.ts), kept in wasm memory as three f32[C] rows for the kernels:
//   mean, std (0 stored as 1: a constant channel is only shifted), fill = the normalized value of
//   a blank (0) input pixel, which shift augmentation writes where an image moved away.
// Applied once to every dataset fit, evaluate and predict stage (standardize_channels, in place),
// never per step.

import type { Kernels } from '../runtime/abi.js';
import { checkNormalization, inputChannels, standardizeStats, type Normalization } from './normalization.js';

export interface TransformHost {
  readonly k: Kernels;
  readonly inputShape: number[];
  slot(role: string, bytes: number): number;
  f32(): Float32Array;
}

export class InputTransform {
  private current: Normalization | undefined;
  /** The three f32[C] rows (mean, std, fill), allocated on first use. */
  private rows = 0;
  readonly channels: number;

  constructor(private readonly host: TransformHost) {
    this.channels = inputChannels(host.inputShape);
  }

  get normalization(): Normalization | undefined {
    return this.current === undefined ? undefined : { type: this.current.type, mean: [...this.current.mean], std: [...this.current.std] };
  }

  set(n: Normalization | undefined, where: string): void {
    if (n === undefined) {
      this.current = undefined;
      if (this.rows !== 0) this.host.f32().fill(0, (this.rows >> 2) + 2 * this.channels, (this.rows >> 2) + 3 * this.channels);
      return;
    }
    const checked = checkNormalization(n, this.channels, where);
    const C = this.channels;
    const at = this.fillRows() >> 2;
    const f32 = this.host.f32();
    for (let c = 0; c < C; c++) {
      const m = Math.fround(checked.mean[c]!);
      const s = Math.fround(checked.std[c]!) === 0 ? 1 : Math.fround(checked.std[c]!);
      f32[at + c] = m;
      f32[at + C + c] = s;
      f32[at + 2 * C + c] = (0 - m) / s; // f32 ÷ f32 in f64, then rounded: the kernel's f32 division
    }
    this.current = checked;
  }

  /** Fits 'standardize' statistics to `images` (the model's input layout) and sets them. */
  adapt(images: Float32Array, where: string): Normalization {
    this.set(standardizeStats(images, this.channels), where);
    return this.normalization!;
  }

  /** Normalizes n values at byte offset `ptr` in place (nothing when the model has no normalization). */
  apply(ptr: number, n: number): void {
    if (this.current === undefined) return;
    const at = this.rows;
    this.host.k.standardize_channels(ptr, ptr, n, this.channels, at, at + 4 * this.channels);
  }

  /** Byte offset of fill[C]: what a blank pixel becomes (0 without a normalization). */
  fillPtr(): number {
    return this.fillRows() + 8 * this.channels;
  }

  private fillRows(): number {
    if (this.rows === 0) {
      this.rows = this.host.slot('input normalization', 12 * this.channels);
      this.host.f32().fill(0, this.rows >> 2, (this.rows >> 2) + 3 * this.channels);
    }
    return this.rows;
  }
}
