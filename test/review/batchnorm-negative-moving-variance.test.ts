// Defect: a model file (or setWeights) with a negative or NaN BatchNormalization moving_variance
// loaded without complaint, and every prediction through that channel was then NaN: predict's
// finite-weights check passes a finite −1, and sqrt(−1 + ε) is NaN. Training cannot produce one
// (a running mean of biased variances), so such a file is damaged; it is now refused on load,
// naming the file, the tensor and the index.
import { beforeAll, describe, expect, it } from 'vitest';
import { getRuntime } from '../helpers/runtime.js';
import { Sequential } from '../../src/model/sequential.js';
import { BatchNormalization, Dense, Flatten } from '../../src/layers/index.js';
import { deserialize, modelFromSerialized, serialize } from '../../src/io/model-io.js';
import { encodeModel, ModelFormatError } from '../../src/io/format.js';
import type { Runtime } from '../../src/runtime/load.js';

let rt: Runtime;
beforeAll(async () => { rt = await getRuntime(); });

describe('BatchNormalization moving_variance below 0', () => {
  for (const bad of [-1, NaN]) {
    it(`${bad} in a file is refused on load, naming the file, tensor and index`, async () => {
      const m = new Sequential([new Flatten(), new Dense({ units: 3 }), new BatchNormalization({ name: 'bn' })])
        .compileWith(rt, { inputShape: [4, 4, 1], optimizer: { type: 'adam', lr: 0.01 } });
      const s = deserialize(serialize(m), 'neg.simdnet');
      const weights = s.weights.map((t) => ({ ...t, data: t.data.slice() }));
      weights.find((t) => t.name === 'bn/moving_variance')!.data[1] = bad;
      const load = modelFromSerialized(deserialize(encodeModel(s.topology, weights), 'neg.simdnet'), { runtime: rt });
      await expect(load).rejects.toThrow(ModelFormatError);
      await expect(modelFromSerialized(deserialize(encodeModel(s.topology, weights), 'neg.simdnet'), { runtime: rt }))
        .rejects.toThrow(`neg.simdnet: setWeights: 'bn/moving_variance'[1] is ${bad}; it must be a number ≥ 0`);
      expect(() => m.setWeights(weights)).toThrow(/'bn\/moving_variance'\[1\]/);
      // The untouched file still loads and predicts finite probabilities.
      const ok = await modelFromSerialized(deserialize(serialize(m), 'ok.simdnet'), { runtime: rt });
      expect(Array.from(ok.predict(new Float32Array(16)).probabilities).every(Number.isFinite)).toBe(true);
      ok.dispose();
      m.dispose();
    });
  }
});
