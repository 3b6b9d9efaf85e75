// Defect: fit set model.trainStream (what fit({ resume: true }) continues) before the callbacks'
// onTrainBegin, which may refuse the run (EarlyStopping on valLoss without validation data, a
// checkpoint path that cannot be written). A refused fit had then replaced the stream of the
// last real run with its own unused one, and the next resume continued the wrong shuffle
// stream. A fit refused before its first step now leaves the stream as it was: 1 epoch, a
// refused fit, 1 resumed epoch = 2 straight epochs, to the bit.
import { beforeAll, describe, expect, it } from 'vitest';
import { getRuntime } from '../helpers/runtime.js';
import { Sequential } from '../../src/model/sequential.js';
import { Dense, Flatten } from '../../src/layers/index.js';
import { EarlyStopping } from '../../src/train/callbacks.js';
import { synthDataset } from '../model/util.js';
import type { Runtime } from '../../src/runtime/load.js';

let rt: Runtime;
beforeAll(async () => { rt = await getRuntime(); });
const data = synthDataset(64, [4, 4, 1], 3, 1);
const make = () => new Sequential([new Flatten(), new Dense({ units: 3 })]).compileWith(rt, { inputShape: [4, 4, 1], seed: 9, optimizer: { type: 'sgd', lr: 0.05 } });

describe('a fit refused by a callback', () => {
  it('does not replace the stream the next resume continues', async () => {
    const straight = make();
    await straight.fit(data, { epochs: 2, batchSize: 16 });
    const m = make();
    await m.fit(data, { epochs: 1, batchSize: 16 });
    const stream = { ...m.trainStream! };
    await expect(m.fit(data, { epochs: 1, batchSize: 8, seed: 123, callbacks: [new EarlyStopping()] })).rejects.toThrow(/monitors valLoss but fit has no validation data/);
    expect(m.trainStream).toEqual(stream);
    await m.fit(data, { epochs: 1, batchSize: 16, resume: true });
    expect(Array.from(m.getWeights()[0]!.data)).toEqual(Array.from(straight.getWeights()[0]!.data));
  });
});
