// Gradient clipping by global norm (optimizer clipNorm), done by the executor over the reduced
// gradient before the update: the norm against an f64 computation from the gradient itself, the
// clipped step against w − lr·g·clipNorm/(norm + 1e-6), no change when the norm is below the
// limit, and the same bits for 1 and 2 threads with several shards and several update chunks.
//
// Tolerances: the norm is an f64 sum of exact f64 squares in a different order from the test's,
// so it agrees to relative 1e-12. The clipped SGD step does three f32 roundings (scale, lr·g,
// subtraction): rtol 1e-6 of the weights plus atol 1e-8.

import { beforeAll, describe, expect, it } from 'vitest';
import { loadRuntime, type Runtime } from '../../src/runtime/load.js';
import { Sequential } from '../../src/model/sequential.js';
import { Conv2D, Dense, Flatten, MaxPool2D } from '../../src/layers/index.js';
import { expectWithin, relTol } from '../helpers/compare.js';
import { synthDataset } from '../model/util.js';
import { poolOf } from '../../src/pool/pool.js';
import type { OptimizerSpec } from '../../src/optimizers/index.js';

let rt: Runtime;
beforeAll(async () => { rt = await loadRuntime({}); });

// 36,984 parameters: three update chunks of 16,384.
const layers = () => [
  new Conv2D({ filters: 8, kernelSize: 3, activation: 'relu' }), new MaxPool2D({ poolSize: 2 }), new Flatten(),
  new Dense({ units: 180, activation: 'relu' }), new Dense({ units: 4 }),
];
const data = synthDataset(64, [12, 12, 1], 4, 9);

function model(optimizer: OptimizerSpec, threads: number | 'auto' = 1): Sequential {
  const m = new Sequential(layers());
  m.compileWith(rt, { inputShape: [12, 12, 1], optimizer, seed: 4, threads });
  return m;
}

function flat(m: Sequential): Float32Array {
  const ws = m.getWeights();
  const out = new Float32Array(ws.reduce((s, w) => s + w.data.length, 0));
  let at = 0;
  for (const w of ws) { out.set(w.data, at); at += w.data.length; }
  return out;
}

describe('clipNorm', () => {
  it('has several update chunks here', () => {
    expect(model('sgd').nParams).toBeGreaterThan(2 * 16384);
  });

  it('one clipped SGD step: norm as computed from the gradient, step w − lr·g·c/(norm + 1e-6)', async () => {
    const probe = model({ type: 'sgd', lr: 0.1 });
    const g = probe.lossAndGradients(data.images, data.labels); // the same batch fit will see (no shuffle)
    let sumsq = 0;
    for (const v of g.grads.values()) for (const x of v) sumsq += x * x;
    const norm = Math.sqrt(sumsq);
    const clipNorm = norm / 4; // well below the norm: clipping active
    const m = model({ type: 'sgd', lr: 0.1, clipNorm });
    const before = m.getWeights();
    await m.fit(data, { epochs: 1, batchSize: 64, shuffle: false });
    expect(Math.abs(m.optimizer.lastGradNorm - norm)).toBeLessThanOrEqual(1e-12 * norm);
    const s = clipNorm / (norm + 1e-6);
    const after = m.getWeights();
    before.forEach((w, i) => {
      const grad = g.grads.get(w.name)!;
      const want = Float64Array.from(w.data, (x, j) => x - 0.1 * grad[j]! * s);
      expectWithin(after[i]!.data, want, relTol(want, 1e-6, 1e-8), `clipped step ${w.name}`);
    });
  });

  it('Optimizer.step() clips too: g scaled by c/(norm + 1e-6), the norm from the gradient', async () => {
    const m = model({ type: 'sgd', lr: 0.5, clipNorm: 0.1 });
    const g = Float32Array.from({ length: m.nParams }, (_, i) => Math.sin(i));
    m.f32().set(g, m.gradsPtr >> 2);
    const w0 = Float32Array.from(m.f32().subarray(m.paramsPtr >> 2, (m.paramsPtr >> 2) + m.nParams));
    m.optimizer.step();
    let sumsq = 0;
    for (const x of g) sumsq += x * x;
    const norm = Math.sqrt(sumsq);
    expect(Math.abs(m.optimizer.lastGradNorm - norm)).toBeLessThanOrEqual(1e-12 * norm);
    const want = Float64Array.from(w0, (x, i) => x - 0.5 * g[i]! * (0.1 / (norm + 1e-6)));
    expectWithin(m.f32().subarray(m.paramsPtr >> 2, (m.paramsPtr >> 2) + m.nParams), want, relTol(want, 1e-6, 1e-8), 'step() clipped');
  });

  it('a norm below clipNorm leaves the step unchanged, to the bit', async () => {
    const a = model({ type: 'adam', lr: 1e-3, clipNorm: 1e6 });
    const b = model({ type: 'adam', lr: 1e-3 });
    await a.fit(data, { epochs: 2, batchSize: 16 });
    await b.fit(data, { epochs: 2, batchSize: 16 });
    expect(a.optimizer.lastGradNorm).toBeLessThan(1e6);
    expect([...flat(a)]).toEqual([...flat(b)]);
  });

  it('clipping changes the trajectory when active, and 1 and 2 threads give the same bits (4 shards, 3 chunks)', async () => {
    const plain = model({ type: 'adam', lr: 1e-2 });
    await plain.fit(data, { epochs: 2, batchSize: 32 });
    const one = model({ type: 'adam', lr: 1e-2, clipNorm: 0.05 }, 1);
    await one.fit(data, { epochs: 2, batchSize: 32 });
    const two = model({ type: 'adam', lr: 1e-2, clipNorm: 0.05 }, 2);
    if (two.threads === 2) {
      poolOf(rt).ensure(1);
      for (let i = 0; i < 500 && poolOf(rt).ready < 1; i++) await new Promise((r) => setTimeout(r, 10));
    }
    await two.fit(data, { epochs: 2, batchSize: 32 });
    expect(one.optimizer.lastGradNorm).toBeGreaterThan(0.05);
    expect(two.threads).toBe(2);
    const a = new Uint32Array(flat(one).buffer), b = new Uint32Array(flat(two).buffer);
    let diff = -1;
    for (let i = 0; i < a.length && diff < 0; i++) if (a[i] !== b[i]) diff = i;
    expect(diff, 'first weight that differs between 1 and 2 threads').toBe(-1);
    expect(two.optimizer.lastGradNorm).toBe(one.optimizer.lastGradNorm);
    expect([...flat(plain)]).not.toEqual([...flat(one)]);
  });
});
