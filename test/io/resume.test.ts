// Resumable training: a model saved with its training state and loaded again trains on to the
// same bits as one that never stopped (2 epochs straight = 1 + save/load + 1 resumed), with
// dropout, a OneCycle schedule running across the save, lrScale changed mid-run and gradient
// clipping; without the state (or without resume) the bits differ, so the test can fail.
// A file written by the main branch's code (no training state: test/io/fixtures/no-state.*)
// still loads for inference with the same predictions and fine-tunes with a fresh optimizer.

import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadRuntime, type Runtime } from '../../src/runtime/load.js';
import { Sequential } from '../../src/model/sequential.js';
import { Conv2D, Dense, Dropout, Flatten, MaxPool2D } from '../../src/layers/index.js';
import { serialize, deserialize, modelFromSerialized } from '../../src/io/model-io.js';
import { crc32, HEADER_BYTES, ModelFormatError } from '../../src/io/format.js';
import type { History } from '../../src/train/fit-options.js';
import { synthDataset } from '../model/util.js';

let rt: Runtime;
beforeAll(async () => { rt = await loadRuntime({}); });

const data = synthDataset(150, [12, 12, 1], 4, 21);
const layers = () => [
  new Conv2D({ filters: 6, kernelSize: 3, activation: 'relu' }), new MaxPool2D({ poolSize: 2 }), new Dropout({ rate: 0.25 }),
  new Flatten(), new Dense({ units: 32, activation: 'relu' }), new Dropout({ rate: 0.5 }), new Dense({ units: 4 }),
];

function bits(m: Sequential): number[] {
  const out: number[] = [];
  for (const w of m.getWeights()) out.push(...new Uint32Array(w.data.slice().buffer));
  const { ptr, length } = m.optimizer.stateRange;
  out.push(...new Uint32Array(m.f32().slice(ptr >> 2, (ptr >> 2) + length).buffer));
  return out;
}

