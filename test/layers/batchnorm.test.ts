// BatchNormalization, GlobalAveragePooling2D, LeakyReLU and ELU as layers of a model:
// train mode against the plain f64 batch norm (one shard and several), inference with the
// running statistics, the running-statistics update (Keras formula) over several steps, the
// non-trainable tensors outside the optimizer's range, save/load, summary and bad configs.
// Tolerances: y against the f64 reference 1e-4·(|y| + 1) (f32 statistics, see
// test/kernels/norm.test.ts); running statistics rtol 1e-5 (each step is three f32 roundings
// of values of order 1, compounded over 3 steps, plus the f32 batch mean/variance).
import { describe, expect, it } from 'vitest';
import { getRuntime } from '../helpers/runtime.js';
import { makeRng, randomArray } from '../helpers/rng.js';
import { expectWithin, relTol } from '../helpers/compare.js';
import { Sequential } from '../../src/model/sequential.js';
import { Conv2D } from '../../src/layers/conv2d.js';
import { Dense } from '../../src/layers/dense.js';
import { Flatten, Reshape } from '../../src/layers/flatten.js';
import { BatchNormalization } from '../../src/layers/batchnorm.js';
import { GlobalAveragePooling2D } from '../../src/layers/global-pool.js';
import { ELU, LeakyReLU } from '../../src/layers/activations.js';
import { serialize, modelFromSerialized } from '../../src/io/index.js';
import type { Layer } from '../../src/layers/layer.js';
import { bnApplyRef, bnStatsRef, bnTrainForwardRef, gapForwardRef } from '../reference/norm.js';
import { synthDataset } from '../model/util.js';

async function compiled(layers: Layer[], inputShape: number[], optimizer: unknown = 'sgd'): Promise<Sequential> {
  const m = new Sequential(layers);
  m.compileWith(await getRuntime(), { inputShape, optimizer: optimizer as 'sgd', seed: 3 });
  return m;
}

/** Sets gamma, beta, moving_mean and moving_variance of layer `name` to seeded random values; returns them. */
function randomizeBn(m: Sequential, name: string, C: number, seed: number): Record<string, Float32Array> {
  const rng = makeRng(seed);
  const vals: Record<string, Float32Array> = {
    gamma: Float32Array.from(randomArray(rng, C, 0.5, 1.5)), beta: Float32Array.from(randomArray(rng, C, -0.5, 0.5)),
    moving_mean: Float32Array.from(randomArray(rng, C, -1, 1)), moving_variance: Float32Array.from(randomArray(rng, C, 0.5, 2)),
  };
  m.setWeights(m.getWeights().map((w) => (w.name.startsWith(`${name}/`) ? { ...w, data: vals[w.name.slice(name.length + 1)]! } : w)));
  return vals;
}

