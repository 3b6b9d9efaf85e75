// Inference plans: nothing kept for a backward pass (no argmax or other caches; layer outputs in
// two ping-pong buffers, only the logits in their own), and conv + bias + relu fused into one
// kernel, with results equal bit for bit to the unfused forward of a training plan (which keeps
// every output and runs conv2d_forward, then relu_forward), for every layer's output.
import { describe, expect, it } from 'vitest';
import { getRuntime } from '../helpers/runtime.js';
import { makeRng, randomArray } from '../helpers/rng.js';
import { expectBitIdentical } from '../helpers/compare.js';
import { Sequential } from '../../src/model/sequential.js';
import { Conv2D, Dense, Dropout, Flatten, MaxPool2D } from '../../src/layers/index.js';
import type { Plan } from '../../src/model/plan.js';

function lenetLike(): Sequential {
  return new Sequential([
    new Conv2D({ filters: 6, kernelSize: 5, padding: 'same', activation: 'relu' }), // C = 1: direct kernel
    new MaxPool2D({ poolSize: 2 }),
    new Conv2D({ filters: 16, kernelSize: 5, activation: 'relu' }), // C = 6: im2col path
    new MaxPool2D({ poolSize: 2 }),
    new Dropout({ rate: 0.25 }),
    new Flatten(),
    new Dense({ units: 24, activation: 'relu' }),
    new Dense({ units: 10 }),
  ]);
}

describe('inference plans', () => {
  for (const B of [1, 20]) {
    it(`B = ${B}: logits and (in a keeping plan) every layer's output equal the training plan's unfused forward bit for bit`, async () => {
      const rt = await getRuntime();
      const m = lenetLike().compileWith(rt, { inputShape: [16, 16, 1], optimizer: 'sgd', seed: 7, threads: 1 });
      try {
        // Random biases too, so relu clips a mix of values.
        const rng = makeRng(31);
        m.setWeights(m.getWeights().map((w) => ({ name: w.name, data: Float32Array.from(randomArray(rng, w.data.length)) })));
        const x = Float32Array.from(randomArray(rng, B * 256));
        const run = (plan: Plan) => { m.setBatch(plan, B); m.f32().set(x, plan.x0 >> 2); m.forwardPlan(plan, false); };
        const train = m.plan(B, 'train');
        run(train);
        const out = (plan: Plan, j: number) => m.f32().slice(plan.runs[j]!.y >> 2, (plan.runs[j]!.y >> 2) + B * m.layers[j]!.outSize);
        const want = m.layers.slice(0, m.stackSize).map((_, j) => out(train, j));
        const last = m.stackSize - 1;
        const lean = m.plan(B, 'infer');
        run(lean);
        expectBitIdentical(out(lean, last), want[last]!, `B ${B}: lean plan logits`);
        const keep = m.plan(B, 'infer', true);
        expect(keep).not.toBe(lean);
        run(keep);
        for (let j = 0; j <= last; j++) expectBitIdentical(out(keep, j), want[j]!, `B ${B}: keeping plan, layer ${j} (${m.layers[j]!.type})`);
        expect(want[0]!.some((v) => v === 0) && want[0]!.some((v) => v > 0), 'relu clipped some outputs and kept others').toBe(true);
      } finally {
        m.dispose();
      }
    });
  }

  it('plan no caches and reuse two buffers for the layer outputs', async () => {
    const rt = await getRuntime();
    const m = lenetLike().compileWith(rt, { inputShape: [16, 16, 1], optimizer: 'sgd', seed: 7, threads: 1 });
    try {
      const B = 32;
      const lean = m.plan(B, 'infer');
      const keep = m.plan(B, 'infer', true);
      const train = m.plan(B, 'train');
      expect(train.byKind.caches ?? 0, 'training plans cache the argmax').toBeGreaterThan(0);
      expect(lean.byKind.caches ?? 0, 'no argmax in an inference plan').toBe(0);
      // Outputs per sample: 16·16·6, 8·8·6, 4·4·16 (conv2 'valid' 12x12 → pool 6x6), ..., logits 10.
      const outs = m.layers.slice(0, m.stackSize).filter((l) => !l.aliasesInput(false)).map((l) => l.outSize);
      const intermediate = outs.slice(0, -1);
      const largest = Math.max(...intermediate);
      expect(lean.rowFloats.some((r) => r.y === largest), 'shards are laid out in ping-pong rows').toBe(true);
      const bytes = lean.byKind.activations ?? 0;
      expect(bytes).toBeGreaterThanOrEqual(4 * B * (2 * largest + 10));
      expect(bytes).toBeLessThan(4 * B * (2 * largest + 10) + 64 * 3); // alignment only
      expect(keep.byKind.activations ?? 0).toBeGreaterThanOrEqual(4 * B * outs.reduce((a, b) => a + b, 0));
      // Consecutive writers alternate: no layer reads and writes the same buffer.
      lean.runs.forEach((r, j) => { if (!m.layers[j]!.aliasesInput(false)) expect(r.y, `layer ${j}`).not.toBe(r.x); });
    } finally {
      m.dispose();
    }
  });
});
