// Input normalization carried by the model, and shift augmentation, through fit, evaluate,
// predict and the model file. Exactness: the kernels compute f32(f32(x − m) / s), which
// Math.fround(Math.fround(x − m) / s) emulates exactly (see test/kernels/data-transform.test.ts),
// so data normalized here in TypeScript and data normalized by the model agree bit for bit.
import { beforeAll, describe, expect, it } from 'vitest';
import { getRuntime } from '../helpers/runtime.js';
import { Sequential } from '../../src/model/sequential.js';
import { Conv2D } from '../../src/layers/conv2d.js';
import { MaxPool2D } from '../../src/layers/pool2d.js';
import { Dense } from '../../src/layers/dense.js';
import { Flatten } from '../../src/layers/flatten.js';
import { loadEmbeddedMnist } from '../../src/data/mnist-node.js';
import { splitValidation, take } from '../../src/data/transforms.js';
import { standardizeStats, type Normalization } from '../../src/model/normalization.js';
import { sampleShift, shiftKey } from '../../src/train/augment.js';
import type { Dataset } from '../../src/data/dataset.js';
import { serialize, deserialize, modelFromSerialized } from '../../src/io/model-io.js';
import { encodeModel, ModelFormatError } from '../../src/io/format.js';
import { expectBitIdentical } from '../helpers/compare.js';

let mnist: Dataset;
beforeAll(async () => {
  mnist = take((await loadEmbeddedMnist({ trainCount: 300, testCount: 10 })).train, 300);
});

const layers = () => [
  new Conv2D({ filters: 4, kernelSize: 5, activation: 'relu' }), new MaxPool2D({ poolSize: 2 }),
  new Flatten(), new Dense({ units: 16, activation: 'relu' }), new Dense({ units: 10 }),
];

async function model(seed = 1): Promise<Sequential> {
  const m = new Sequential(layers());
  m.compileWith(await getRuntime(), { inputShape: [28, 28, 1], optimizer: { type: 'adam', lr: 2e-3 }, seed });
  return m;
}

/** `d` normalized in TypeScript with the model's f32 arithmetic. */
function normalized(d: Dataset, n: Normalization): Dataset {
  const m = Math.fround(n.mean[0]!), s = Math.fround(n.std[0]!) || 1;
  return { ...d, images: d.images.map((x) => Math.fround(Math.fround(x - m) / s)) };
}

