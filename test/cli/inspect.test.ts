// What the train script reads out of a model for the report (first-conv filters, feature maps via
// the model's batch-1 inference plan, misclassified images) and its progress output, checked on a
// tiny model and synthetic numbers, without training.

import { beforeAll, describe, expect, it } from 'vitest';
import { Sequential } from '../../src/model/sequential.js';
import { Conv2D } from '../../src/layers/conv2d.js';
import { Flatten } from '../../src/layers/flatten.js';
import { Dense } from '../../src/layers/dense.js';
import type { Dataset } from '../../src/data/dataset.js';
import { firstConvFeatureMaps, firstConvFilters, layerOutput, misclassified } from '../../src/cli/inspect.js';
import { TrainProgress } from '../../src/cli/progress.js';
import type { BatchLogs, EpochLogs } from '../../src/train/fit-options.js';
import { conv2dForwardRef } from '../reference/conv2d.js';
import { softmaxForwardRef } from '../reference/act.js';
import { dotTol, expectWithin, relTol } from '../helpers/compare.js';
import { makeRng, randomArray } from '../helpers/rng.js';
import { getRuntime } from '../helpers/runtime.js';
import { capture } from './util.js';

const [H, W, C, OC, K] = [6, 7, 2, 5, 3];

describe('inspect: a Conv(5@3x3 same, relu) → Flatten → Dense(4) model with random weights', () => {
  let model: Sequential;
  let kernel: Float64Array;
  let bias: Float64Array;
  beforeAll(async () => {
    model = new Sequential([new Conv2D({ filters: OC, kernelSize: K, padding: 'same', activation: 'relu' }), new Flatten(), new Dense({ units: 4 })]);
    await model.compile({ inputShape: [H, W, C], seed: 5, runtime: await getRuntime(), build: 'simd' });
    const rng = makeRng(21);
    kernel = randomArray(rng, K * K * C * OC);
    bias = randomArray(rng, OC, -0.5, 0.5);
    model.setWeights(model.getWeights().map((w) => ({
      name: w.name,
      data: w.name === 'conv2d_1/kernel' ? Float32Array.from(kernel) : w.name === 'conv2d_1/bias' ? Float32Array.from(bias) : w.data,
    })));
    // The f64 reference below must see exactly the f32 weights the model holds.
    kernel = Float64Array.from(Float32Array.from(kernel));
    bias = Float64Array.from(Float32Array.from(bias));
  });

  it('firstConvFilters returns the HWIO kernel and its dimensions', () => {
    const f = firstConvFilters(model)!;
    expect([f.KH, f.KW, f.C, f.OC]).toEqual([K, K, C, OC]);
    expect(Array.from(f.data)).toEqual(Array.from(kernel));
  });

  it('layerOutput(conv) equals relu(conv(x, w) + b) from the f64 reference', () => {
    const x = Float32Array.from(randomArray(makeRng(3), H * W * C, 0, 1));
    const got = layerOutput(model, x, 0);
    const g = { B: 1, H, W, C, OH: H, OW: W, OC, KH: K, KW: K, SH: 1, SW: 1, PT: 1, PL: 1 };
    const ref = conv2dForwardRef(x, kernel, bias, g);
    const want = ref.value.map((v) => Math.max(0, v));
    // Float32 dot products of K = 3·3·2 terms plus a bias: |err| ≤ K·2^-23·Σ|terms| (STYLE §6);
    // relu is 1-Lipschitz, so the bound carries over to the activations.
    expectWithin(got, want, dotTol(ref.absSum, K * K * C + 1), 'conv1 + relu');
    expect(got.some((v) => v === 0) && got.some((v) => v > 0)).toBe(true); // both relu branches exercised
  });

  it('layerOutput(last layer) gives the logits whose softmax is predict()\'s probabilities', () => {
    const x = Float32Array.from(randomArray(makeRng(4), H * W * C, 0, 1));
    const logits = layerOutput(model, x, 2);
    expect(logits).toHaveLength(4);
    const p = model.predict(x).probabilities;
    // exp/log over 4 classes in float32 vs f64: rtol 1e-5 as for the softmax kernels (STYLE §6).
    expectWithin(p, softmaxForwardRef(logits, 1, 4), relTol(softmaxForwardRef(logits, 1, 4), 1e-5, 1e-7), 'softmax(logits)');
  });

  it('firstConvFeatureMaps reads the chosen test image and titles it with its label', () => {
    const n = 3;
    const images = Float32Array.from(randomArray(makeRng(9), n * H * W * C, 0, 1));
    const d: Dataset = { name: 'synthetic', images, labels: Int32Array.from([2, 0, 3]), count: n, height: H, width: W, channels: C, numClasses: 4 };
    const fm = firstConvFeatureMaps(model, d, 1)!;
    expect([fm.H, fm.W, fm.C]).toEqual([H, W, OC]);
    expect(Array.from(fm.data)).toEqual(Array.from(layerOutput(model, images.subarray(H * W * C, 2 * H * W * C), 0)));
    expect(fm.title).toBe('conv2d_1 + relu, test image 1 (label 0)');
  });

  it('layerOutput rejects an image of the wrong size and a layer index out of range', () => {
    expect(() => layerOutput(model, new Float32Array(5), 0)).toThrow(/5 values, the model takes 84/);
    expect(() => layerOutput(model, new Float32Array(H * W * C), 3)).toThrow(/layer 3/);
  });
});

