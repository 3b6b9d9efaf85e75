// Sequential: shape inference and its errors, the one memory plan (contiguous params/grads with
// decay weights first), summaries, no memory growth during fit, partial batches in the full
// plan, determinism and naive-vs-SIMD agreement.
import { describe, expect, it } from 'vitest';
import { getRuntime } from '../helpers/runtime.js';
import { makeRng } from '../helpers/rng.js';
import { Sequential } from '../../src/model/sequential.js';
import { Conv2D } from '../../src/layers/conv2d.js';
import { MaxPool2D, AvgPool2D } from '../../src/layers/pool2d.js';
import { Dense } from '../../src/layers/dense.js';
import { Flatten, Reshape } from '../../src/layers/flatten.js';
import { Dropout } from '../../src/layers/dropout.js';
import { Softmax, ReLU } from '../../src/layers/activations.js';
import { zooEntry } from '../../src/model/zoo.js';
import type { Layer } from '../../src/layers/layer.js';
import { synthDataset } from './util.js';

async function compiled(layers: Layer[], inputShape: number[], extra: Record<string, unknown> = {}): Promise<Sequential> {
  const m = new Sequential(layers);
  m.compileWith(await getRuntime(), { inputShape, optimizer: 'adam', seed: 1, ...extra });
  return m;
}

describe('shape inference errors name the layer, what it got and what it needs', () => {
  it('Dense after a conv without Flatten', async () => {
    await expect(compiled([new Conv2D({ filters: 8, kernelSize: 5 }), new Dense({ units: 10 })], [28, 28, 1]))
      .rejects.toThrow(/layer 1 'dense_1' \(Dense\): expects a 1-D input \[features\] per sample, got \[24, 24, 8\]; add a Flatten/);
  });
  it('Conv2D after Flatten', async () => {
    await expect(compiled([new Flatten(), new Conv2D({ filters: 2, kernelSize: 3 })], [8, 8, 1]))
      .rejects.toThrow(/layer 1 'conv2d_1' \(Conv2D\): expects a 3-D input \[height, width, channels\] per sample, got \[64\]/);
  });
  it('a kernel larger than its input', async () => {
    await expect(compiled([new Conv2D({ filters: 2, kernelSize: 5 }), new MaxPool2D({ poolSize: 2 }), new Conv2D({ filters: 2, kernelSize: 5 })], [10, 10, 1]))
      .rejects.toThrow(/layer 2 'conv2d_2' \(Conv2D\): a 5x5 window .* does not fit an input of 3x3/);
  });
  it('a Reshape that does not hold the same number of values', async () => {
    await expect(compiled([new Reshape({ targetShape: [5, 5] })], [4, 4, 1]))
      .rejects.toThrow(/layer 0 'reshape_1' \(Reshape\): cannot reshape \[4, 4, 1\] \(16 values\) to \[5, 5\]/);
  });
  it('a model that does not end in a vector of class scores', async () => {
    await expect(compiled([new Conv2D({ filters: 2, kernelSize: 3 })], [8, 8, 1])).rejects.toThrow(/class scores.*got \[6, 6, 2\]/);
    await expect(compiled([new Flatten(), new Dense({ units: 1 })], [8, 8, 1])).rejects.toThrow(/numClasses ≥ 2/);
  });
  it("softmax activation on a Dense that is not last", async () => {
    await expect(compiled([new Flatten(), new Dense({ units: 4, activation: 'softmax' }), new Dense({ units: 3 })], [2, 2, 1]))
      .rejects.toThrow(/layer 1 'dense_1' \(Dense\): activation 'softmax' is only supported on the last layer/);
  });
  it('bad input shapes, reused layers, duplicate names, compiling twice', async () => {
    await expect(compiled([new Flatten(), new Dense({ units: 2 })], [28, 28])).rejects.toThrow(/inputShape must be \[height, width, channels\] or \[features\]/);
    const d = new Dense({ units: 2 });
    await compiled([new Flatten(), d], [4, 4, 1]);
    expect(() => new Sequential([d])).toThrow(/already part of a model/);
    await expect(compiled([new Flatten({ name: 'a' }), new Dense({ units: 2, name: 'a' })], [4, 4, 1])).rejects.toThrow(/name 'a' is used by an earlier layer/);
    const m = await compiled([new Flatten(), new Dense({ units: 2 })], [4, 4, 1]);
    expect(() => m.compileWith(m.runtime, { inputShape: [4, 4, 1] })).toThrow(/already compiled/);
    expect(() => new Sequential([{} as Layer])).toThrow(/layer 0 is not a Layer/);
  });
  it('bad layer configs are rejected at construction', () => {
    expect(() => new Conv2D({ filters: 0, kernelSize: 3 })).toThrow(/Conv2D: filters must be a positive integer, got 0/);
    expect(() => new Conv2D({ filters: 2, kernelSize: 3, padding: 'full' as never })).toThrow(/padding must be 'same', 'valid'/);
    expect(() => new Conv2D({ filters: 2, kernelSize: 3, activation: 'gelu' as never })).toThrow(/activation must be one of/);
    expect(() => new Conv2D({ filters: 2, kernelSize: 3, kernelInitializer: 'orthogonal' })).toThrow(/kernelInitializer must be one of/);
    expect(() => new MaxPool2D({ poolSize: [2, 0] as never })).toThrow(/poolSize must be a positive integer/);
    expect(() => new Dense({ units: 2.5 })).toThrow(/units must be a positive integer, got 2.5/);
    expect(() => new Dropout({ rate: 1 })).toThrow(/rate must be a number in \[0, 1\), got 1/);
  });
});

