// Trainer: overfitting one batch, history and callbacks, validation, evaluate/predict metrics,
// optimizer updates against their formulas, and clear errors before any training happens.
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
import type { OptimizerSpec } from '../../src/optimizers/index.js';
import { synthDataset } from '../model/util.js';

let mnist: Dataset;
beforeAll(async () => {
  mnist = take((await loadEmbeddedMnist({ trainCount: 600, testCount: 10 })).train, 600);
});

const small = () => [
  new Conv2D({ filters: 6, kernelSize: 5, activation: 'relu' }), new MaxPool2D({ poolSize: 2 }),
  new Flatten(), new Dense({ units: 32, activation: 'relu' }), new Dense({ units: 10 }),
];

async function model(optimizer: OptimizerSpec = 'adam', layers = small(), inputShape = [28, 28, 1], seed = 1): Promise<Sequential> {
  const m = new Sequential(layers);
  m.compileWith(await getRuntime(), { inputShape, optimizer, seed });
  return m;
}

describe('training', () => {
  it('overfits one batch of 16 digits: 50 Adam steps cut the loss more than 10x', async () => {
    const m = await model({ type: 'adam', lr: 3e-3 });
    const batch = take(mnist, 16);
    const h = await m.fit(batch, { epochs: 50, batchSize: 16 });
    const after = m.evaluate(batch).loss;
    console.log(`overfit: loss ${h.loss[0]!.toFixed(4)} → ${after.toFixed(5)}`);
    expect(after).toBeLessThan(h.loss[0]! / 10);
    expect(m.evaluate(batch).accuracy).toBe(1);
  });

  it('per-sample SGD (batch 1) learns: epoch 2 loss below epoch 1, history fields filled', async () => {
    const m = await model({ type: 'sgd', lr: 0.01 });
    const data = take(mnist, 300);
    const h = await m.fit(data, { epochs: 2, batchSize: 1, validationData: take(mnist, 50) });
    expect(h.epoch).toEqual([0, 1]);
    expect(h.loss[1]!).toBeLessThan(h.loss[0]!);
    expect(h.accuracy.length).toBe(2);
    expect(h.valLoss.length).toBe(2);
    expect(h.valAccuracy.every((a) => a >= 0 && a <= 1)).toBe(true);
    expect(h.imagesPerSecond.every((r) => r > 0)).toBe(true);
  });

  it("callbacks: 'stop' from onBatchEnd ends the run, onEpochEnd can stop and be async", async () => {
    const m = await model();
    const data = take(mnist, 100);
    let batches = 0;
    const h = await m.fit(data, { epochs: 3, batchSize: 10, onBatchEnd: () => (++batches === 3 ? 'stop' : undefined) });
    expect(batches).toBe(3);
    expect(h.loss.length).toBe(1);
    const seen: number[] = [];
    const h2 = await m.fit(data, {
      epochs: 5, batchSize: 50,
      onEpochEnd: async (e, logs) => { seen.push(e); expect(logs.imagesPerSecond).toBeGreaterThan(0); return e === 1 ? 'stop' : undefined; },
    });
    expect(seen).toEqual([0, 1]);
    expect(h2.loss.length).toBe(2);
  });

  it('validationSplit holds out a stratified fraction; batch logs cover only the training part', async () => {
    const m = await model();
    const data = take(mnist, 200);
    let trained = 0;
    const h = await m.fit(data, { epochs: 1, batchSize: 32, validationSplit: 0.25, onBatchEnd: (_b, l) => { trained += l.size; } });
    // splitValidation holds out round(0.25 · 200) = 50 in total (largest remainder over classes).
    expect(trained).toBe(150);
    expect(h.valLoss.length).toBe(1);
  });

  it('evaluate: confusion, accuracy, precision, recall and loss agree with predict', async () => {
    const m = await model();
    await m.fit(take(mnist, 300), { epochs: 1, batchSize: 32 });
    const test = take(mnist, 130); // 130 = not a multiple of the eval batch below
    const ev = m.evaluate(test, { batchSize: 64 });
    const pr = m.predict(test, { batchSize: 48 });
    const N = 10;
    const conf = new Int32Array(N * N);
    let correct = 0;
    let nll = 0;
    for (let i = 0; i < test.count; i++) {
      const t = test.labels[i]!;
      const p = pr.classes[i]!;
      conf[t * N + p]!++;
      if (t === p) correct++;
      nll -= Math.log(pr.probabilities[i * N + t]!);
    }
    expect(Array.from(ev.confusion)).toEqual(Array.from(conf));
    expect(ev.accuracy).toBe(correct / test.count);
    // Loss: f32 probabilities vs the kernel's log-sum-exp; 1e-5 relative (STYLE.md softmax xent rtol).
    expect(Math.abs(ev.loss - nll / test.count)).toBeLessThan(1e-5 * (nll / test.count));
    for (let c = 0; c < N; c++) {
      let col = 0;
      let row = 0;
      for (let j = 0; j < N; j++) { col += conf[j * N + c]!; row += conf[c * N + j]!; }
      expect(ev.precision[c]).toBeCloseTo(col ? conf[c * N + c]! / col : 0, 12);
      expect(ev.recall[c]).toBeCloseTo(row ? conf[c * N + c]! / row : 0, 12);
    }
    // predict on a raw Float32Array gives the same result as on the Dataset.
    const raw = m.predict(test.images);
    expect(Array.from(raw.classes)).toEqual(Array.from(pr.classes));
  });
});