describe('BatchNormalization', () => {
  for (const B of [5, 20, 37]) {
    it(`train mode uses the whole batch's statistics (B = ${B}), inference the running ones`, async () => {
      const C = 3, HW = 16;
      const m = await compiled([new BatchNormalization({ name: 'bn', momentum: 0.8 }), new Flatten(), new Dense({ units: 4 })], [4, 4, C]);
      const v = randomizeBn(m, 'bn', C, B);
      const rng = makeRng(100 + B);
      const x = Float32Array.from(randomArray(rng, B * HW * C, 0, 3));
      const plan = m.plan(B, 'train');
      expect(plan.activeShards, 'shards').toBe(Math.min(8, Math.max(1, Math.floor(B / 8))));
      m.f32().set(x, plan.x0 >> 2);
      m.forwardPlan(plan, true);
      const r = plan.runs[0]!;
      const y = m.f32().slice(r.y >> 2, (r.y >> 2) + B * HW * C);
      const ref = bnTrainForwardRef(x, B * HW, C, Math.fround(1e-3), v.gamma, v.beta);
      expectWithin(y, ref.y, Array.from(ref.y, (w) => 1e-4 * (Math.abs(w) + 1)), `train-mode y, B=${B}`);
      // One training forward updated the running statistics once (Keras: m·running + (1 − m)·batch, biased variance).
      const mom = Math.fround(0.8);
      const wantMean = Array.from(v.moving_mean!, (rv, c) => mom * rv + (1 - mom) * ref.mean[c]!);
      const wantVar = Array.from(v.moving_variance!, (rv, c) => mom * rv + (1 - mom) * ref.variance[c]!);
      expectWithin(m.paramData('bn/moving_mean'), wantMean, relTol(wantMean, 1e-5, 1e-6), 'running mean');
      expectWithin(m.paramData('bn/moving_variance'), wantVar, relTol(wantVar, 1e-5, 1e-6), 'running variance (biased)');

      // Inference: the running statistics, whatever the batch.
      const rm = m.paramData('bn/moving_mean').slice(), rv = m.paramData('bn/moving_variance').slice();
      const infer = m.plan(B, 'infer');
      m.f32().set(x, infer.x0 >> 2);
      m.forwardPlan(infer, false);
      const ri = infer.runs[0]!;
      const yi = m.f32().slice(ri.y >> 2, (ri.y >> 2) + B * HW * C);
      const iref = bnApplyRef(x, B * HW, C, rm, rv, Math.fround(1e-3), v.gamma, v.beta);
      expectWithin(yi, iref, Array.from(iref, (w) => 1e-5 * (Math.abs(w) + 1)), 'inference y');
      expect(Array.from(m.paramData('bn/moving_mean')), 'inference leaves the running mean alone').toEqual(Array.from(rm));
    });
  }

  it('running statistics follow the formula over several training steps and stay outside the optimizer', async () => {
    const C = 6, B = 24;
    const m = await compiled([new BatchNormalization({ name: 'bn' }), new Dense({ units: 3 })], [C], { type: 'sgd', lr: 0.5 });
    const bn = m.paramViews().filter((p) => p.name.startsWith('bn/'));
    expect(bn.map((p) => [p.name, p.trainable])).toEqual([['bn/gamma', true], ['bn/beta', true], ['bn/moving_mean', false], ['bn/moving_variance', false]]);
    expect(m.nParams, 'optimizer range: gamma, beta and the dense layer').toBe(2 * C + C * 3 + 3);
    for (const p of bn.filter((q) => !q.trainable)) {
      expect(p.grad).toBe(0);
      expect(p.value >= m.paramsPtr + 4 * m.nParams || p.value + 4 * p.size <= m.paramsPtr, `${p.name} outside the optimizer's range`).toBe(true);
    }
    expect(m.getGradients().map((g) => g.name)).not.toContain('bn/moving_mean');
    const rng = makeRng(9);
    const x = Float32Array.from(randomArray(rng, B * C, -1, 4));
    const labels = Int32Array.from({ length: B }, (_, i) => i % 3);
    const s = bnStatsRef(x, B, C); // BN is first: its input, so its batch statistics, stay fixed
    let rm = Array.from({ length: C }, () => 0), rv = Array.from({ length: C }, () => 1);
    const mom = Math.fround(0.99);
    const plan = m.plan(B, 'train');
    m.setBatch(plan, B);
    const gamma0 = m.paramData('bn/gamma').slice();
    for (let t = 0; t < 3; t++) {
      m.f32().set(x, plan.x0 >> 2);
      m.i32().set(labels, plan.labels >> 2);
      m.trainStep(plan);
      rm = rm.map((v, c) => mom * v + (1 - mom) * s.mean[c]!);
      rv = rv.map((v, c) => mom * v + (1 - mom) * s.variance[c]!);
      expectWithin(m.paramData('bn/moving_mean'), rm, relTol(rm, 1e-5, 1e-7), `running mean after step ${t + 1}`);
      expectWithin(m.paramData('bn/moving_variance'), rv, relTol(rv, 1e-5, 1e-7), `running variance after step ${t + 1}`);
    }
    expect(Array.from(m.paramData('bn/gamma')), 'gamma is trained').not.toEqual(Array.from(gamma0));
  });

  it('save and load keep the running statistics; the loaded model predicts the same bits', async () => {
    const m = await compiled([new Conv2D({ filters: 4, kernelSize: 3 }), new BatchNormalization({ momentum: 0.5, epsilon: 1e-2 }),
      new ELU({ alpha: 0.7 }), new GlobalAveragePooling2D(), new Dense({ units: 5 }), new BatchNormalization({ center: false }),
      new LeakyReLU({ alpha: 0.1 }), new Dense({ units: 3 })], [7, 7, 2], { type: 'adam', lr: 1e-2 });
    const data = synthDataset(40, [7, 7, 2], 3, 4);
    await m.fit(data, { epochs: 2, batchSize: 16 });
    // Plans (with their barrier tapes) exist now: more training grows no memory.
    const bytes = m.runtime.arena.memory.buffer.byteLength;
    await m.fit(data, { epochs: 1, batchSize: 16 });
    expect(m.runtime.arena.memory.buffer.byteLength, 'wasm memory after another epoch').toBe(bytes);
    const running = m.getWeights().filter((w) => w.name.includes('moving_'));
    expect(running.length).toBe(4);
    expect(running.every((w) => w.data.some((v) => v !== 0 && v !== 1)), 'running statistics were updated').toBe(true);
    const loaded = await modelFromSerialized(serialize(m), { runtime: await getRuntime() });
    expect(loaded.toJSON().layers).toEqual(m.toJSON().layers);
    const a = m.getWeights(), b = loaded.getWeights();
    expect(b.map((w) => w.name)).toEqual(a.map((w) => w.name));
    a.forEach((w, i) => expect(Array.from(new Uint32Array(b[i]!.data.buffer)), w.name).toEqual(Array.from(new Uint32Array(w.data.buffer))));
    expect(Array.from(new Uint32Array(loaded.predict(data).probabilities.buffer)))
      .toEqual(Array.from(new Uint32Array(m.predict(data).probabilities.buffer)));
    expect(m.summary()).toMatch(/Trainable params: [\d,]+; non-trainable: 18 \(running statistics\)/);
  });

  it('bad configs and inputs are refused by name', async () => {
    expect(() => new BatchNormalization({ momentum: 1 })).toThrow('BatchNormalization: momentum must be a number in [0, 1), got 1');
    expect(() => new BatchNormalization({ epsilon: 0, name: 'b' })).toThrow("BatchNormalization 'b': epsilon must be a positive finite number, got 0");
    expect(() => new BatchNormalization({ scale: 'yes' as never })).toThrow('scale must be true or false');
    expect(() => new BatchNormalization({ axis: -1 } as never)).toThrow("BatchNormalization: unknown option 'axis'");
    expect(() => new LeakyReLU({ alpha: -0.1 })).toThrow('LeakyReLU: alpha must be a finite number ≥ 0, got -0.1');
    expect(() => new ELU({ alpha: 0 })).toThrow('ELU: alpha must be a finite number > 0, got 0');
    expect(() => new LeakyReLU({ negativeSlope: 0.2 } as never)).toThrow("LeakyReLU: unknown option 'negativeSlope' (allowed: alpha, name)");
    await expect(compiled([new Dense({ units: 4 }), new GlobalAveragePooling2D(), new Dense({ units: 2 })], [8]))
      .rejects.toThrow(/layer 1 'globalaveragepooling2d_1' \(GlobalAveragePooling2D\): expects a 3-D input/);
    await expect(compiled([new Reshape({ targetShape: [2, 2] }), new BatchNormalization(), new Flatten(), new Dense({ units: 3 })], [4]))
      .rejects.toThrow(/BatchNormalization\): expects \[features\] or \[height, width, channels\] per sample, got \[2, 2\]/);
  });
});

