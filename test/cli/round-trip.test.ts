// save → evaluate → predict: a model trained and saved by the train script is loaded by the
// evaluate and predict scripts, which must reproduce train's own test figures exactly and agree
// with the library's predict on the same inputs (idx:N test images and PNG files the test writes).
// Also the two models that need preprocessing: tanh-binary (class subset) and cifar (standardised
// RGB, on a small synthetic CIFAR-10 directory written here).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { main as trainMain } from '../../src/cli/train.js';
import { main as evaluateMain } from '../../src/cli/evaluate.js';
import { main as predictMain, type PredictionLine } from '../../src/cli/predict.js';
import { loadModel } from '../../src/io/model-node.js';
import { loadData } from '../../src/data/load-node.js';
import { decodeToGray, encodePng } from '../../src/image/png.js';
import { makeRng } from '../helpers/rng.js';
import { splitValidation } from '../../src/data/transforms.js';
import { standardizeStats } from '../../src/model/normalization.js';
import { DEFAULT_VALIDATION_SPLIT } from '../../src/cli/train.js';
import { readJson, runCli, scratchDir } from './util.js';

interface TrainJson {
  testAccuracy: number; testLoss: number; confusion: number[][]; preprocessing: { standardize?: unknown };
  normalization?: { type: string; mean: number[]; std: number[] };
}
interface EvalJson { accuracy: number; loss: number; confusion: number[][]; testImages: number; classNames: string[]; precision: number[]; recall: number[] }
interface PredictJson { predictions: PredictionLine[] }

let dir = '';
let cleanup: () => Promise<void> = async () => {};
beforeAll(async () => ({ dir, cleanup } = await scratchDir('roundtrip')));
afterAll(() => cleanup());