function firstDiff(a: number[], b: number[]): number {
  if (a.length !== b.length) return -2;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

const optimizers: Record<string, unknown>[] = [
  { type: 'adam', beta1: 0.7, beta2: 0.9, lr: { type: 'onecycle', maxLr: 0.01, epochs: 2, cycleMomentum: true }, clipNorm: 1 },
  { type: 'nesterov', momentum: 0.9, lr: { type: 'step', lr: 0.05, stepSize: 4, gamma: 0.5 }, weightDecay: 1e-4 },
  { type: 'rmsprop', momentum: 0.5, lr: { type: 'cosine', lr: 3e-3, warmup: 3, epochs: 2 } },
  { type: 'adamw', lr: 2e-3, weightDecay: 0.05 },
];

describe('2 epochs straight = 1 + save/load + 1 resumed, to the bit', () => {
  for (const optimizer of optimizers) {
    it(`${JSON.stringify(optimizer)}, dropout, validation split, lrScale 0.5 from epoch 2`, async () => {
      const make = () => new Sequential(layers(), 'resume').compileWith(rt, { inputShape: [12, 12, 1], optimizer: optimizer as never, seed: 5 });
      const fitOptions = { batchSize: 16, validationSplit: 0.2 };

      const straight = make();
      const h2 = await straight.fit(data, { ...fitOptions, epochs: 2, onEpochEnd: (e) => { if (e === 0) straight.optimizer.lrScale = 0.5; } });

      const first = make();
      await first.fit(data, { ...fitOptions, epochs: 1 });
      first.optimizer.lrScale = 0.5;
      const file = serialize(first, { trainingState: true });
      first.dispose();
      const resumed = await modelFromSerialized(deserialize(file, 'resume.simdnet'), { runtime: rt });
      expect(resumed.optimizer.lrScale).toBe(0.5);
      expect(resumed.epochsTrained).toBe(1);
      const h1: History = await resumed.fit(data, { ...fitOptions, epochs: 1, resume: true });

      expect(firstDiff(bits(resumed), bits(straight)), 'first weight or optimizer-state bit that differs').toBe(-1);
      expect(h1.loss[0]).toBe(h2.loss[1]);
      expect(h1.valLoss[0]).toBe(h2.valLoss[1]);
      expect(resumed.optimizer.iterations).toBe(straight.optimizer.iterations);
      expect(resumed.epochsTrained).toBe(2);
      expect(resumed.optimizer.toJSON()).toEqual(straight.optimizer.toJSON());

      // The same file loaded without its state, or resumed without resume: true, goes elsewhere.
      const fresh = await modelFromSerialized(file, { runtime: rt, trainingState: false });
      expect(fresh.optimizer.iterations).toBe(0);
      await fresh.fit(data, { ...fitOptions, epochs: 1 });
      expect(firstDiff(bits(fresh), bits(straight))).toBeGreaterThanOrEqual(0);
      const noResume = await modelFromSerialized(file, { runtime: rt });
      noResume.optimizer.lrScale = 0.5;
      await noResume.fit(data, { ...fitOptions, epochs: 1 });
      expect(firstDiff(bits(noResume), bits(straight))).toBeGreaterThanOrEqual(0);
      for (const m of [straight, resumed, fresh, noResume]) m.dispose();
    });
  }

  it('in memory too: fit(1) then fit(1, resume) = fit(2)', async () => {
    const make = () => new Sequential(layers()).compileWith(rt, { inputShape: [12, 12, 1], optimizer: 'adam', seed: 9 });
    const a = make(), b = make();
    await a.fit(data, { epochs: 2, batchSize: 32 });
    await b.fit(data, { epochs: 1, batchSize: 32 });
    await b.fit(data, { epochs: 1, batchSize: 32, resume: true });
    expect(firstDiff(bits(b), bits(a))).toBe(-1);
  });

  it('resume refuses what it cannot continue', async () => {
    const m = new Sequential(layers()).compileWith(rt, { inputShape: [12, 12, 1], seed: 1 });
    await expect(m.fit(data, { epochs: 1, resume: true })).rejects.toThrow(
      "fit: resume needs a model that has been trained by fit or loaded with its training state; model 'sequential' has neither");
    await m.fit(data, { epochs: 1, batchSize: 16, seed: 3 });
    await expect(m.fit(data, { epochs: 1, batchSize: 32, resume: true })).rejects.toThrow(
      'fit: resume continues a run of 150 training samples in batches of 16; this call has 150 samples in batches of 32');
    await expect(m.fit(data, { epochs: 1, batchSize: 16, resume: true, seed: 4 })).rejects.toThrow(
      'fit: resume continues the shuffle stream of seed 3; got seed 4');
  });

  it('a file with training state whose slots do not fit the model is refused, naming the file', async () => {
    const m = new Sequential(layers()).compileWith(rt, { inputShape: [12, 12, 1], optimizer: 'adam', seed: 1 });
    await m.fit(data, { epochs: 1, batchSize: 32 });
    const s = deserialize(serialize(m, { trainingState: true }), 'bad.simdnet');
    s.training!.slots.pop();
    await expect(modelFromSerialized(s, { runtime: rt })).rejects.toThrow(
      "bad.simdnet: training state: optimizer 'adam' has state slots [m, v], the file has [m]");
    const t = deserialize(serialize(m, { trainingState: true }), 'bad.simdnet');
    t.training!.optimizer = 'sgd';
    await expect(modelFromSerialized(t, { runtime: rt })).rejects.toBeInstanceOf(ModelFormatError);
  });
});

/** The file with its JSON header replaced by edit(json); the weights section is kept and the CRC fixed. */
function rewriteJson(bytes: Uint8Array, edit: (doc: Record<string, unknown>) => void): Uint8Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const J = dv.getUint32(12, true), W = dv.getUint32(16, true);
  const D = HEADER_BYTES + Math.ceil(J / 4) * 4;
  const doc = JSON.parse(new TextDecoder().decode(bytes.subarray(HEADER_BYTES, HEADER_BYTES + J))) as Record<string, unknown>;
  edit(doc);
  const json = new TextEncoder().encode(JSON.stringify(doc));
  const D2 = HEADER_BYTES + Math.ceil(json.length / 4) * 4;
  const out = new Uint8Array(D2 + W);
  out.set(bytes.subarray(0, HEADER_BYTES));
  out.fill(0x20, HEADER_BYTES, D2);
  out.set(json, HEADER_BYTES);
  out.set(bytes.subarray(D, D + W), D2);
  const ov = new DataView(out.buffer);
  ov.setUint32(12, json.length, true);
  ov.setUint32(20, crc32(out, HEADER_BYTES), true);
  return out;
}