describe('GlobalAveragePooling2D, LeakyReLU, ELU as layers', () => {
  it('forward matches the references; defaults are Keras\'s (LeakyReLU 0.3, ELU 1)', async () => {
    expect(new LeakyReLU().alpha).toBe(0.3);
    expect(new ELU().alpha).toBe(1);
    const B = 3, H = 5, W = 4, C = 6;
    const m = await compiled([new LeakyReLU(), new ELU(), new GlobalAveragePooling2D(), new Dense({ units: 2 })], [H, W, C]);
    const x = Float32Array.from(randomArray(makeRng(5), B * H * W * C, -3, 3));
    const plan = m.plan(B, 'infer');
    m.f32().set(x, plan.x0 >> 2);
    m.forwardPlan(plan, false);
    const out = (j: number, n: number) => m.f32().slice(plan.runs[j]!.y >> 2, (plan.runs[j]!.y >> 2) + n);
    const a = Math.fround(0.3);
    const leaky = Array.from(x, (v) => (v > 0 ? v : a * v));
    expectWithin(out(0, x.length), leaky, relTol(leaky, 2 ** -24, 0), 'leaky relu');
    const elu = Array.from(out(0, x.length), (v) => (v > 0 ? v : Math.expm1(v)));
    expectWithin(out(1, x.length), elu, Array.from(elu, (w) => 8 * 2 ** -24 * (Math.abs(w) + 1)), 'elu');
    const gap = gapForwardRef(out(1, x.length), B, H * W, C);
    expectWithin(out(2, B * C), gap, Array.from(gap, () => H * W * 2 ** -23 * 3), 'global average pooling');
    expect(m.layers[2]!.outShape).toEqual([C]);
  });
});