describe('input normalization', () => {
  it("fit({ normalize: 'standardize' }) fits mean/std to the training part only, after the validation split", async () => {
    const m = await model();
    expect(m.normalization).toBeUndefined();
    await m.fit(mnist, { epochs: 1, batchSize: 50, validationSplit: 0.25, normalize: 'standardize' });
    const part = splitValidation(mnist, 0.25, m.seed).train;
    const want = standardizeStats(part.images, 1);
    expect(m.normalization).toEqual(want);
    const all = standardizeStats(mnist.images, 1);
    expect(m.normalization!.mean[0]).not.toBe(all.mean[0]); // the validation images were left out
    expect(want.mean[0]!).toBeGreaterThan(0.05); // MNIST: about 0.13 and 0.31
    expect(want.std[0]!).toBeGreaterThan(0.2);
  });

  it('evaluate and predict apply it: the same as a model without one on data normalized beforehand, bit for bit', async () => {
    const a = await model(2);
    await a.fit(mnist, { epochs: 1, batchSize: 32, normalize: 'standardize' });
    const n = a.normalization!;
    const b = await model(2);
    b.setWeights(a.getWeights());
    const test = take(mnist, 64);
    const ea = a.evaluate(test), eb = b.evaluate(normalized(test, n));
    expect(ea.loss).toBe(eb.loss);
    expect(ea.confusion).toEqual(eb.confusion);
    expectBitIdentical(a.predict(test).probabilities, b.predict(normalized(test, n)).probabilities, 'predict(Dataset)');
    expectBitIdentical(a.predict(test.images).probabilities, b.predict(normalized(test, n).images).probabilities, 'predict(Float32Array)');
    // And it matters: without it the raw pixels give other numbers.
    expect(b.evaluate(test).loss).not.toBe(ea.loss);
  });

  it('training sees normalized batches: the first batch of fit equals the TypeScript-normalized images', async () => {
    const m = await model(3);
    m.setNormalization({ type: 'standardize', mean: [0.2], std: [0.5] });
    const data = take(mnist, 40);
    const want = normalized(data, m.normalization!);
    let checked = 0;
    await m.fit(data, {
      epochs: 1, batchSize: 40, shuffle: false,
      onBatchEnd: () => {
        const plan = m.plan(40, 'train');
        expectBitIdentical(m.f32().slice(plan.x0 >> 2, (plan.x0 >> 2) + 40 * 784), want.images, 'x0');
        checked++;
      },
    });
    expect(checked).toBe(1);
  });

  it('a second fit keeps the normalization it has; setNormalization(undefined) removes it', async () => {
    const m = await model();
    await m.fit(take(mnist, 100), { epochs: 1, normalize: 'standardize' });
    const first = m.normalization;
    await m.fit(mnist, { epochs: 1, normalize: 'standardize' });
    expect(m.normalization).toEqual(first);
    m.setNormalization(undefined);
    expect(m.normalization).toBeUndefined();
    expect(m.toJSON().normalization).toBeUndefined();
  });

  it('is saved in the model file; files without it load without it; a malformed one is a ModelFormatError', async () => {
    const a = await model(4);
    await a.fit(mnist, { epochs: 1, normalize: 'standardize' });
    const b = await modelFromSerialized(serialize(a), { runtime: await getRuntime() });
    expect(b.normalization).toEqual(a.normalization);
    expectBitIdentical(b.predict(mnist).probabilities, a.predict(mnist).probabilities, 'loaded predictions');
    const { normalization: _n, ...old } = a.toJSON();
    const c = await modelFromSerialized(encodeModel(old, a.getWeights()), { runtime: await getRuntime() });
    expect(c.normalization).toBeUndefined();
    const bad = encodeModel({ ...old, normalization: { type: 'standardize', mean: [0.1], std: [-1] } }, a.getWeights());
    await expect(modelFromSerialized(bad, { runtime: await getRuntime() })).rejects.toThrow(ModelFormatError);
    await expect(modelFromSerialized(bad, { runtime: await getRuntime() })).rejects.toThrow(/normalization std\[0\] is -1; expected a finite number ≥ 0/);
  });

  it('refuses normalizations that do not fit the input, and bad normalize options', async () => {
    const m = await model();
    expect(() => m.setNormalization({ type: 'standardize', mean: [0, 0, 0], std: [1, 1, 1] })).toThrow(/mean must be an array of 1 number \(one per input channel\)/);
    expect(() => m.setNormalization({ type: 'minmax', mean: [0], std: [1] } as never)).toThrow(/type must be 'standardize'/);
    await expect(m.fit(mnist, { normalize: 'scale' as never })).rejects.toThrow(/normalize must be 'standardize'/);
  });

  it('a constant channel (std 0) becomes 0, not NaN', async () => {
    const m = await model();
    m.setNormalization({ type: 'standardize', mean: [0.5], std: [0] });
    const p = m.predict(new Float32Array(784).fill(0.5)).probabilities;
    expect(p.every(Number.isFinite)).toBe(true);
  });
});

