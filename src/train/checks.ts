// What fit, evaluate and predict check before any work: data that fits
// the model (shape, finite values, labels in range), and weights that are finite.

import type { Sequential } from '../model/sequential.js';
import { imageSize, type Dataset } from '../data/dataset.js';
import { checkDataset } from '../data/transforms.js';
import { formatShape, product } from '../layers/layer.js';

/** Index of the first NaN or infinity in a[from, to), or -1. */
function firstNonFinite(a: Float32Array, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    const v = a[i]!;
    if (v - v !== 0) return i; // v - v is 0 exactly for finite v
  }
  return -1;
}

/** Throws unless every value of `images` is finite, naming the first sample and value that is not. */
export function checkFinite(images: Float32Array, inSize: number, where: string, name: string): void {
  const i = firstNonFinite(images, 0, images.length);
  if (i >= 0) {
    const v = images[i]!;
    throw new RangeError(`${where}: sample ${Math.floor(i / inSize)} of '${name}' has a ${Number.isNaN(v) ? 'NaN' : String(v)} ` +
      `at value ${i % inSize} of ${inSize}; inputs must be finite numbers`);
  }
}

/** The first parameter tensor with a non-finite value, as "name[index] = value", or undefined. */
export function nonFiniteParam(model: Sequential): string | undefined {
  // In wasm (SIMD: 64 floats a branch): predict checks on every call, and at batch 1 a JS loop
  // over LeNet-5's 62k weights took longer than the forward pass itself.
  for (const v of model.paramViews()) {
    const i = model.k.first_nonfinite(v.value, v.size);
    if (i >= 0) return `${v.name}[${i}] = ${model.f32()[(v.value >> 2) + i]}`;
  }
  return undefined;
}

/**
 * Throws unless `d` is a consistent, non-empty Dataset whose images fit the model's input: the
 * same [H, W, C] for an image input, the same number of values per sample for a flat one.
 */
export function checkImagesFit(model: Sequential, d: Dataset, where: string): void {
  checkDataset(d, where);
  const want = model.inputShape;
  const got = [d.height, d.width, d.channels];
  const ok = want.length === 3 ? want.every((v, i) => v === got[i]) : product(want) === imageSize(d);
  if (!ok) {
    throw new RangeError(`${where}: dataset '${d.name}' has images ${formatShape(got)} but model '${model.name}' expects input ` +
      `${formatShape(want)}${want.length === 1 ? ` (${want[0]} values per sample)` : ''}`);
  }
  if (d.count === 0) throw new RangeError(`${where}: dataset '${d.name}' is empty`);
  checkFinite(d.images, imageSize(d), where, d.name);
}

/** Throws unless `d` is a consistent Dataset whose images fit the model and whose labels are class indices it outputs. */
export function checkDataFits(model: Sequential, d: Dataset, where: string): void {
  checkImagesFit(model, d, where);
  const N = model.numClasses;
  for (let i = 0; i < d.count; i++) {
    const y = d.labels[i]!;
    if (y >= N) {
      throw new RangeError(`${where}: label ${y} of sample ${i} in '${d.name}' is outside [0, ${N}): model '${model.name}' outputs ${N} class scores`);
    }
  }
}

/** Throws when the model's weights hold a NaN or an infinity (a diverged model predicts nothing). */
export function checkWeightsFinite(model: Sequential, where: string): void {
  const bad = nonFiniteParam(model);
  if (bad !== undefined) {
    throw new RangeError(`${where}: model '${model.name}' has a non-finite weight (${bad}); it cannot make predictions. ` +
      'Train it again with a lower learning rate');
  }
}