describe('the BatchNorm test model learns', () => {
  it('bn-net overfits one batch of 32: the loss falls 10x in 60 steps', async () => {
    const { bnNet } = await import('../model/bn-net.js');
    const m = bnNet();
    m.compileWith(await getRuntime(), { inputShape: [28, 28, 1], seed: 2, optimizer: { type: 'adam', lr: 1e-2 }, threads: 1 });
    const data = synthDataset(32, [28, 28, 1], 10, 6);
    const plan = m.plan(32, 'train');
    m.setBatch(plan, 32);
    m.f32().set(data.images, plan.x0 >> 2);
    m.i32().set(data.labels, plan.labels >> 2);
    const first = m.trainStep(plan) / 32;
    let last = first;
    for (let t = 0; t < 59; t++) last = m.trainStep(plan) / 32;
    expect(last, `loss ${first} → ${last}`).toBeLessThan(first / 10);
  });
});

describe("activation: 'elu' and 'leaky_relu' on Conv2D and Dense", () => {
  it('give the same bits as the layer without activation followed by ELU({ alpha: 1 }) / LeakyReLU({ alpha: 0.2 }), forward and gradients', async () => {
    const rt = await getRuntime();
    const data = synthDataset(12, [6, 6, 2], 3, 8);
    const labels = data.labels;
    for (const act of ['elu', 'leaky_relu'] as const) {
      const layer = () => (act === 'elu' ? new ELU({ alpha: 1 }) : new LeakyReLU({ alpha: 0.2 }));
      const fused = new Sequential([new Conv2D({ filters: 3, kernelSize: 3, activation: act, name: 'c' }), new Flatten(),
        new Dense({ units: 4, activation: act, name: 'd' }), new Dense({ units: 3, name: 'o' })]);
      const split = new Sequential([new Conv2D({ filters: 3, kernelSize: 3, name: 'c' }), layer(), new Flatten(),
        new Dense({ units: 4, name: 'd' }), layer(), new Dense({ units: 3, name: 'o' })]);
      fused.compileWith(rt, { inputShape: [6, 6, 2], seed: 4, optimizer: 'sgd' });
      split.compileWith(rt, { inputShape: [6, 6, 2], seed: 4, optimizer: 'sgd' });
      const a = fused.lossAndGradients(data.images, labels), b = split.lossAndGradients(data.images, labels);
      expect(a.loss, act).toBe(b.loss);
      for (const [name, g] of a.grads) expect(Array.from(g), `${act} ${name}`).toEqual(Array.from(b.grads.get(name)!));
      expect([...a.grads.values()].every((g) => g.some((v) => v !== 0))).toBe(true);
    }
  });
});
