// Callbacks (src/train/callbacks.ts): EarlyStopping on crafted loss sequences (stops at the right
// epoch, minDelta, restores the best epoch's weights bit for bit), ReduceLROnPlateau's lrScale
// steps, ModelCheckpoint's epochs, and fit's hooks (order, complete epochs only, clear errors).
// A crafted sequence is written into the epoch logs by a callback placed first, so the callbacks
// under test see exactly the values the test chose while a real model trains.
import { beforeAll, describe, expect, it } from 'vitest';
import { getRuntime } from '../helpers/runtime.js';
import { Sequential } from '../../src/model/sequential.js';
import { Conv2D } from '../../src/layers/conv2d.js';
import { MaxPool2D } from '../../src/layers/pool2d.js';
import { Dense } from '../../src/layers/dense.js';
import { Flatten } from '../../src/layers/flatten.js';
import { loadEmbeddedMnist } from '../../src/data/mnist-node.js';
import { take } from '../../src/data/transforms.js';
import type { Dataset } from '../../src/data/dataset.js';
import { EarlyStopping, ModelCheckpoint, ReduceLROnPlateau, type Callback, type CallbackContext } from '../../src/train/callbacks.js';
import type { EpochLogs } from '../../src/train/fit-options.js';
import { expectBitIdentical } from '../helpers/compare.js';

let mnist: Dataset;
beforeAll(async () => {
  mnist = take((await loadEmbeddedMnist({ trainCount: 200, testCount: 10 })).train, 120);
});

async function model(seed = 1, lr = 2e-3): Promise<Sequential> {
  const m = new Sequential([
    new Conv2D({ filters: 4, kernelSize: 5, activation: 'relu' }), new MaxPool2D({ poolSize: 2 }),
    new Flatten(), new Dense({ units: 10 }),
  ]);
  m.compileWith(await getRuntime(), { inputShape: [28, 28, 1], optimizer: { type: 'adam', lr }, seed });
  return m;
}

/** A callback that overwrites logs.valLoss (and loss) with the given sequence, epoch by epoch. */
function crafted(valLoss: number[]): Callback {
  return { onEpochEnd: (e: number, logs: EpochLogs) => { logs.valLoss = valLoss[e]!; logs.loss = valLoss[e]!; return undefined; } };
}

const logsOf = (v: number): EpochLogs => ({ epoch: 0, loss: v, accuracy: 0, valLoss: v, valAccuracy: 0, imagesPerSecond: 0, seconds: 0 });

/** Drives a callback over a sequence without a model (for the bookkeeping alone). */
function drive(cb: Callback, seq: number[], ctx: CallbackContext): number {
  cb.onTrainBegin?.(ctx);
  for (let e = 0; e < seq.length; e++) if (cb.onEpochEnd?.(e, logsOf(seq[e]!), ctx) === 'stop') return e;
  return -1;
}

describe('EarlyStopping', () => {
  const ctx = { model: undefined as never, epochs: 100, hasValidation: true };
  // best: 1.0 (e0), 0.9 (e1), 0.89 (e4); no better after e4
  const seq = [1.0, 0.9, 0.95, 0.91, 0.89, 0.9, 0.92, 0.93, 0.5];

  it('stops after `patience` epochs without improvement (Keras: wait ≥ patience)', () => {
    const at = (patience: number) => drive(new EarlyStopping({ patience }), seq, ctx);
    expect(at(0)).toBe(2); // e2 is the first that does not improve
    expect(at(1)).toBe(2);
    expect(at(2)).toBe(3); // e2, e3 without improvement
    expect(at(3)).toBe(7); // e2, e3 (wait 2), e4 improves, then e5, e6, e7: wait 3
    expect(at(9)).toBe(-1); // e8 (0.5) improves before wait reaches 9: runs to the end
  });

  it('minDelta: an epoch must beat the best by more than minDelta', () => {
    const es = new EarlyStopping({ patience: 2, minDelta: 0.02 });
    // 0.89 is not below 0.9 − 0.02, so e4 does not count: e2, e3 without improvement stop at e3
    expect(drive(es, seq, ctx)).toBe(3);
    expect(es.bestEpoch).toBe(1);
    expect(es.best).toBe(0.9);
    const nan = new EarlyStopping({ patience: 0 });
    expect(drive(nan, [1, Number.NaN], ctx)).toBe(1); // NaN never improves
  });

  it('in fit: stops at the right epoch and restores the best epoch\'s weights bit for bit', async () => {
    const m = await model(2);
    const snapshots: Float32Array[][] = [];
    const es = new EarlyStopping({ patience: 2, restoreBestWeights: true });
    const h = await m.fit(mnist, {
      epochs: 20, batchSize: 32, validationSplit: 0.25,
      onEpochEnd: () => { snapshots.push(m.getWeights().map((w) => w.data)); },
      callbacks: [crafted([1.0, 0.9, 0.95, 0.8, 0.85, 0.81, 0.7]), es],
    });
    // best 0.8 at epoch 3; epochs 4 and 5 do not improve: stop after epoch 5
    expect(es.bestEpoch).toBe(3);
    expect(es.stoppedEpoch).toBe(5);
    expect(h.epoch).toEqual([0, 1, 2, 3, 4, 5]);
    const now = m.getWeights();
    now.forEach((w, i) => expectBitIdentical(w.data, snapshots[3]![i]!, `restored ${w.name}`));
    // The weights did move after epoch 3, so the restore is not vacuous.
    expect(Array.from(snapshots[5]![0]!)).not.toEqual(Array.from(snapshots[3]![0]!));
  });

  it('without restoreBestWeights the model keeps its last weights; without a stop, restore still ends at the best', async () => {
    const m = await model(3);
    let last: Float32Array[] = [];
    await m.fit(mnist, {
      epochs: 4, validationSplit: 0.25, onEpochEnd: () => { last = m.getWeights().map((w) => w.data); },
      callbacks: [crafted([1, 0.5, 0.6, 0.7]), new EarlyStopping({ patience: 5 })],
    });
    m.getWeights().forEach((w, i) => expectBitIdentical(w.data, last[i]!, w.name));

    const r = await model(3);
    const snaps: Float32Array[][] = [];
    const es = new EarlyStopping({ patience: 5, restoreBestWeights: true });
    await r.fit(mnist, {
      epochs: 4, validationSplit: 0.25, onEpochEnd: () => { snaps.push(r.getWeights().map((w) => w.data)); },
      callbacks: [crafted([1, 0.5, 0.6, 0.7]), es],
    });
    expect(es.stoppedEpoch).toBe(-1);
    r.getWeights().forEach((w, i) => expectBitIdentical(w.data, snaps[1]![i]!, w.name));
  });

  it('needs validation data to watch valLoss; checks its options', async () => {
    const m = await model();
    await expect(m.fit(mnist, { callbacks: [new EarlyStopping()] })).rejects.toThrow(/monitors valLoss but fit has no validation data/);
    expect(() => new EarlyStopping({ patience: -1 })).toThrow(/patience must be an integer ≥ 0, got -1/);
    expect(() => new EarlyStopping({ monitor: 'acc' as never })).toThrow(/monitor must be 'valLoss' or 'loss'/);
    await expect(m.fit(mnist, { callbacks: [{}] as never })).rejects.toThrow(/callbacks\[0\] is \{\}; expected an object with onTrainBegin/);
  });
});

