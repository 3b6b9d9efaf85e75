// Shared helpers for the model/train/io tests (not a test file itself).
import type { Dataset } from '../../src/data/dataset.js';
import { makeRng } from '../helpers/rng.js';
import type { Sequential } from '../../src/model/sequential.js';
import type { RefLayer } from '../reference/sequential.js';

/** A seeded synthetic image dataset: class c = a fixed random template + noise (learnable, not trivial). */
export function synthDataset(n: number, shape: [number, number, number], numClasses: number, seed: number, noise = 0.5): Dataset {
  const rng = makeRng(seed);
  const S = shape[0] * shape[1] * shape[2];
  const templates = Array.from({ length: numClasses }, () => Float32Array.from({ length: S }, () => rng()));
  const images = new Float32Array(n * S);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(rng() * numClasses);
    labels[i] = c;
    for (let j = 0; j < S; j++) images[i * S + j] = (1 - noise) * templates[c]![j]! + noise * rng();
  }
  return { name: `synthetic ${shape.join('x')} x${n}`, images, labels, count: n, height: shape[0], width: shape[1], channels: shape[2], numClasses };
}

/** Copies the model's current weights (as f64) into the reference layers, in layer order. */
export function copyWeightsToRef(model: Sequential, ref: RefLayer[]): void {
  const w = new Map(model.getWeights().map((t) => [t.name, t.data]));
  let r = 0;
  for (const l of model.layers) {
    if (l.type === 'Softmax') continue; // fused with the loss: the reference ends at the logits
    const rl = ref[r++]!;
    if (rl.kind === 'conv' || rl.kind === 'dense') {
      rl.w = Float64Array.from(w.get(`${l.name}/kernel`)!);
      rl.b = Float64Array.from(w.get(`${l.name}/bias`)!);
    }
  }
}

/** Largest |a − b| / scale and the index where it happens. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): { diff: number; at: number } {
  let diff = 0;
  let at = -1;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (d > diff) { diff = d; at = i; }
  }
  return { diff, at };
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}
