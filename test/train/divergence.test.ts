// Failures are never silent (issue 7, item 1): a run whose loss or weights stop being finite
// fails with a DivergenceError naming the epoch and batch (and the CLI writes nothing), and
// non-finite pixels are refused before any training or prediction, naming sample and value.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { getRuntime } from '../helpers/runtime.js';
import { zooModel } from '../../src/model/zoo.js';
import { DivergenceError } from '../../src/train/divergence.js';
import { loadEmbeddedMnist } from '../../src/data/mnist-node.js';
import { take } from '../../src/data/transforms.js';
import type { Dataset } from '../../src/data/dataset.js';
import { main as trainMain } from '../../src/cli/train.js';
import { runCli, scratchDir } from '../cli/util.js';

let data: Dataset;
let dir = '';
let cleanup: () => Promise<void> = async () => {};
beforeAll(async () => {
  data = take((await loadEmbeddedMnist({ trainCount: 256, testCount: 1 })).train, 256);
  ({ dir, cleanup } = await scratchDir('divergence'));
});
afterAll(() => cleanup());

describe('divergence', () => {
  it('a learning rate of 1e9 fails fit with a DivergenceError that says where and what to do', async () => {
    const m = await zooModel('lenet5', { runtime: await getRuntime(), seed: 1, optimizer: { type: 'sgd', lr: 1e9 } });
    const err = await m.fit(data, { epochs: 3 }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(DivergenceError);
    const d = err as DivergenceError;
    expect(d.message).toMatch(/^fit: training diverged (at|in) epoch 1(, batch \d+ of 8: the batch loss is (NaN|Infinity)|: parameter \S+\[\d+\] = (NaN|-?Infinity))( \(the last (finite )?batch loss was [\d.e+-]+\))?;/);
    expect(d.message).toMatch(/lower the learning rate \(now 1000000000\), clip the gradients, or check the data$/);
    expect(d.epoch).toBe(0);
    expect(d.history.loss).toEqual([]);
  });

  it('a sane learning rate trains without a word', async () => {
    const m = await zooModel('lenet5', { runtime: await getRuntime(), seed: 1 });
    const h = await m.fit(data, { epochs: 1 });
    expect(Number.isFinite(h.loss[0])).toBe(true);
  });

  it('the CLI exits 1 with one line and writes neither --save nor --json', async () => {
    const save = join(dir, 'diverged.simdnet');
    const json = join(dir, 'diverged.json');
    const r = await runCli(trainMain, ['--train-count', '200', '--test-count', '50', '--epochs', '2', '--lr', '1e9',
      '--save', save, '--json', json]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/train: error: fit: training diverged at epoch 1, batch \d+/);
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(existsSync(save)).toBe(false);
    expect(existsSync(json)).toBe(false);
  });
});

describe('non-finite weights', () => {
  it('predict and evaluate refuse a model whose weights hold a NaN', async () => {
    const m = await zooModel('lenet5', { runtime: await getRuntime(), seed: 1 });
    const w = m.getWeights();
    w[2]!.data[7] = NaN;
    m.setWeights(w);
    expect(() => m.predict(data.images.slice(0, 784))).toThrow(/predict: model 'lenet5' has a non-finite weight \(conv2d_2\/kernel\[7\] = NaN\); it cannot make predictions/);
    expect(() => m.evaluate(take(data, 4))).toThrow(/evaluate: model 'lenet5' has a non-finite weight/);
  });
});

describe('non-finite inputs', () => {
  it('fit refuses a NaN pixel before training, naming the sample and the value', async () => {
    const m = await zooModel('lenet5', { runtime: await getRuntime(), seed: 1 });
    const bad = { ...data, name: 'poisoned', images: data.images.slice() };
    bad.images[3 * 784 + 17] = NaN;
    await expect(m.fit(bad, { epochs: 1 })).rejects.toThrow(/fit \(train\): sample 3 of 'poisoned' has a NaN at value 17 of 784; inputs must be finite/);
    expect(m.epochsTrained).toBe(0);
  });

  it('predict and evaluate refuse Infinity and NaN', async () => {
    const m = await zooModel('lenet5', { runtime: await getRuntime(), seed: 1 });
    const x = data.images.slice(0, 2 * 784);
    x[784 + 5] = Infinity;
    expect(() => m.predict(x)).toThrow(/predict: sample 1 of 'input' has a Infinity at value 5 of 784/);
    const bad = { ...take(data, 4), images: data.images.slice(0, 4 * 784) };
    bad.images[0] = -Infinity;
    expect(() => m.evaluate(bad)).toThrow(/evaluate: sample 0 of .* has a -Infinity at value 0/);
  });
});

describe('messages show the value given', () => {
  it('NaN, Infinity and undefined are shown as such, not as null', async () => {
    const { makeOptimizer } = await import('../../src/optimizers/index.js');
    expect(() => makeOptimizer({ type: 'adam', lr: NaN })).toThrow(/Adam: lr must be a finite number > 0 or a schedule, got NaN$/);
    expect(() => makeOptimizer({ type: 'sgd', lr: -Infinity })).toThrow(/got -Infinity$/);
    const m = await zooModel('lenet5', { runtime: await getRuntime(), seed: 1 });
    await expect(m.fit(data, { epochs: NaN })).rejects.toThrow(/fit: epochs must be a positive integer, got NaN/);
  });
});