describe('memory plan', () => {
  it('parameters contiguous with decay weights first; gradients in the same order; Keras param counts', async () => {
    const e = zooEntry('lenet5');
    const m = await compiled(e.layers(), e.inputShape);
    const views = m.paramViews();
    expect(m.nParams).toBe(61706); // Keras: 156 + 2416 + 48120 + 10164 + 850
    const byOffset = [...views].sort((a, b) => a.value - b.value);
    let at = m.paramsPtr;
    for (const v of byOffset) {
      expect(v.value, `${v.name} follows the previous tensor`).toBe(at);
      expect(v.grad - m.gradsPtr, `${v.name} grad at the same relative offset`).toBe(v.value - m.paramsPtr);
      at += 4 * v.size;
    }
    expect(at - m.paramsPtr).toBe(4 * m.nParams);
    const firstBias = byOffset.findIndex((v) => !v.decay);
    expect(byOffset.slice(0, firstBias).every((v) => v.decay && v.name.endsWith('/kernel'))).toBe(true);
    expect(byOffset.slice(firstBias).every((v) => !v.decay && v.name.endsWith('/bias'))).toBe(true);
    expect(m.nDecay).toBe(byOffset.slice(0, firstBias).reduce((s, v) => s + v.size, 0));
  });

  it('summary: a Keras-like table with output shapes, params, totals and planned bytes', async () => {
    const e = zooEntry('lenet5');
    const m = await compiled(e.layers(), e.inputShape);
    m.plan(32, 'train');
    let printed = '';
    const s = m.summary((t) => { printed = t; });
    expect(printed).toBe(s);
    expect(s).toMatch(/conv2d_1 \(Conv2D\)\s+\(None, 28, 28, 6\)\s+156/);
    expect(s).toMatch(/maxpool2d_2 \(MaxPool2D\)\s+\(None, 5, 5, 16\)\s+0/);
    expect(s).toMatch(/dense_1 \(Dense\)\s+\(None, 120\)\s+48,120/);
    expect(s).toMatch(/Total params: 61,706/);
    expect(s).toMatch(/batch 32 \(train, 4 shards\): .* total [\d.]+ MiB \(\d+ bytes\)/);
    expect(s, 'no weight-decay count when the optimizer has no decay').not.toMatch(/weight decay/);
  });

  it('memory.buffer does not grow or change during fit (2 epochs, partial last batch, validation)', async () => {
    const m = await compiled([
      new Conv2D({ filters: 4, kernelSize: 3, activation: 'relu' }), new MaxPool2D({ poolSize: 2 }), new Dropout({ rate: 0.3 }),
      new Flatten(), new Dense({ units: 3 }),
    ], [10, 10, 1]);
    const data = synthDataset(70, [10, 10, 1], 3, 4);
    const mem = m.runtime.arena.memory;
    let bytes = -1;
    let buf: ArrayBuffer | undefined;
    let checks = 0;
    const same = () => {
      if (bytes < 0) { bytes = mem.buffer.byteLength; buf = mem.buffer as ArrayBuffer; return; }
      expect(mem.buffer.byteLength).toBe(bytes);
      expect(mem.buffer).toBe(buf);
      checks++;
    };
    await m.fit(data, { epochs: 2, batchSize: 16, validationSplit: 0.2, onBatchEnd: () => { same(); }, onEpochEnd: () => { same(); } });
    expect(checks).toBe(2 * 4 + 2 - 1); // 56 train samples → 4 batches (16, 16, 16, 8) per epoch
  });

  it('a partial batch run inside the full-batch plan equals a plan made for that batch size', async () => {
    const layers = () => [
      new Conv2D({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }), new AvgPool2D({ poolSize: 2, padding: 'same' }),
      new Conv2D({ filters: 4, kernelSize: 2 }), new ReLU(), new MaxPool2D({ poolSize: 2, strides: 1 }), new Flatten(), new Dense({ units: 3 }),
    ];
    for (const build of ['naive', 'simd'] as const) {
      const a = await compiled(layers(), [13, 11, 2], { optimizer: 'sgd', build });
      const b = await compiled(layers(), [13, 11, 2], { optimizer: 'sgd', build });
      const rng = makeRng(3);
      const x = Float32Array.from({ length: 5 * 13 * 11 * 2 }, () => rng());
      const y = Int32Array.from([0, 1, 2, 1, 0]);
      const pa = a.plan(8, 'train');
      a.setBatch(pa, 5);
      a.f32().set(x, pa.x0 >> 2);
      a.i32().set(y, pa.labels >> 2);
      const la = a.trainStep(pa);
      const pb = b.plan(5, 'train');
      b.f32().set(x, pb.x0 >> 2);
      b.i32().set(y, pb.labels >> 2);
      const lb = b.trainStep(pb);
      // Same samples, same kernels, same summation order per output ⇒ bit-identical.
      expect(la).toBe(lb);
      const wa = a.getWeights();
      const wb = b.getWeights();
      wa.forEach((w, i) => expect(Array.from(w.data), `${build} ${w.name}`).toEqual(Array.from(wb[i]!.data)));
      // And the plan can go back to the full batch.
      a.setBatch(pa, 8);
      expect(pa.runs.every((r) => r.B === 8)).toBe(true);
    }
  });
});