describe('misclassified', () => {
  const d: Dataset = {
    name: 't', images: Float32Array.from({ length: 6 * 4 }, (_, i) => i), labels: Int32Array.from([0, 1, 2, 0, 1, 2]),
    count: 6, height: 2, width: 2, channels: 1, numClasses: 3,
  };
  it('keeps the wrong ones in test-set order with their images, predictions and labels', () => {
    const m = misclassified(d, Int32Array.from([0, 2, 2, 1, 0, 2]), 100);
    expect(m.indices).toEqual([1, 3, 4]);
    expect(m.predicted).toEqual([2, 1, 0]);
    expect(m.actual).toEqual([1, 0, 1]);
    expect(Array.from(m.images)).toEqual([4, 5, 6, 7, 12, 13, 14, 15, 16, 17, 18, 19]);
  });
  it('stops at max', () => {
    expect(misclassified(d, Int32Array.from([1, 2, 0, 1, 2, 0]), 2).indices).toEqual([0, 1]);
  });
});

describe('TrainProgress', () => {
  const batchLogs = (epoch: number, loss: number, accuracy: number, size: number): BatchLogs => ({ epoch, batch: 0, size, loss, accuracy });
  const epochLogs = (epoch: number): EpochLogs => ({ epoch, loss: 0.5, accuracy: 0.75, imagesPerSecond: 1000, seconds: 1 });

  it('without a TTY: a line at every 10% of an epoch, one epoch line, and every batch loss kept', () => {
    const c = capture();
    const p = new TrainProgress(c.io, { epochs: 2, images: 1000, batchSize: 10 });
    for (let e = 0; e < 2; e++) {
      for (let b = 0; b < 100; b++) p.onBatchEnd(b, batchLogs(e, b < 50 ? 2 : 1, b < 50 ? 0.5 : 1, 10));
      p.onEpochEnd(e, epochLogs(e));
    }
    const lines = c.out().trim().split('\n');
    // 10%, 20%, ..., 90% (not 100%: the epoch line covers it), then the epoch line; twice.
    expect(lines).toHaveLength(20);
    expect(lines[4]).toMatch(/^epoch 1\/2 +50% 500\/1000: loss 2\.0000 acc 50\.00% /);
    expect(lines[5]).toMatch(/^epoch 1\/2 +60% 600\/1000: loss 1\.8333 acc 58\.33% /); // (500·2 + 100·1)/600
    expect(lines[9]).toBe('epoch 1/2: loss 0.5000 acc 75.00% (1.0s, 1000 img/s)');
    expect(lines[10]).toMatch(/^epoch 2\/2 +10% /);
    expect(p.batchesSeen).toBe(200);
    expect(p.batchLoss[49]).toBe(2);
    expect(p.batchLoss[199]).toBe(1);
    expect(c.err()).toBe('');
  });

  it('with a TTY: draws a bar on stderr and prints only the epoch line on stdout', () => {
    const c = capture();
    c.io.stderr.isTTY = true;
    const p = new TrainProgress(c.io, { epochs: 1, images: 100, batchSize: 10 });
    for (let b = 0; b < 10; b++) p.onBatchEnd(b, batchLogs(0, 1.5, 0.5, 10));
    p.onEpochEnd(0, epochLogs(0));
    p.close();
    expect(c.out()).toBe('epoch 1/1: loss 0.5000 acc 75.00% (1.0s, 1000 img/s)\n');
    expect(c.err()).toContain('epoch 1/1 [');
    expect(c.err()).toContain('100/100 | loss 1.5000 acc 50.00%');
  });
});
