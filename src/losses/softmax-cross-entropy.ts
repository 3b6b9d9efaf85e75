// Softmax cross-entropy on logits with integer labels (Keras SparseCategoricalCrossentropy with
// from_logits = true). The softmax is fused with the loss: a final Softmax layer (or a last
// Dense with activation 'softmax') is skipped in training and the loss runs on its input.
//
//   loss  = (1/B) Σ_r −log softmax(z_r)[label_r]
//   dz    = (softmax(z) − onehot(label)) / B          (the 1/B scale seeds backward, as llm.c)
//
// One kernel call (softmax_xent) computes the f64 loss sum, the gradient and, when asked, the
// probabilities. `Loss` is the interface a second loss (e.g. MSE) would implement.

import type { Kernels } from '../runtime/abi.js';
import { shown } from '../util/format.js';

export interface Loss {
  readonly type: string;
  /**
   * Returns the loss SUM over `rows` (f64). Writes dz = ∂(sum·scale)/∂z when dz ≠ 0 and the
   * probabilities when p ≠ 0. labels: i32[rows].
   */
  compute(k: Kernels, p: number, dz: number, z: number, labels: number, rows: number, N: number, scale: number): number;
}

export class SoftmaxCrossEntropy implements Loss {
  static readonly type = 'softmaxCrossEntropy';
  readonly type = SoftmaxCrossEntropy.type;

  compute(k: Kernels, p: number, dz: number, z: number, labels: number, rows: number, N: number, scale: number): number {
    return k.softmax_xent(p, dz, z, labels, rows, N, scale);
  }
}

const ALIASES: Record<string, () => Loss> = {
  softmaxCrossEntropy: () => new SoftmaxCrossEntropy(),
  sparseCategoricalCrossentropy: () => new SoftmaxCrossEntropy(),
  sparse_categorical_crossentropy: () => new SoftmaxCrossEntropy(),
  categoricalCrossentropy: () => new SoftmaxCrossEntropy(),
  categorical_crossentropy: () => new SoftmaxCrossEntropy(),
};

export function makeLoss(spec: string | Loss | undefined): Loss {
  if (spec === undefined) return new SoftmaxCrossEntropy();
  if (typeof spec === 'object' && spec !== null && typeof spec.compute === 'function') return spec;
  if (typeof spec === 'string' && Object.prototype.hasOwnProperty.call(ALIASES, spec)) return ALIASES[spec]!();
  throw new TypeError(`loss must be one of ${Object.keys(ALIASES).map((a) => `'${a}'`).join(', ')} (labels are class indices), got ${shown(spec)}`);
}
