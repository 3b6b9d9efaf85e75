// Regression tests for three trainer defects found in review:
//  1. predict(dataset) on a flat-input model skipped the image-size check;
//  2. predict/evaluate/validation planned (and never freed) a new inference plan per distinct count;
//  3. fit({ validationSplit }) held out a different split on every call.
import { beforeAll, describe, expect, it } from 'vitest';
import { getRuntime } from '../helpers/runtime.js';
import { Sequential } from '../../src/model/sequential.js';
import { Conv2D } from '../../src/layers/conv2d.js';
import { MaxPool2D } from '../../src/layers/pool2d.js';
import { Dense } from '../../src/layers/dense.js';
import { Flatten } from '../../src/layers/flatten.js';
import { splitValidation, take } from '../../src/data/transforms.js';
import type { Runtime } from '../../src/runtime/load.js';
import { synthDataset } from '../model/util.js';

let rt: Runtime;
beforeAll(async () => { rt = await getRuntime(); });

/** A small conv net over 8x8x1 images, 4 classes. */
function convNet(seed: number): Sequential {
  const m = new Sequential([
    new Conv2D({ filters: 4, kernelSize: 3, activation: 'relu' }), new MaxPool2D({ poolSize: 2 }),
    new Flatten(), new Dense({ units: 4 }),
  ]);
  return m.compileWith(rt, { inputShape: [8, 8, 1], optimizer: 'adam', seed });
}

describe('predict checks the image size of a dataset for a flat-input model', () => {
  const flatNet = (): Sequential => new Sequential([new Dense({ units: 16, activation: 'relu' }), new Dense({ units: 10 })])
    .compileWith(rt, { inputShape: [784], optimizer: 'sgd', seed: 3 });

  it('49 images of 32x32x1 (50176 floats = 64 x 784) are rejected, not read as 64 made-up samples', () => {
    const m = flatNet();
    const d = synthDataset(49, [32, 32, 1], 10, 11);
    expect(() => m.predict(d)).toThrow(/^predict: dataset 'synthetic 32x32x1 x49' has images \[32, 32, 1\] but model '.*' expects input \[784\] \(784 values per sample\)$/);
    // evaluate already rejected it, with the same wording.
    expect(() => m.evaluate(d)).toThrow(/^evaluate: dataset .* has images \[32, 32, 1\] but model .* expects input \[784\]/);
  });

  it('28x28x1 images fit [784] and predict the same as the raw floats', () => {
    const m = flatNet();
    const d = synthDataset(5, [28, 28, 1], 10, 12);
    const a = m.predict(d);
    const b = m.predict(d.images);
    expect(a.classes.length).toBe(5);
    // Same floats through the same plan: bit-identical.
    expect(new Uint32Array(a.probabilities.buffer)).toEqual(new Uint32Array(b.probabilities.buffer));
  });
});

describe('inference plans are reused across counts', () => {
  const data = synthDataset(40, [8, 8, 1], 4, 21);
  const S = 64; // floats per image

  it('predict/evaluate of n = 1..40 after one call of 40 plan nothing new, and match exact-size plans bit for bit', async () => {
    // Reference: a twin model (same seed ⇒ same weights) run through an exact-size plan per n,
    // which is what predict did before the fix.
    const twin = convNet(5);
    const ref: Float32Array[] = [];
    for (let n = 1; n <= 40; n++) {
      const plan = twin.plan(n, 'infer');
      twin.setBatch(plan, n);
      twin.f32().set(data.images.subarray(0, n * S), plan.x0 >> 2);
      twin.inferStep(plan, false);
      ref.push(twin.f32().slice(plan.probs >> 2, (plan.probs >> 2) + n * 4));
    }

    const m = convNet(5);
    m.predict(data.images);
    m.evaluate(data);
    const used = rt.arena.used;
    const bytes = rt.arena.memory.buffer.byteLength;
    expect(m.planSizes('infer')).toHaveLength(1);
    for (let n = 1; n <= 40; n++) {
      const p = m.predict(data.images.subarray(0, n * S));
      // Each output row depends only on its own input row, computed in the same operation order
      // whatever the plan's B (no cross-row reduction in inference), so equality is exact.
      expect(new Uint32Array(p.probabilities.buffer), `n = ${n}`).toEqual(new Uint32Array(ref[n - 1]!.buffer));
      m.evaluate(take(data, n));
    }
    expect(rt.arena.used, 'arena bytes after 40 predict + 40 evaluate calls').toBe(used);
    expect(m.planSizes('infer')).toEqual([64]); // the first call's 40, rounded up to a power of two
    // Validation inside fit reuses the same plan too (only the train plan is new).
    await m.fit(take(data, 30), { epochs: 1, batchSize: 8, validationData: take(data, 10) });
    expect(m.planSizes('infer')).toEqual([64]);
    expect(m.planSizes('train')).toEqual([8]);
    expect(rt.arena.used - used).toBe(m.plan(8, 'train').bytes + arenaBytesOfSlots());
    expect(rt.arena.memory.buffer.byteLength).toBeGreaterThanOrEqual(bytes);
  });

  it('counts rising 1..40 from scratch make power-of-two plans only: 7 plans, not 40', () => {
    const m = convNet(6);
    for (let n = 1; n <= 40; n++) m.predict(data.images.subarray(0, n * S));
    expect(m.planSizes('infer')).toEqual([1, 2, 4, 8, 16, 32, 64]);
  });
});

// fit's train data slots (images, labels, index; 16-byte aligned) for the 30-sample run above,
// plus the val slots for 10 samples. Computed, not measured, so the growth assertion is exact.
function arenaBytesOfSlots(): number {
  const a16 = (x: number) => Math.ceil(x / 16) * 16;
  return a16(30 * 64 * 4) + a16(30 * 4) + a16(30 * 4) + a16(10 * 64 * 4) + a16(10 * 4) + a16(10 * 4);
}

describe('validationSplit holds out the same samples on every fit call', () => {
  const data = synthDataset(120, [8, 8, 1], 4, 31);

  /** valLoss reported by each epoch, next to the loss of `expected` evaluated at the same moment. */
  async function fitTwice(m: Sequential, expected: ReturnType<typeof splitValidation>['validation'], seed?: number) {
    const got: number[] = [];
    const want: number[] = [];
    for (let call = 0; call < 2; call++) {
      await m.fit(data, {
        epochs: 1, batchSize: 16, validationSplit: 0.25, seed,
        onEpochEnd: (_e, logs) => { got.push(logs.valLoss!); want.push(m.evaluate(expected).loss); },
      });
    }
    return { got, want };
  }

  it('without a seed: both calls validate on splitValidation(data, 0.25, model.seed)', async () => {
    const m = convNet(7);
    const expected = splitValidation(data, 0.25, m.seed).validation;
    const { got, want } = await fitTwice(m, expected);
    // The same samples through the same plan and batch size (min(256, 30)) give the same float
    // sum, so equality is exact; a different 30-sample split would give a different loss.
    expect(got).toEqual(want);
    expect(got[0]).not.toBe(got[1]); // weights changed between calls, so the check is not vacuous
  });

  it('with seed: both calls validate on splitValidation(data, 0.25, seed)', async () => {
    const m = convNet(7);
    const expected = splitValidation(data, 0.25, 99).validation;
    const { got, want } = await fitTwice(m, expected, 99);
    expect(got).toEqual(want);
  });
});
