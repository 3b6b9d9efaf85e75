// evaluate over a compiled Sequential (loss, accuracy, confusion matrix), and the batched
// evaluation loop fit uses for its validation data.

import type { Sequential, BatchPlan } from '../model/sequential.js';
import type { Dataset } from '../data/dataset.js';
import { checkPositiveInt, product } from '../layers/layer.js';
import { precisionRecall } from './metrics.js';
import type { ThreadsOption } from '../pool/pool.js';
import { withThreads } from './with-threads.js';
import { checkDataFits, checkWeightsFinite } from './checks.js';
import { stage, type Staged } from './staging.js';

export interface EvaluateOptions {
  batchSize?: number;
  /** Threads for this call (default: the model's). */
  threads?: ThreadsOption;
}

export interface Evaluation {
  loss: number;
  accuracy: number;
  count: number;
  numClasses: number;
  /** confusion[t·numClasses + p] = samples of true class t predicted as p. */
  confusion: Int32Array;
  /** Per class: TP / (TP + FP) and TP / (TP + FN); 0 when the denominator is 0. */
  precision: number[];
  recall: number[];
}

/**
 * Loss sum, correct count and (optionally) the confusion matrix of staged labelled data, in
 * batches of `B` ≤ plan.B rows (the plan may be a larger one reused, see Sequential.planAtLeast).
 */
export function runEval(model: Sequential, plan: BatchPlan, B: number, s: Staged, confusion?: Int32Array): { lossSum: number; correct: number } {
  const k = model.k;
  const inSize = product(model.inputShape);
  const N = model.numClasses;
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < s.count; start += B) {
    const b = Math.min(B, s.count - start);
    model.setBatch(plan, b);
    const idx = s.index + 4 * start;
    k.gather_rows(plan.x0, s.images, idx, b, inSize);
    k.gather_rows(plan.labels, s.labels, idx, b, 1);
    lossSum += model.inferStep(plan, true);
    const i32 = model.i32();
    const pl = plan.labels >> 2;
    const pp = plan.pred >> 2;
    for (let r = 0; r < b; r++) {
      const t = i32[pl + r]!;
      const p = i32[pp + r]!;
      if (t === p) correct++;
      if (confusion) confusion[t * N + p]!++;
    }
  }
  return { lossSum, correct };
}

export function evaluate(model: Sequential, data: Dataset, options: EvaluateOptions = {}): Evaluation {
  return withThreads(model, options?.threads, () => evaluateOn(model, data, options));
}

function evaluateOn(model: Sequential, data: Dataset, options: EvaluateOptions): Evaluation {
  checkWeightsFinite(model, 'evaluate');
  checkDataFits(model, data, 'evaluate');
  const B = Math.min(checkPositiveInt(options.batchSize ?? 256, 'batchSize', 'evaluate'), data.count);
  const plan = model.planAtLeast(B, 'infer');
  const st = { ...stage(model, 'eval', data.images, data.labels, data.count), count: data.count };
  const N = model.numClasses;
  const confusion = new Int32Array(N * N);
  const { lossSum, correct } = runEval(model, plan, B, st, confusion);
  const { precision, recall } = precisionRecall(confusion, N);
  return { loss: lossSum / data.count, accuracy: correct / data.count, count: data.count, numClasses: N, confusion, precision, recall };
}
