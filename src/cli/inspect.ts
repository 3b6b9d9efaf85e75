// Looking inside a trained model for the report: the first conv layer's filters, one image's
// activations after that layer, and the misclassified test images.
//
// Activations are read through the model's own inference plan for batch size 1 (one that keeps
// every layer's output, not the lean one whose buffers later layers reuse): stage the image
// at plan.x0, run the forward pass, and copy the chosen layer's output (plan.runs[j].y, NHWC with
// B = 1, i.e. [H][W][C]). Conv2D applies its activation in place, so this is conv + activation.

import type { Sequential } from '../model/sequential.js';
import { Conv2D } from '../layers/conv2d.js';
import { product } from '../layers/layer.js';
import type { Dataset } from '../data/dataset.js';
import { imageSize } from '../data/dataset.js';
import type { FeatureMaps, FilterWeights, MisclassifiedImages } from '../report/types.js';

/** Index of the first Conv2D layer, or -1. */
export function firstConvIndex(model: Sequential): number {
  return model.layers.findIndex((l) => l instanceof Conv2D);
}

/** The first conv layer's HWIO kernel (a copy), or undefined when the model has no conv layer. */
export function firstConvFilters(model: Sequential): FilterWeights | undefined {
  const j = firstConvIndex(model);
  if (j < 0) return undefined;
  const layer = model.layers[j]!;
  const kernel = layer.params.find((p) => p.name.endsWith('/kernel'))!;
  const [KH, KW, C, OC] = kernel.shape as [number, number, number, number];
  return { data: model.paramData(kernel.name).slice(), KH, KW, C, OC };
}

/**
 * Output of layer `j` for one input image (a copy, [H][W][C] or [N]). Uses the model's batch-1
 * inference plan (planned on first use; later calls reuse it).
 */
export function layerOutput(model: Sequential, image: Float32Array, j: number): Float32Array {
  if (!(j >= 0 && j < model.stackSize)) throw new RangeError(`layerOutput: layer ${j} is not one of the model's ${model.stackSize} layers`);
  const inSize = product(model.inputShape);
  if (image.length !== inSize) throw new RangeError(`layerOutput: the image has ${image.length} values, the model takes ${inSize}`);
  const plan = model.plan(1, 'infer', true); // keeps every layer's output (no ping-pong)
  model.setBatch(plan, 1);
  model.f32().set(image, plan.x0 >> 2);
  model.input.apply(plan.x0, inSize); // as predict sees it: after the model's normalization
  model.forwardPlan(plan, false);
  const y = plan.runs[j]!.y >> 2;
  return model.f32().slice(y, y + model.layers[j]!.outSize);
}

/** The first conv layer's activations for test image `index` of `data`, titled for the report. */
export function firstConvFeatureMaps(model: Sequential, data: Dataset, index: number): FeatureMaps | undefined {
  const j = firstConvIndex(model);
  if (j < 0 || data.count === 0) return undefined;
  const i = Math.min(index, data.count - 1);
  const size = imageSize(data);
  const out = layerOutput(model, data.images.subarray(i * size, (i + 1) * size), j);
  const layer = model.layers[j] as Conv2D;
  const [H, W, C] = layer.outShape as [number, number, number];
  const label = data.classNames?.[data.labels[i]!] ?? String(data.labels[i]);
  return { data: out, H, W, C, title: `${layer.name} + ${layer.activation}, test image ${i} (label ${label})` };
}

/**
 * The first `max` test images whose predicted class differs from the label, in test-set order,
 * and (as `total`) how many there are in all.
 */
export function misclassified(data: Dataset, predicted: Int32Array, max = 100): MisclassifiedImages {
  const size = imageSize(data);
  const idx: number[] = [];
  let total = 0;
  for (let i = 0; i < data.count; i++) {
    if (predicted[i] === data.labels[i]) continue;
    total++;
    if (idx.length < max) idx.push(i);
  }
  const images = new Float32Array(idx.length * size);
  idx.forEach((i, k) => images.set(data.images.subarray(i * size, (i + 1) * size), k * size));
  return {
    images, height: data.height, width: data.width, channels: data.channels,
    predicted: idx.map((i) => predicted[i]!), actual: idx.map((i) => data.labels[i]!), indices: idx, total,
  };
}
