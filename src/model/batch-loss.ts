// A batch given in JS (x [B·inSize], labels i32 [B]): its loss and gradients, for tests and
// gradient checks (Sequential.lossAndGradients, Sequential.lossOf). Not the training path.

import { formatShape, product } from '../layers/layer.js';
import type { Plan } from './plan.js';
import type { Sequential } from './sequential.js';

/**
 * Loss (mean over the batch, f64 sum / B) and, on request, all gradients for one batch
 * given in JS (x [B·inSize], labels i32 [B]). Training-mode forward. For tests and gradient checks.
 */
export function lossAndGradients(model: Sequential, x: Float32Array, labels: Int32Array, options: { inputGradient?: boolean } = {}): {
  loss: number; logits: Float32Array; grads: Map<string, Float32Array>; inputGradient?: Float32Array;
} {
  const B = checkBatch(model, x, labels);
  const plan = model.plan(B, options.inputGradient ? 'grad' : 'train');
  model.setBatch(plan, B);
  stage(model, plan, x, labels);
  const sum = model.executor.gradientStep(plan);
  const f32 = model.f32();
  const grads = new Map(model.getGradients().map((g) => [g.name, g.data]));
  const out: { loss: number; logits: Float32Array; grads: Map<string, Float32Array>; inputGradient?: Float32Array } = {
    loss: sum / B, logits: f32.slice(plan.logits >> 2, (plan.logits >> 2) + B * model.numClasses), grads,
  };
  if (options.inputGradient) {
    const inSize = x.length / B;
    const g = new Float32Array(x.length);
    for (let r = 0; r < B; r++) {
      const at = (plan.dx0 >> 2) + r * plan.dx0Row;
      g.set(f32.subarray(at, at + inSize), r * inSize);
    }
    out.inputGradient = g;
  }
  return out;
}

/** Mean loss (inference forward) of one batch given in JS. For tests and gradient checks. */
export function lossOf(model: Sequential, x: Float32Array, labels: Int32Array): number {
  const B = checkBatch(model, x, labels);
  const plan = model.plan(B, 'infer');
  model.setBatch(plan, B);
  stage(model, plan, x, labels);
  return model.inferStep(plan, true) / B;
}

function checkBatch(model: Sequential, x: Float32Array, labels: Int32Array): number {
  const inSize = product(model.inputShape);
  const B = labels.length;
  if (!(x instanceof Float32Array) || x.length !== B * inSize || B === 0) {
    throw new RangeError(`expected ${B} samples of ${formatShape(model.inputShape)} (${B * inSize} floats) for ${B} labels, got ${x?.length}`);
  }
  for (let i = 0; i < B; i++) {
    if (!(labels[i]! >= 0 && labels[i]! < model.numClasses)) {
      throw new RangeError(`label ${labels[i]} at index ${i} is outside [0, ${model.numClasses})`);
    }
  }
  return B;
}

function stage(model: Sequential, plan: Plan, x: Float32Array, labels: Int32Array): void {
  model.f32().set(x, plan.x0 >> 2);
  model.i32().set(labels, plan.labels >> 2);
}
