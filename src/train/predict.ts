// predict over a compiled Sequential: softmax probabilities and argmax classes.

import type { Sequential } from '../model/sequential.js';
import type { Dataset } from '../data/dataset.js';
import { checkPositiveInt, formatShape, product } from '../layers/layer.js';
import type { ThreadsOption } from '../pool/pool.js';
import { withThreads } from './with-threads.js';
import { checkFinite, checkImagesFit, checkWeightsFinite } from './checks.js';
import { stage } from './staging.js';

export interface PredictOptions {
  batchSize?: number;
  /** Threads for this call (default: the model's). */
  threads?: ThreadsOption;
}

export interface Prediction {
  /** [count, numClasses] softmax probabilities. */
  probabilities: Float32Array;
  /** [count] argmax class. */
  classes: Int32Array;
}

export function predict(model: Sequential, input: Float32Array | Dataset, options: PredictOptions = {}): Prediction {
  return withThreads(model, options?.threads, () => predictOn(model, input, options));
}

function predictOn(model: Sequential, input: Float32Array | Dataset, options: PredictOptions): Prediction {
  checkWeightsFinite(model, 'predict');
  const inSize = product(model.inputShape);
  let images: Float32Array;
  if (input instanceof Float32Array) {
    if (input.length === 0 || input.length % inSize !== 0) {
      throw new RangeError(`predict: got ${input.length} floats, which is not a whole number of samples of ` +
        `${formatShape(model.inputShape)} (${inSize} floats each)`);
    }
    images = input;
    checkFinite(images, inSize, 'predict', 'input');
  } else {
    checkImagesFit(model, input, 'predict'); // labels are not needed (nor checked) to predict
    images = input.images;
  }
  const n = images.length / inSize;
  const B = Math.min(checkPositiveInt(options.batchSize ?? 256, 'batchSize', 'predict'), n);
  const plan = model.planAtLeast(B, 'infer');
  const s = stage(model, 'predict', images, undefined, n);
  const N = model.numClasses;
  const probabilities = new Float32Array(n * N);
  const classes = new Int32Array(n);
  const k = model.k;
  for (let start = 0; start < n; start += B) {
    const b = Math.min(B, n - start);
    model.setBatch(plan, b);
    k.gather_rows(plan.x0, s.images, s.index + 4 * start, b, inSize);
    model.inferStep(plan, false);
    const f32 = model.f32();
    const i32 = model.i32();
    const pp = plan.probs >> 2;
    for (let j = 0; j < b * N; j++) probabilities[start * N + j] = f32[pp + j]!;
    for (let r = 0; r < b; r++) classes[start + r] = i32[(plan.pred >> 2) + r]!;
  }
  return { probabilities, classes };
}