describe('shift augmentation', () => {
  it('every training batch is its samples moved by sampleShift(shiftKey(seed, epoch)), blank = normalized 0, across fit calls', async () => {
    const m = await model(5);
    const data = take(mnist, 48);
    const seed = 9;
    let batches = 0;
    const check = (key: number, n: Normalization | undefined) => () => {
      const plan = m.plan(16, 'train');
      const idx = m.slot('train index', 0) >> 2;
      const f32 = m.f32(), i32 = m.i32();
      const start = (batches % 3) * 16;
      const want = new Float32Array(16 * 784);
      for (let r = 0; r < 16; r++) {
        const s = i32[idx + start + r]!;
        const { dy, dx } = sampleShift(key, s, 2);
        for (let y = 0; y < 28; y++) {
          for (let x = 0; x < 28; x++) {
            const sy = y - dy, sx = x - dx;
            const raw = sy >= 0 && sy < 28 && sx >= 0 && sx < 28 ? data.images[s * 784 + sy * 28 + sx]! : 0;
            want[r * 784 + y * 28 + x] = n ? Math.fround(Math.fround(raw - Math.fround(n.mean[0]!)) / Math.fround(n.std[0]!)) : raw;
          }
        }
      }
      expectBitIdentical(f32.slice(plan.x0 >> 2, (plan.x0 >> 2) + 16 * 784), want, `batch ${batches}`);
      batches++;
    };
    await m.fit(data, { epochs: 1, batchSize: 16, seed, augment: { shift: 2 }, onBatchEnd: check(shiftKey(seed, 0), undefined) });
    // The second call is the model's epoch 1: its key, and the normalization's fill value.
    m.setNormalization({ type: 'standardize', mean: [0.13], std: [0.31] });
    await m.fit(data, { epochs: 1, batchSize: 16, seed, augment: { shift: 2 }, onBatchEnd: check(shiftKey(seed, 1), m.normalization) });
    expect(batches).toBe(6);
  });

  it('is deterministic per seed and changes training', async () => {
    const run = async (augment?: { shift: number }) => {
      const m = await model(6);
      await m.fit(take(mnist, 64), { epochs: 2, batchSize: 16, seed: 1, augment });
      return m.getWeights()[0]!.data;
    };
    const a = await run({ shift: 2 }), b = await run({ shift: 2 }), c = await run();
    expectBitIdentical(a, b, 'same seed, same weights');
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('a resumed run reproduces it: 2 epochs straight = 1 + save/load + 1 resumed, to the bit (standardized, shifted)', async () => {
    const data = take(mnist, 96);
    const opts = { batchSize: 16, validationSplit: 0.25, normalize: 'standardize' as const, augment: { shift: 2 } };
    const straight = await model(8);
    const h2 = await straight.fit(data, { ...opts, epochs: 2 });
    const first = await model(8);
    await first.fit(data, { ...opts, epochs: 1 });
    const file = serialize(first, { trainingState: true });
    first.dispose();
    const resumed = await modelFromSerialized(deserialize(file, 'resume.simdnet'), { runtime: await getRuntime() });
    expect(resumed.normalization).toEqual(straight.normalization);
    const h1 = await resumed.fit(data, { ...opts, epochs: 1, resume: true });
    expect(h1.loss[0]).toBe(h2.loss[1]);
    resumed.getWeights().forEach((w, i) => expectBitIdentical(w.data, straight.getWeights()[i]!.data, w.name));
    // Without the augmentation the second epoch is another one: the shifts did take part.
    const plain = await modelFromSerialized(deserialize(file, 'resume.simdnet'), { runtime: await getRuntime() });
    const hp = await plain.fit(data, { ...opts, augment: undefined, epochs: 1, resume: true });
    expect(hp.loss[0]).not.toBe(h2.loss[1]);
  });

  it('refuses bad augment options', async () => {
    const m = await model();
    await expect(m.fit(mnist, { augment: { shift: 1.5 } })).rejects.toThrow(/augment.shift must be an integer number of pixels in \[0, 64\], got 1.5/);
    await expect(m.fit(mnist, { augment: { flip: true } as never })).rejects.toThrow(/unknown option 'flip'/);
    const v = new Sequential([new Dense({ units: 10 })]);
    v.compileWith(await getRuntime(), { inputShape: [784] });
    await expect(v.fit(mnist, { augment: { shift: 2 } })).rejects.toThrow(/needs an image input \[H, W, C\]; this model takes \[784\]/);
  });
});
