// Defect: ReduceLROnPlateau and EarlyStopping start every fit with best = ∞ and wait = 0, also a
// resumed one (fit({ resume: true }), train --resume). lrScale was saved, but the plateau count
// was not: a resumed run's first epoch always "improved", so it reduced the learning rate (or
// stopped) on other epochs than a straight run, and 2 + 2 resumed epochs did not give the bits of
// 4 straight with --reduce-lr-on-plateau or --early-stopping. Their best and wait now travel
// with the training state (model.callbackState, saved in the file) and a resumed fit picks them
// up. The losses are crafted (a callback placed first overwrites them, keyed by the model's epoch),
// so the epochs where the straight run reduces are known: 2 and 3.
import { beforeAll, describe, expect, it } from 'vitest';
import { getRuntime } from '../helpers/runtime.js';
import { Sequential } from '../../src/model/sequential.js';
import { Dense, Flatten } from '../../src/layers/index.js';
import { EarlyStopping, ReduceLROnPlateau, type Callback } from '../../src/train/callbacks.js';
import { deserialize, modelFromSerialized, serialize } from '../../src/io/model-io.js';
import { encodeModel } from '../../src/io/format.js';
import { synthDataset } from '../model/util.js';
import type { Runtime } from '../../src/runtime/load.js';

let rt: Runtime;
beforeAll(async () => { rt = await getRuntime(); });
const data = synthDataset(64, [4, 4, 1], 3, 1);
const make = () => new Sequential([new Flatten(), new Dense({ units: 3 })]).compileWith(rt, { inputShape: [4, 4, 1], seed: 4, optimizer: { type: 'adam', lr: 0.01 } });
const losses = [1, 0.9, 0.95, 0.97, 0.99, 1.2];
function crafted(m: Sequential): Callback {
  return { onEpochEnd: (_e, logs) => { logs.loss = losses[m.epochsTrained - 1]!; return undefined; } };
}
const bits = (m: Sequential) => m.getWeights().map((w) => Array.from(new Uint32Array(w.data.slice().buffer)));

describe('plateau counters across a resume', () => {
  it('ReduceLROnPlateau: 2 + save/load + 2 resumed epochs = 4 straight (reductions, lrScale and weights)', async () => {
    const opts = { batchSize: 16 };
    const straight = make();
    const r0 = new ReduceLROnPlateau({ monitor: 'loss', patience: 1, factor: 0.5 });
    await straight.fit(data, { ...opts, epochs: 4, callbacks: [crafted(straight), r0] });
    expect(r0.reductions).toEqual([2, 3]);

    const first = make();
    await first.fit(data, { ...opts, epochs: 2, callbacks: [crafted(first), new ReduceLROnPlateau({ monitor: 'loss', patience: 1, factor: 0.5 })] });
    const s = deserialize(serialize(first, { trainingState: true }), 'leg1.simdnet');
    const second = await modelFromSerialized(deserialize(encodeModel(s.topology, s.weights, s.training), 'leg1.simdnet'), { runtime: rt });
    const r1 = new ReduceLROnPlateau({ monitor: 'loss', patience: 1, factor: 0.5 });
    await second.fit(data, { ...opts, epochs: 2, resume: true, callbacks: [crafted(second), r1] });
    expect(r1.reductions, 'fit epochs 0 and 1 of the resumed leg are epochs 2 and 3').toEqual([0, 1]);
    expect(second.optimizer.lrScale).toBe(straight.optimizer.lrScale);
    expect(bits(second)).toEqual(bits(straight));
  });

  it('EarlyStopping: a resumed run stops on the epoch a straight one does; a fresh fit starts counting again', async () => {
    const straight = make();
    const e0 = new EarlyStopping({ monitor: 'loss', patience: 3 });
    await straight.fit(data, { batchSize: 16, epochs: 6, callbacks: [crafted(straight), e0] });
    expect(straight.epochsTrained).toBe(5); // best 0.9 at epoch 1; epochs 2, 3, 4 do not improve

    const m = make();
    await m.fit(data, { batchSize: 16, epochs: 3, callbacks: [crafted(m), new EarlyStopping({ monitor: 'loss', patience: 3 })] });
    const e1 = new EarlyStopping({ monitor: 'loss', patience: 3 });
    await m.fit(data, { batchSize: 16, epochs: 3, resume: true, callbacks: [crafted(m), e1] });
    expect(m.epochsTrained).toBe(5);
    expect(e1.best).toBe(0.9);
    expect(bits(m)).toEqual(bits(straight));

    const fresh = new EarlyStopping({ monitor: 'loss', patience: 3 });
    await m.fit(data, { batchSize: 16, epochs: 1, callbacks: [crafted(m), fresh] }); // not a resume: counts from scratch
    expect(fresh.best).toBe(1.2);
  });
});
