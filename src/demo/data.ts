// The embedded digits in the form a zoo model takes. The demo has only MNIST digits, so:
// a model trained on a subset of the classes (tanh-binary: 0 and 1) gets that subset, relabelled
// 0..k-1 as the CLI does, and a 32x32x3 model (cifar) gets every digit padded to 32x32 and repeated
// over three channels (digitForInput), the same transform the page applies to a drawn digit.

import type { Dataset } from '../data/dataset.js';
import { subsetByClasses } from '../data/transforms.js';
import { DIGIT_SIDE, digitForInput } from './preprocess.js';
import type { ZooEntry } from '../model/zoo.js';
import type { WorkerFitOptions } from '../browser/protocol.js';

export function digitsForModel(d: Dataset, inputShape: readonly number[], classes?: readonly number[]): Dataset {
  if (d.height !== DIGIT_SIDE || d.width !== DIGIT_SIDE || d.channels !== 1) {
    throw new RangeError(`digitsForModel: expected 28x28x1 digits, got ${d.height}x${d.width}x${d.channels} ('${d.name}')`);
  }
  const subset = classes ? subsetByClasses(d, classes) : d;
  const [H, W, C] = inputShape as [number, number, number];
  if (H === DIGIT_SIDE && W === DIGIT_SIDE && C === 1) return subset;
  const px = DIGIT_SIDE * DIGIT_SIDE;
  const images = new Float32Array(subset.count * H * W * C);
  for (let i = 0; i < subset.count; i++) {
    images.set(digitForInput(subset.images.subarray(i * px, (i + 1) * px), inputShape), i * H * W * C);
  }
  return { ...subset, images, height: H, width: W, channels: C, name: `${subset.name} as ${H}x${W}x${C}` };
}

/**
 * The dataset with its arrays moved into SharedArrayBuffers, when the page may have them (cross-
 * origin isolated); else as it is. Every fit and evaluate call posts its dataset to the trainer
 * worker, and a structured clone of LeNet-5's 25 MB of training images is a copy on the page's
 * main thread (~75 ms measured on the busy 2-core development machine: frames dropped when
 * training starts). A shared buffer is posted without a copy, so the page copies once, here, while
 * it is idle.
 */
export function inSharedMemory(d: Dataset): Dataset {
  if (typeof SharedArrayBuffer === 'undefined' || (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== true) return d;
  const images = new Float32Array(new SharedArrayBuffer(d.images.byteLength));
  images.set(d.images);
  const labels = new Int32Array(new SharedArrayBuffer(d.labels.byteLength));
  labels.set(d.labels);
  return { ...d, images, labels };
}

/**
 * The worker fit options the page trains a zoo model with: the recipe's batch size and input
 * normalization (fast and simple standardize, and their models carry the statistics to predict
 * on drawn digits), 10% held out for the validation curve, seed 1.
 */
export function demoFitOptions(entry: Pick<ZooEntry, 'recipe'>, epochs: number): WorkerFitOptions {
  return {
    epochs, batchSize: entry.recipe.batchSize, validationSplit: 0.1, seed: 1,
    ...(entry.recipe.normalize !== undefined ? { normalize: entry.recipe.normalize } : {}),
  };
}