describe('ReduceLROnPlateau', () => {
  it('multiplies lrScale by factor after `patience` epochs without improvement, then counts again; never below minLr', () => {
    const opt = { lrScale: 1, peakLr: 0.5 };
    const ctx = { model: { optimizer: opt } as never, epochs: 100, hasValidation: true };
    const cb = new ReduceLROnPlateau({ patience: 1, factor: 0.5, minLr: 0.1 });
    cb.onTrainBegin(ctx);
    const scales: number[] = [];
    for (const [e, v] of [1.0, 0.9, 0.95, 0.96, 0.97, 0.8, 0.85, 0.9, 0.91].entries()) {
      cb.onEpochEnd(e, logsOf(v), ctx);
      scales.push(opt.lrScale);
    }
    // e2: wait 1 → ×0.5; e3: wait 1 again → ×0.5 = 0.25; e4: 0.125 would be lr 0.0625 < minLr 0.1 → 0.1 / 0.5 = 0.2;
    // e5 improves; e6 → floor already reached, stays 0.2
    expect(scales).toEqual([1, 1, 0.5, 0.25, 0.2, 0.2, 0.2, 0.2, 0.2]);
    expect(cb.reductions).toEqual([2, 3, 4]);
  });

  it('in fit: the optimizer\'s next lr follows lrScale', async () => {
    const m = await model(4, 0.01);
    const seen: number[] = [];
    await m.fit(mnist, {
      epochs: 4, validationSplit: 0.25,
      callbacks: [crafted([1, 1, 1, 1]), new ReduceLROnPlateau({ patience: 1, factor: 0.5 }), { onEpochEnd: () => { seen.push(m.optimizer.nextLr); } }],
    });
    expect(seen).toEqual([0.01, 0.005, 0.0025, 0.00125]);
  });
});

describe('ModelCheckpoint', () => {
  it('saves every N complete epochs with the model as it is then', async () => {
    const m = await model(5);
    const saved: { epoch: number; w: Float32Array }[] = [];
    const snaps: Float32Array[] = [];
    const ck = new ModelCheckpoint({ every: 2, save: async (mm, info) => { saved.push({ epoch: info.epoch, w: mm.getWeights()[0]!.data }); } });
    await m.fit(mnist, { epochs: 5, callbacks: [ck], onEpochEnd: () => { snaps.push(m.getWeights()[0]!.data); } });
    expect(saved.map((s) => s.epoch)).toEqual([1, 3]);
    expect(ck.saved).toEqual([1, 3]);
    expectBitIdentical(saved[0]!.w, snaps[1]!, 'epoch 2');
    expectBitIdentical(saved[1]!.w, snaps[3]!, 'epoch 4');
    expect(() => new ModelCheckpoint({ every: 0, save: () => undefined })).toThrow(/every must be an integer ≥ 1, got 0/);
    expect(() => new ModelCheckpoint({} as never)).toThrow(/needs \{ every, save/);
  });
});

describe('fit hooks', () => {
  it('calls onTrainBegin, onEpochEnd per complete epoch and onTrainEnd, in order; a partial epoch is not reported', async () => {
    const m = await model();
    const events: string[] = [];
    const cb: Callback = {
      onTrainBegin: (c) => { events.push(`begin ${c.epochs} ${c.hasValidation}`); },
      onEpochEnd: (e) => { events.push(`epoch ${e}`); return e === 1 ? 'stop' : undefined; },
      onTrainEnd: (h) => { events.push(`end ${h.epoch.length}`); },
    };
    await m.fit(mnist, { epochs: 5, batchSize: 40, callbacks: [cb] });
    expect(events).toEqual(['begin 5 false', 'epoch 0', 'epoch 1', 'end 2']);
    events.length = 0;
    await m.fit(mnist, { epochs: 3, batchSize: 40, callbacks: [cb], onBatchEnd: (b, logs) => (logs.epoch === 0 && b === 1 ? 'stop' : undefined) });
    expect(events).toEqual(['begin 3 false', 'end 1']);
  });
});