describe('optimizer updates follow their formulas (one model, two steps)', () => {
  // Elementwise kernels: naive vs f64 rtol 1e-6 (Adam 1e-5), atol 1e-7 (STYLE.md §6); we apply
  // the f64 formula to the f32 values before the step, so only the kernel's own rounding counts.
  const cases: { spec: OptimizerSpec; rtol: number; update: (w: number, g: number, s: number[], t: number, decay: boolean) => number }[] = [
    { spec: { type: 'sgd', lr: 0.1, weightDecay: 0.01 }, rtol: 1e-6, update: (w, g, _s, _t, d) => w - 0.1 * (g + (d ? 0.01 : 0) * w) },
    {
      spec: { type: 'momentum', lr: 0.05, momentum: 0.8, weightDecay: 0.02 }, rtol: 1e-6,
      update: (w, g, s, _t, d) => { s[0] = 0.8 * (s[0] ?? 0) - 0.05 * (g + (d ? 0.02 : 0) * w); return w + s[0]; },
    },
    {
      spec: { type: 'adam', lr: 0.01, weightDecay: 0.001 }, rtol: 1e-5,
      update: (w, g0, s, t, d) => {
        const g = g0 + (d ? 0.001 : 0) * w;
        s[0] = 0.9 * (s[0] ?? 0) + 0.1 * g;
        s[1] = 0.999 * (s[1] ?? 0) + 0.001 * g * g;
        return w - (0.01 * (s[0] / (1 - 0.9 ** t))) / (Math.sqrt(s[1] / (1 - 0.999 ** t)) + 1e-7);
      },
    },
  ];
  for (const c of cases) {
    it(`${(c.spec as { type: string }).type}`, async () => {
      const m = await model(c.spec, [new Flatten(), new Dense({ units: 5, activation: 'tanh' }), new Dense({ units: 3 })], [4, 3, 1]);
      const data = synthDataset(6, [4, 3, 1], 3, 2);
      m.setWeights(m.getWeights().map((w) => (w.name.endsWith('bias') ? { ...w, data: w.data.map((_, i) => 0.1 * (i - 1)) } : w)));
      const state = new Map<string, number[][]>();
      for (let t = 1; t <= 2; t++) {
        const before = m.getWeights();
        const grads = m.lossAndGradients(data.images, data.labels).grads;
        m.optimizer.step();
        const after = m.getWeights();
        before.forEach((w, k) => {
          const g = grads.get(w.name)!;
          const s = state.get(w.name) ?? Array.from({ length: w.data.length }, () => [] as number[]);
          state.set(w.name, s);
          for (let i = 0; i < w.data.length; i++) {
            const want = c.update(w.data[i]!, g[i]!, s[i]!, t, w.name.endsWith('kernel'));
            const got = after[k]!.data[i]!;
            const tol = c.rtol * Math.abs(want) + 1e-7;
            if (!(Math.abs(got - want) <= tol)) throw new Error(`step ${t} ${w.name}[${i}]: got ${got} want ${want} (tol ${tol})`);
          }
          expect(Array.from(after[k]!.data)).not.toEqual(Array.from(w.data));
        });
        // keep the f64 state in step with the kernel's f32 state
        for (const s of state.values()) for (const e of s) for (let j = 0; j < e.length; j++) e[j] = Math.fround(e[j]!);
      }
    });
  }
});