describe('malformed training state in a file', () => {
  it('is refused with the byte offset, before any model is built', async () => {
    const m = new Sequential(layers()).compileWith(rt, { inputShape: [12, 12, 1], optimizer: 'adam', seed: 1 });
    await m.fit(data, { epochs: 1, batchSize: 32 });
    const file = serialize(m, { trainingState: true });
    expect(deserialize(rewriteJson(file, () => {})).training?.slots.map((x) => x.name)).toEqual(['m', 'v']);
    expect(() => deserialize(rewriteJson(file, (d) => { d.training = 5; }), 'f.simdnet')).toThrow(
      `f.simdnet: the training state must be an object with a slots manifest, got 5 (at byte offset ${HEADER_BYTES})`);
    expect(() => deserialize(rewriteJson(file, (d) => { (d.training as { slots: { offset: number }[] }).slots[1]!.offset = 1 << 24; }), 'f.simdnet'))
      .toThrow("f.simdnet: training state slots manifest entry 1 'v' runs past the end of the weights");
    expect(() => deserialize(rewriteJson(file, (d) => { (d.training as { slots: { length: number }[] }).slots[0]!.length = 3; }), 'f.simdnet'))
      .toThrow("f.simdnet: training state slots manifest entry 0 'm' is malformed: it has length 3, not product(shape)");
    await expect(modelFromSerialized(rewriteJson(file, (d) => { (d.training as { lrScale: number }).lrScale = -1; }), { runtime: rt }))
      .rejects.toThrow('model file: training state: lrScale must be a finite number > 0, got -1');
    await expect(modelFromSerialized(rewriteJson(file, (d) => { (d.training as { iterations: number }).iterations = 1.5; }), { runtime: rt }))
      .rejects.toThrow('model file: training state: iterations must be a whole number');
    // A reader that ignores the key (as the format version 1 readers before it did) still gets the weights.
    const noState = deserialize(rewriteJson(file, (d) => { delete d.training; }));
    expect(noState.training).toBeUndefined();
    expect(noState.weights.map((w) => w.name)).toEqual(m.getWeights().map((w) => w.name));
  });
});

describe('a file without training state (written by the main branch)', () => {
  const dir = fileURLToPath(new URL('./fixtures/', import.meta.url));
  const bytes = new Uint8Array(readFileSync(`${dir}no-state.simdnet`));
  const want = JSON.parse(readFileSync(`${dir}no-state.json`, 'utf8')) as { probe: number[]; probabilities: number[] };

  it('loads for inference with the same probabilities, to the bit', async () => {
    const m = await modelFromSerialized(deserialize(bytes, 'no-state.simdnet'), { runtime: rt, build: 'simd' }); // the fixture's probabilities came from the simd build
    expect(deserialize(bytes).training).toBeUndefined();
    const { probabilities } = m.predict(Float32Array.from(want.probe));
    expect(Array.from(probabilities)).toEqual(want.probabilities.map(Math.fround));
  });

  it('fine-tunes with a fresh optimizer (the file\'s or another), and cannot resume', async () => {
    const m = await modelFromSerialized(bytes, { runtime: rt });
    expect(m.optimizer.iterations).toBe(0);
    expect(m.epochsTrained).toBe(0);
    const d = synthDataset(40, [1, 1, 5], 3, 2);
    await expect(m.fit(d, { epochs: 1, resume: true })).rejects.toThrow('fit: resume needs a model that has been trained');
    const before = m.evaluate(d).loss;
    await m.fit(d, { epochs: 5, batchSize: 8 });
    expect(m.evaluate(d).loss).toBeLessThan(before);
    const other = await modelFromSerialized(bytes, { runtime: rt, optimizer: { type: 'sgd', lr: 0.1 } });
    expect(other.optimizer.type).toBe('sgd');
    // Saved again without state, it is what the old code would write: the same bytes.
    const again = await modelFromSerialized(bytes, { runtime: rt });
    expect(Array.from(serialize(again))).toEqual(Array.from(bytes));
  });
});