describe('reproducibility', () => {
  const layers = () => [
    new Conv2D({ filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: 'heNormal' }), new MaxPool2D({ poolSize: 2 }),
    new Dropout({ rate: 0.25 }), new Flatten(), new Dense({ units: 16, activation: 'relu' }), new Dropout({ rate: 0.5 }),
    new Dense({ units: 4 }), new Softmax(),
  ];
  const data = synthDataset(150, [12, 12, 1], 4, 8);

  it('same seed + same data + same build ⇒ bit-identical weights; another seed differs', async () => {
    const run = async (seed: number) => {
      const m = await compiled(layers(), [12, 12, 1], { seed });
      await m.fit(data, { epochs: 2, batchSize: 20 });
      return m.getWeights().flatMap((w) => Array.from(new Uint32Array(w.data.buffer)));
    };
    const a = await run(42);
    const b = await run(42);
    const c = await run(43);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('naive and SIMD builds give the same loss curve (per batch, 24 Adam steps) within 1e-4 relative', async () => {
    // Elementwise kernels are bit-identical across builds; conv and gemm reductions differ by
    // reordering, ~K·2^-23 ≈ 1e-6 relative per output. Over 24 short steps these differences
    // stay far below 1e-4 of the loss (observed ~1e-7); the bound leaves room for longer K.
    const curves: number[][] = [];
    for (const build of ['naive', 'simd'] as const) {
      const m = await compiled(layers(), [12, 12, 1], { seed: 7, build });
      const losses: number[] = [];
      await m.fit(data, { epochs: 3, batchSize: 20, onBatchEnd: (_b, l) => { losses.push(l.loss); } });
      curves.push(losses);
    }
    const [naive, simd] = curves as [number[], number[]];
    expect(naive.length).toBe(24);
    let worst = 0;
    naive.forEach((l, i) => {
      const rel = Math.abs(l - simd[i]!) / l;
      worst = Math.max(worst, rel);
      if (!(rel < 1e-4)) throw new Error(`batch ${i}: naive ${l} simd ${simd[i]} (rel ${rel.toExponential(2)} ≥ 1e-4)`);
    });
    console.log(`naive vs simd loss curve: worst relative difference ${worst.toExponential(2)}`);
  });
});
