// Layers: initialiser statistics (Keras definitions), dropout (expectation kept, mask reused in
// backward, identity at inference), Flatten/Reshape free (same memory), the fused final softmax.
import { describe, expect, it } from 'vitest';
import { getRuntime } from '../helpers/runtime.js';
import { makeRng } from '../helpers/rng.js';
import { Sequential } from '../../src/model/sequential.js';
import { Conv2D } from '../../src/layers/conv2d.js';
import { Dense } from '../../src/layers/dense.js';
import { Flatten, Reshape } from '../../src/layers/flatten.js';
import { Dropout } from '../../src/layers/dropout.js';
import { Softmax } from '../../src/layers/activations.js';
import { layerFromJSON, layerTypes } from '../../src/layers/registry.js';
import type { Layer } from '../../src/layers/layer.js';

async function compiled(layers: Layer[], inputShape: number[], seed = 1): Promise<Sequential> {
  const m = new Sequential(layers);
  m.compileWith(await getRuntime(), { inputShape, optimizer: 'sgd', seed });
  return m;
}

function stats(a: Float32Array): { mean: number; variance: number; maxAbs: number } {
  let s = 0;
  let s2 = 0;
  let m = 0;
  for (const v of a) { s += v; s2 += v * v; m = Math.max(m, Math.abs(v)); }
  const mean = s / a.length;
  return { mean, variance: s2 / a.length - mean * mean, maxAbs: m };
}

describe('initialisers', () => {
  it('glorotUniform (default): U[−L, L], L = sqrt(6/(fanIn+fanOut)); zero bias', async () => {
    const m = await compiled([new Dense({ units: 200 })], [300]);
    const [w, b] = m.getWeights() as unknown as [{ data: Float32Array }, { data: Float32Array }];
    const L = Math.sqrt(6 / 500);
    const s = stats(w.data);
    expect(s.maxAbs).toBeLessThanOrEqual(L);
    expect(s.maxAbs).toBeGreaterThan(0.99 * L); // 60000 draws reach the edge
    // Var U[−L,L] = L²/3. With n = 60000 the relative standard error of the sample variance is
    // 3·sqrt((1/5 − 1/9)/n) ≈ 0.0036; 0.02 is more than 5 of those.
    expect(Math.abs(s.variance / (L * L / 3) - 1)).toBeLessThan(0.02);
    expect(Math.abs(s.mean)).toBeLessThan(5 * Math.sqrt(L * L / 3 / w.data.length));
    expect(b.data.every((v) => v === 0)).toBe(true);
  });

  it('heNormal: truncated at 2σ, σ corrected so the variance is 2/fanIn (Keras)', async () => {
    const m = await compiled([new Conv2D({ filters: 64, kernelSize: 5, kernelInitializer: 'heNormal' }), new Flatten(), new Dense({ units: 2 })], [6, 6, 32]);
    const w = m.getWeights()[0]!.data; // 5·5·32·64 = 51200 values, fanIn = 800
    const target = 2 / 800;
    const s = stats(w);
    const sigmaRaw = Math.sqrt(target) / 0.87962566103423978;
    expect(s.maxAbs).toBeLessThanOrEqual(2 * sigmaRaw * (1 + 1e-6));
    // Relative SE of the variance of a 2σ-truncated normal: sqrt((kurtosis − 1)/n) ≈ sqrt(1.4/51200)
    // ≈ 0.0052; 0.03 is more than 5 of those.
    expect(Math.abs(s.variance / target - 1)).toBeLessThan(0.03);
  });

  it('seeded: same seed same weights, another seed different', async () => {
    const a = (await compiled([new Dense({ units: 8 })], [16], 5)).getWeights()[0]!.data;
    const b = (await compiled([new Dense({ units: 8 })], [16], 5)).getWeights()[0]!.data;
    const c = (await compiled([new Dense({ units: 8 })], [16], 6)).getWeights()[0]!.data;
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });
});

