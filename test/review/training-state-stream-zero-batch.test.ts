// Defect: a model file's training state with stream.batchSize 0 or stream.samples 0 loaded
// (wholeNumber allowed 0), and the damage surfaced only at fit({ resume: true }) as "continues a
// run of 0 training samples in batches of 0". Such a stream cannot come from fit; it is now
// refused on load, naming the file and the field.
import { beforeAll, describe, expect, it } from 'vitest';
import { getRuntime } from '../helpers/runtime.js';
import { Sequential } from '../../src/model/sequential.js';
import { Dense, Flatten } from '../../src/layers/index.js';
import { deserialize, modelFromSerialized, serialize } from '../../src/io/model-io.js';
import { encodeModel } from '../../src/io/format.js';
import { synthDataset } from '../model/util.js';
import type { Runtime } from '../../src/runtime/load.js';

let rt: Runtime;
beforeAll(async () => { rt = await getRuntime(); });

describe('training state stream', () => {
  for (const field of ['batchSize', 'samples'] as const) {
    it(`stream.${field} 0 is refused on load`, async () => {
      const m = new Sequential([new Flatten(), new Dense({ units: 3 })]).compileWith(rt, { inputShape: [4, 4, 1], optimizer: { type: 'adam', lr: 0.01 } });
      await m.fit(synthDataset(32, [4, 4, 1], 3, 1), { epochs: 1, batchSize: 16 });
      const s = deserialize(serialize(m, { trainingState: true }), 'z.simdnet');
      const training = structuredClone(s.training!);
      training.stream![field] = 0;
      await expect(modelFromSerialized(deserialize(encodeModel(s.topology, s.weights, training), 'z.simdnet'), { runtime: rt }))
        .rejects.toThrow(`z.simdnet: training state: stream.${field} must be a whole number in [1, `);
      m.dispose();
    });
  }
});