describe('clear errors before any training', () => {
  it('bad hyper-parameters', async () => {
    const m = () => model();
    await expect(model({ type: 'sgd', lr: 0 })).rejects.toThrow(/SGD: lr must be a finite number > 0 or a schedule, got 0/);
    await expect(model({ type: 'adam', lr: -1e-3 })).rejects.toThrow(/Adam: lr must be a finite number > 0/);
    await expect(model({ type: 'momentum', momentum: 1 })).rejects.toThrow(/Momentum: momentum must be in \[0, 1\), got 1/);
    await expect(model({ type: 'adam', beta2: 1.5 })).rejects.toThrow(/Adam: beta2 must be in \[0, 1\)/);
    await expect(model({ type: 'adam', epsilon: 0 })).rejects.toThrow(/Adam: epsilon must be a finite number > 0/);
    await expect(model({ type: 'sgd', weightDecay: -1 })).rejects.toThrow(/SGD: weightDecay must be a finite number ≥ 0/);
    await expect(model('adagrad' as never)).rejects.toThrow(/optimizer must be an Optimizer, one of 'sgd', 'momentum', 'nesterov', 'adam', 'adamw', 'rmsprop'/);
    const mm = await m();
    const d = take(mnist, 20);
    await expect(mm.fit(d, { epochs: 0 })).rejects.toThrow(/fit: epochs must be a positive integer, got 0/);
    await expect(mm.fit(d, { batchSize: 1.5 })).rejects.toThrow(/fit: batchSize must be a positive integer, got 1.5/);
    await expect(mm.fit(d, { validationSplit: 1 })).rejects.toThrow(/validationSplit must be in \(0, 1\), got 1/);
    await expect(mm.fit(d, { validationSplit: 0.1, validationData: d })).rejects.toThrow(/validationData or validationSplit, not both/);
  });

  it('labels outside [0, numClasses) and images that do not fit the model; weights untouched', async () => {
    const m = await model('adam', [new Flatten(), new Dense({ units: 2 })]);
    const before = m.getWeights();
    const d = take(mnist, 20); // 10 classes, labels up to 9
    await expect(m.fit(d)).rejects.toThrow(/fit \(train\): label \d of sample \d+ in '.*' is outside \[0, 2\): model 'sequential' outputs 2 class scores/);
    const wrongShape: Dataset = { ...synthDataset(4, [14, 14, 1], 2, 1) };
    await expect(m.fit(wrongShape)).rejects.toThrow(/has images \[14, 14, 1\] but model 'sequential' expects input \[28, 28, 1\]/);
    const badLabels: Dataset = { ...synthDataset(4, [28, 28, 1], 2, 1), labels: Int32Array.from([0, 1, -1, 0]) };
    await expect(m.fit(badLabels)).rejects.toThrow(/label -1 of sample 2/);
    expect(() => m.evaluate(d)).toThrow(/evaluate: label \d/);
    expect(() => m.predict(new Float32Array(100))).toThrow(/predict: got 100 floats, which is not a whole number of samples of \[28, 28, 1\] \(784 floats each\)/);
    const after = m.getWeights();
    before.forEach((w, i) => expect(Array.from(after[i]!.data)).toEqual(Array.from(w.data)));
  });

  it('using a model before compile', () => {
    const m = new Sequential([new Flatten(), new Dense({ units: 2 })]);
    expect(() => m.predict(new Float32Array(4))).toThrow(/call compile\(\) before predict/);
    expect(() => m.summary()).toThrow(/call compile\(\) before summary/);
  });
});
