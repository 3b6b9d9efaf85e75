// Input normalization a model carries with it (saved in the model file, applied by fit, evaluate
// and predict to the data they stage), and the statistics it is fitted from. Browser-safe.
//
// 'standardize': x' = (x − mean[c]) / std[c] per input channel c (the last axis of an image
// input; a vector input is one channel). The statistics are per channel over every value of
// the training data, population std (÷ N), accumulated in f64. A constant channel (std 0) is
// stored with std 0 and divided by 1, so it becomes 0 rather than NaN.

import { shown } from '../util/format.js';

export interface Normalization {
  type: 'standardize';
  /** Per channel, length = the model's input channels. */
  mean: number[];
  /** Per channel population standard deviation, ≥ 0 (0: constant channel, divided by 1). */
  std: number[];
}

/** Channels a normalization of a model with this input shape has: C for [H, W, C], 1 for [F]. */
export function inputChannels(inputShape: readonly number[]): number {
  return inputShape.length === 3 ? inputShape[2]! : 1;
}

/** Per-channel mean and population std of NHWC `images` with C channels (value i is channel i % C). */
export function standardizeStats(images: Float32Array, C: number): Normalization {
  const n = images.length / C;
  if (!Number.isInteger(n) || n === 0) {
    throw new RangeError(`standardizeStats: ${images.length} values are not a non-empty whole number of ${C}-channel pixels`);
  }
  const sum = new Float64Array(C);
  for (let i = 0; i < images.length; i++) sum[i % C]! += images[i]!;
  const mean = Array.from(sum, (s) => s / n);
  const sq = new Float64Array(C);
  for (let i = 0; i < images.length; i++) {
    const t = images[i]! - mean[i % C]!;
    sq[i % C]! += t * t;
  }
  return { type: 'standardize', mean, std: Array.from(sq, (s) => Math.sqrt(s / n)) };
}

/**
 * `n` checked as a Normalization for `channels` input channels, copied (so a caller's later edit
 * does not change the model). Throws naming `where`, the field and what is expected.
 */
export function checkNormalization(n: unknown, channels: number, where: string): Normalization {
  const o = n as Partial<Normalization> | null;
  if (o === null || typeof o !== 'object' || Array.isArray(o)) {
    throw new TypeError(`${where}: normalization must be { type: 'standardize', mean: number[], std: number[] }, got ${shown(n)}`);
  }
  if (o.type !== 'standardize') throw new RangeError(`${where}: normalization type must be 'standardize', got ${shown(o.type)}`);
  for (const key of ['mean', 'std'] as const) {
    const a = o[key];
    if (!Array.isArray(a) || a.length !== channels) {
      throw new RangeError(`${where}: normalization ${key} must be an array of ${channels} number${channels === 1 ? '' : 's'} ` +
        `(one per input channel), got ${shown(a)}`);
    }
    a.forEach((v, c) => {
      const ok = typeof v === 'number' && Number.isFinite(v) && (key === 'mean' || v >= 0);
      if (!ok) throw new RangeError(`${where}: normalization ${key}[${c}] is ${shown(v)}; expected a finite number${key === 'std' ? ' ≥ 0' : ''}`);
    });
  }
  return { type: 'standardize', mean: [...o.mean!], std: [...o.std!] };
}