describe('lenet5: train --save, then evaluate and predict', () => {
  let model = '';
  let trained: TrainJson;
  beforeAll(async () => {
    model = join(dir, 'lenet5.snet');
    const r = await runCli(trainMain, ['--train-count', '300', '--test-count', '120', '--epochs', '1', '--seed', '3',
      '--save', model, '--json', join(dir, 'train.json')]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    trained = await readJson<TrainJson>(join(dir, 'train.json'));
  });

  it('evaluate reproduces the test loss, accuracy and confusion matrix that train reported', async () => {
    const r = await runCli(evaluateMain, ['--model', model, '--test-count', '120', '--json', join(dir, 'eval.json')]);
    expect(r.code).toBe(0);
    const ev = await readJson<EvalJson>(join(dir, 'eval.json'));
    // Same weights (f32 stored exactly), same kernels, same batches of the same images: bit-identical.
    expect(ev.testImages).toBe(120);
    expect(ev.accuracy).toBe(trained.testAccuracy);
    expect(ev.loss).toBe(trained.testLoss);
    expect(ev.confusion).toEqual(trained.confusion);
    // The printed report: loss/accuracy line, the matrix and per-class precision/recall.
    expect(r.out).toContain(`accuracy ${(100 * trained.testAccuracy).toFixed(2)}%`);
    expect(r.out).toContain('confusion matrix (rows: true class, columns: predicted class)');
    expect(r.out).toMatch(/class\s+precision\s+recall\s+support/);
    // Precision and recall follow from the matrix (recall of class c = diagonal / row sum).
    const row0 = ev.confusion[0]!.reduce((a, b) => a + b, 0);
    expect(ev.recall[0]).toBeCloseTo(ev.confusion[0]![0]! / row0, 12);
  });

  it('predict idx:N gives the same classes and probabilities as the library on those test images', async () => {
    const idx = [0, 5, 17, 119];
    const r = await runCli(predictMain, ['--model', model, '--json', join(dir, 'pred.json'), ...idx.map((i) => `idx:${i}`)]);
    expect(r.code).toBe(0);
    const { predictions } = await readJson<PredictJson>(join(dir, 'pred.json'));
    const { test } = await loadData('mnist', { trainCount: 1, testCount: 120 });
    const m = await loadModel(model);
    const x = new Float32Array(idx.length * 784);
    idx.forEach((i, k) => x.set(test.images.subarray(i * 784, (i + 1) * 784), k * 784));
    const lib = m.predict(x);
    predictions.forEach((p, k) => {
      expect(p.input).toBe(`idx:${idx[k]}`);
      expect(p.label).toBe(test.labels[idx[k]!]);
      expect(p.class).toBe(lib.classes[k]);
      expect(p.top).toHaveLength(3);
      expect(p.top[0]!.class).toBe(p.class);
      // Probabilities sorted, from the same kernels on the same input: equal to the library's
      // (JSON keeps a float32 value exactly as a double).
      for (const t of p.top) expect(t.probability).toBe(lib.probabilities[k * 10 + t.class]);
      expect(p.top[0]!.probability).toBeGreaterThanOrEqual(p.top[1]!.probability);
      expect(p.top[1]!.probability).toBeGreaterThanOrEqual(p.top[2]!.probability);
    });
    expect(r.out.split('\n').filter((l) => l.startsWith('idx:'))).toHaveLength(4);
  });

  it('predict on PNG files: a dark-on-light, upscaled digit is read like decodeToGray reads it', async () => {
    const { test } = await loadData('mnist', { trainCount: 1, testCount: 10 });
    // Test digit 3 as black ink on white paper, three times larger: predict must invert and refit it.
    const img = new Float32Array(784);
    for (let p = 0; p < 784; p++) img[p] = 1 - test.images[3 * 784 + p]!;
    const bytes = encodePng({ data: img, height: 28, width: 28, channels: 1 }, 3);
    const file = join(dir, 'digit.png');
    await writeFile(file, bytes);
    const r = await runCli(predictMain, ['--model', model, '--top', '5', '--json', join(dir, 'png.json'), file, 'idx:3']);
    expect(r.code).toBe(0);
    const { predictions } = await readJson<PredictJson>(join(dir, 'png.json'));
    const m = await loadModel(model);
    const lib = m.predict(decodeToGray(bytes, 28, 28, { invert: 'auto', fit: 'mnist' }));
    expect(predictions[0]!.class).toBe(lib.classes[0]);
    expect(predictions[0]!.top).toHaveLength(5);
    for (const t of predictions[0]!.top) expect(t.probability).toBe(lib.probabilities[t.class]);
    expect(predictions[0]!.label).toBeUndefined();
    expect(predictions[1]!.label).toBe(test.labels[3]);
  });

  it('bad inputs: one line, exit 2 for the user\'s mistakes, 1 for a corrupt model file', async () => {
    let r = await runCli(evaluateMain, ['--model', join(dir, 'missing.snet')]);
    expect([r.code, r.err.trim().split('\n').length]).toEqual([2, 1]);
    expect(r.err).toContain('--model');
    r = await runCli(evaluateMain, []);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--model');
    r = await runCli(predictMain, ['--model', model, 'idx:seven']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('idx:seven');
    r = await runCli(predictMain, ['--model', model, 'idx:2004']); // the embedded test split has 2004 images
    expect(r.code).toBe(2);
    expect(r.err).toContain('idx:0 to idx:2003');
    r = await runCli(predictMain, ['--model', model, join(dir, 'no-such.png')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('no-such.png');
    const corrupt = join(dir, 'corrupt.snet');
    await writeFile(corrupt, new TextEncoder().encode('this text is not a simdnet model file at all'));
    r = await runCli(evaluateMain, ['--model', corrupt]);
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toContain('not a simdnet model file');
  });
});

describe('models that need preprocessing', () => {
  it('tanh-binary: evaluate applies the stored class subset (digits 0 and 1) and reproduces train', async () => {
    const model = join(dir, 'tanh.snet');
    const r = await runCli(trainMain, ['--model', 'tanh-binary', '--train-count', '60', '--test-count', '30', '--epochs', '1',
      '--save', model, '--json', join(dir, 'tanh.json')]);
    expect(r.code).toBe(0);
    const trained = await readJson<TrainJson>(join(dir, 'tanh.json'));
    const e = await runCli(evaluateMain, ['--model', model, '--test-count', '30', '--json', join(dir, 'tanh-eval.json')]);
    expect(e.code).toBe(0);
    const ev = await readJson<EvalJson>(join(dir, 'tanh-eval.json'));
    expect(ev.classNames).toEqual(['0', '1']);
    expect(ev.accuracy).toBe(trained.testAccuracy);
    expect(ev.confusion).toEqual(trained.confusion);
  });

  it('cifar on a synthetic CIFAR-10 directory: standardisation is the model\'s, stored and reused by evaluate and predict', async () => {
    // Six batches of 3073-byte records; each class gets its own mean colour plus noise, so the
    // statistics are far from 0/1 and a missing or wrong standardisation changes every result.
    const cdir = join(dir, 'cifar');
    await mkdir(cdir);
    const rng = makeRng(11);
    const batch = (n: number) => {
      const b = new Uint8Array(n * 3073);
      for (let r = 0; r < n; r++) {
        const label = r % 10;
        b[r * 3073] = label;
        for (let c = 0; c < 3; c++) {
          const base = 40 + 17 * label + 30 * c;
          for (let p = 0; p < 1024; p++) b[r * 3073 + 1 + c * 1024 + p] = Math.min(255, base + Math.floor(60 * rng()));
        }
      }
      return b;
    };
    const batches = [1, 2, 3, 4, 5].map(() => batch(12));
    for (let i = 1; i <= 5; i++) await writeFile(join(cdir, `data_batch_${i}.bin`), batches[i - 1]!);
    await writeFile(join(cdir, 'test_batch.bin'), batch(20));
    const model = join(dir, 'cifar.snet');
    const r = await runCli(trainMain, ['--model', 'cifar', '--data', `cifar:${cdir}`, '--train-count', '40', '--epochs', '1',
      '--save', model, '--json', join(dir, 'cifar.json')]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const trained = await readJson<TrainJson>(join(dir, 'cifar.json'));
    const std = trained.normalization!;
    expect(std.mean).toHaveLength(3);
    expect(trained.preprocessing.standardize).toBeUndefined(); // the old place: no longer written
    // The stored statistics are those of the training part of the 40 training images (batches
    // 1-3 and 4 records of batch 4): the validation split (default fraction, seed 0) is left out.
    const loaded = await loadData(`cifar:${cdir}`, { trainCount: 40 });
    const part = splitValidation(loaded.train, DEFAULT_VALIDATION_SPLIT, 0).train;
    expect(part.count).toBe(36);
    expect(std).toEqual(standardizeStats(part.images, 3));
    const saved = await loadModel(model);
    expect(saved.normalization).toEqual(std); // in the model file
    const e = await runCli(evaluateMain, ['--model', model, '--json', join(dir, 'cifar-eval.json')]);
    expect(e.code).toBe(0);
    const ev = await readJson<EvalJson>(join(dir, 'cifar-eval.json'));
    expect(ev.testImages).toBe(20);
    expect(ev.loss).toBe(trained.testLoss);
    expect(ev.classNames[0]).toBe('airplane');
    const p = await runCli(predictMain, ['--model', model, '--json', join(dir, 'cifar-pred.json'), 'idx:4']);
    expect(p.code).toBe(0);
    const { predictions } = await readJson<PredictJson>(join(dir, 'cifar-pred.json'));
    expect(predictions[0]!.label).toBe(4);
    expect(predictions[0]!.top[0]!.className).toBe(predictions[0]!.className);
  });
});