describe('Dropout', () => {
  it('keeps the expectation in training, zeroes about `rate`, reuses its mask in backward, fresh mask each step', async () => {
    const n = 10000;
    const B = 4;
    const rate = 0.3;
    const m = await compiled([new Dropout({ rate }), new Dense({ units: 2 })], [n]);
    const plan = m.plan(B, 'grad');
    const r = plan.runs[0]!;
    m.k.fill(plan.x0, B * n, 1);
    m.forwardPlan(plan, true);
    const y = m.f32().slice(r.y >> 2, (r.y >> 2) + B * n);
    const keep = 1 - rate;
    const scaled = Math.fround(1 / keep);
    let zeros = 0;
    let sum = 0;
    for (const v of y) {
      if (v === 0) zeros++;
      else if (v !== scaled) throw new Error(`dropout output ${v} is neither 0 nor 1/keep = ${scaled}`);
      sum += v;
    }
    // y ∈ {0, 1/keep}: mean 1, variance 1/keep − 1 ≈ 0.43, so the mean of 40000 values has
    // SE ≈ 0.0033; the bound 0.02 is 6 SE. The zero fraction has SE sqrt(0.21/40000) ≈ 0.0023.
    expect(Math.abs(sum / (B * n) - 1)).toBeLessThan(0.02);
    expect(Math.abs(zeros / (B * n) - rate)).toBeLessThan(0.015);
    // Backward: dx = dy ⊙ mask with the same mask.
    m.k.fill(r.dy, B * n, 2);
    m.layers[0]!.backward(m.k, r);
    const dx = m.f32().slice(r.dx >> 2, (r.dx >> 2) + B * n);
    for (let i = 0; i < dx.length; i++) if (dx[i] !== 2 * y[i]! && !(y[i] === 0 && dx[i] === 0)) throw new Error(`dx[${i}] = ${dx[i]}, y = ${y[i]}`);
    // A second training forward draws a new mask.
    m.forwardPlan(plan, true);
    const y2 = m.f32().slice(r.y >> 2, (r.y >> 2) + B * n);
    expect(Array.from(y2)).not.toEqual(Array.from(y));
  });

  it('is the identity at inference: same memory in inference plans, ones in a training plan run with training = false', async () => {
    const m = await compiled([new Dropout({ rate: 0.5 }), new Dense({ units: 2 })], [64]);
    const infer = m.plan(2, 'infer');
    expect(infer.runs[0]!.y).toBe(infer.runs[0]!.x);
    const train = m.plan(2, 'train');
    const rng = makeRng(1);
    const x = Float32Array.from({ length: 128 }, () => rng());
    m.f32().set(x, train.x0 >> 2);
    m.forwardPlan(train, false);
    const r = train.runs[0]!;
    expect(Array.from(m.f32().slice(r.y >> 2, (r.y >> 2) + 128))).toEqual(Array.from(x));
    // predict (inference) equals the model without dropout: compare with a twin sharing weights.
    const twin = await compiled([new Flatten(), new Dense({ units: 2 })], [64]);
    twin.setWeights(m.getWeights()); // both name their Dense 'dense_1'
    expect(Array.from(m.predict(x).probabilities)).toEqual(Array.from(twin.predict(x).probabilities));
  });
});

describe('Flatten, Reshape, fused softmax, registry', () => {
  it('Flatten and Reshape share memory with their input', async () => {
    const m = await compiled([new Reshape({ targetShape: [-1, 2] }), new Flatten(), new Dense({ units: 3 })], [4, 4, 2]);
    expect(m.layers[0]!.outShape).toEqual([16, 2]);
    expect(m.layers[1]!.outShape).toEqual([32]);
    for (const mode of ['train', 'infer', 'grad'] as const) {
      const p = m.plan(3, mode);
      expect(p.runs[0]!.y).toBe(p.x0);
      expect(p.runs[1]!.y).toBe(p.x0);
    }
  });

  it('a final Softmax is fused: training stops at the logits, predict gives probabilities that sum to 1', async () => {
    const withSoftmax = await compiled([new Flatten(), new Dense({ units: 5 }), new Softmax()], [3, 3, 1], 9);
    const denseSoftmax = await compiled([new Flatten(), new Dense({ units: 5, activation: 'softmax' })], [3, 3, 1], 9);
    expect(withSoftmax.stackSize).toBe(2);
    const rng = makeRng(4);
    const x = Float32Array.from({ length: 4 * 9 }, () => rng());
    const p = withSoftmax.predict(x);
    const q = denseSoftmax.predict(x);
    expect(Array.from(p.probabilities)).toEqual(Array.from(q.probabilities));
    for (let r = 0; r < 4; r++) {
      const row = p.probabilities.subarray(r * 5, r * 5 + 5);
      expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-6); // 5 f32 terms: ≤ 5·2^-24 each
      expect(p.classes[r]).toBe(row.indexOf(Math.max(...row)));
    }
  });

  it('every built-in layer round-trips through the registry', () => {
    expect(layerTypes()).toEqual(expect.arrayContaining(['Conv2D', 'MaxPool2D', 'AvgPool2D', 'Dense', 'Flatten', 'Reshape', 'ReLU', 'Tanh', 'Sigmoid', 'Softmax', 'Dropout']));
    const c = new Conv2D({ filters: 3, kernelSize: [3, 5], strides: 2, padding: 'same', activation: 'tanh', useBias: false, kernelInitializer: 'he_normal', name: 'c' });
    const back = layerFromJSON(JSON.parse(JSON.stringify(c.toJSON())));
    expect(back).toBeInstanceOf(Conv2D);
    expect(back.toJSON()).toEqual(c.toJSON());
    expect(() => layerFromJSON({ type: 'LSTM', config: {} })).toThrow(/unknown layer type "LSTM"; known types: Conv2D/);
  });
});
