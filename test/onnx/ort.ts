// onnxruntime-web in Node (its wasm backend: no native binary), one thread, and helpers to run an
// exported model and to give a model seeded random weights (biases too, so a misplaced bias shows).

import * as ort from 'onnxruntime-web';
import type { Sequential } from '../../src/model/sequential.js';
import { BatchNormalization, Conv2D, Dense, ELU, GlobalAveragePooling2D, LeakyReLU, type Layer } from '../../src/layers/index.js';
import { makeRng } from '../helpers/rng.js';

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

export { ort };

/** Runs `bytes` on one input [B, ...shape] and returns the named output's values and dims. */
export async function runOnnx(bytes: Uint8Array, x: Float32Array, dims: number[], inputName = 'input', outputName = 'probabilities'):
  Promise<{ data: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const out = await session.run({ [inputName]: new ort.Tensor('float32', x, dims) });
    const t = out[outputName];
    if (t === undefined) throw new Error(`the model has no output '${outputName}' (has ${Object.keys(out).join(', ')})`);
    return { data: t.data as Float32Array, dims: t.dims };
  } finally {
    await session.release();
  }
}

/** Largest |a[i] − b[i]|. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} ≠ ${b.length}`);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

/**
 * Seeded weights: kernels keep their initialiser's scale times `gain` (random sign flips mixed
 * in), biases (and batch-norm β) uniform in [−0.2, 0.2]; batch-norm γ in [0.5, 1.5], running
 * means in [−0.5, 0.5], running variances in [0.5, 2]. Larger logits than a fresh init, so rows
 * differ clearly.
 */
export function randomizeWeights(model: Sequential, seed: number, gain = 1.5): void {
  const rng = makeRng(seed);
  const uniform = (lo: number, hi: number) => () => lo + (hi - lo) * rng();
  const draw = (name: string): ((v: number) => number) => {
    if (name.endsWith('/bias') || name.endsWith('/beta')) return uniform(-0.2, 0.2);
    if (name.endsWith('/gamma')) return uniform(0.5, 1.5);
    if (name.endsWith('/moving_mean')) return uniform(-0.5, 0.5);
    if (name.endsWith('/moving_variance')) return uniform(0.5, 2);
    return (v) => gain * v * (rng() < 0.5 ? -1 : 1) + 0.01 * (rng() - 0.5);
  };
  model.setWeights(model.getWeights().map((w) => ({ name: w.name, data: Float32Array.from(w.data, draw(w.name)) })));
}

/** A model of the layers of the second round: batch norm (three ways), global average pooling, leaky ReLU, ELU. */
export function secondRoundLayers(): Layer[] {
  return [
    new BatchNormalization({ epsilon: 0.01 }),                // first, on the NHWC input
    new Conv2D({ filters: 6, kernelSize: 3, padding: 'same' }),
    new BatchNormalization({ center: false }),
    new LeakyReLU({ alpha: 0.2 }),
    new Conv2D({ filters: 5, kernelSize: 3, strides: 2 }),
    new ELU({ alpha: 0.7 }),
    new GlobalAveragePooling2D(),
    new Dense({ units: 8 }),
    new BatchNormalization({ scale: false, momentum: 0.9 }), // on a vector
    new ELU(),
    new Dense({ units: 4 }),
  ];
}

/** Seeded inputs in [0, 1). */
export function randomImages(seed: number, n: number): Float32Array {
  const rng = makeRng(seed);
  return Float32Array.from({ length: n }, () => rng());
}
