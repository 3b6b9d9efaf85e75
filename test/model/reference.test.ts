// The wasm Sequential (f32, both builds) against the plain-TypeScript f64 reference
// (test/reference/sequential.ts): forward logits, every parameter gradient and the input
// gradient for one batch, and the first 10 losses of a seeded mini-batch Adam run.
//
// Tolerance for one forward/backward (normwise, per tensor): |got − ref| ≤ 1e-4 · max|ref|.
// Why: f32 rounding is 2^-24 ≈ 6e-8 per operation; the longest reductions here are ~150 terms
// (conv backward_filter over B·OH·OW), and the errors of ~6 layers add up, so the worst-case
// normwise error is about 6 · 150 · 6e-8 ≈ 5e-5 of the tensor's scale; 1e-4 is twice that.
// The test logs the largest observed err/tol.
// Trajectory: 10 Adam steps, each loss within 1e-3 relative of the reference (STYLE.md §6):
// per-step f32 differences of ~1e-6 are amplified by the updates, and the run is kept short.
import { describe, expect, it } from 'vitest';
import { getRuntime } from '../helpers/runtime.js';
import { relaxedSimdSupported } from '../../src/runtime/features.js';
import { makeRng } from '../helpers/rng.js';
import { RefSequential, refAdam, type RefLayer } from '../reference/sequential.js';
import { Sequential } from '../../src/model/sequential.js';
import { Conv2D } from '../../src/layers/conv2d.js';
import { MaxPool2D, AvgPool2D } from '../../src/layers/pool2d.js';
import { Dense } from '../../src/layers/dense.js';
import { Flatten } from '../../src/layers/flatten.js';
import { ReLU, Softmax } from '../../src/layers/activations.js';
import { copyWeightsToRef, maxAbs, maxAbsDiff, synthDataset } from './util.js';

const RTOL = 1e-4;

function check(got: ArrayLike<number>, want: ArrayLike<number>, label: string): number {
  expect(got.length, `${label}: length`).toBe(want.length);
  const tol = RTOL * Math.max(maxAbs(want), 1e-6);
  const { diff, at } = maxAbsDiff(got, want);
  if (!(diff <= tol)) throw new Error(`${label}: index ${at}: got ${got[at]} want ${want[at]} (|diff| ${diff.toExponential(3)} > tol ${tol.toExponential(3)})`);
  return diff / tol;
}

describe('Sequential vs the f64 reference', () => {
  // The relaxed build too where the engine has it (Node ≥ 22): FMA changes rounding only.
  for (const build of ['naive', 'simd', ...(relaxedSimdSupported() ? ['relaxed'] as const : [])] as const) {
    it(`${build}: logits and gradients of conv/pool/dense with relu, sigmoid, tanh, same/valid, stride 2`, async () => {
      const rt = await getRuntime();
      const model = new Sequential([
        new Conv2D({ filters: 5, kernelSize: 3, padding: 'same' }), new ReLU(), new MaxPool2D({ poolSize: 2 }),
        new Conv2D({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'sigmoid' }),
        new AvgPool2D({ poolSize: 2, padding: 'same' }), new Flatten(),
        new Dense({ units: 8, activation: 'tanh' }), new Dense({ units: 3 }), new Softmax(),
      ]);
      model.compileWith(rt, { inputShape: [11, 9, 2], optimizer: 'sgd', seed: 5, build });
      const rng = makeRng(77);
      model.setWeights(model.getWeights().map((w) =>
        w.name.endsWith('/bias') ? { ...w, data: Float32Array.from(w.data, () => 0.2 * (rng() - 0.5)) } : w));
      const ref: RefLayer[] = [
        { kind: 'conv', KH: 3, KW: 3, OC: 5, SH: 1, SW: 1, padding: 'same', act: 'linear' }, { kind: 'relu' },
        { kind: 'maxpool', KH: 2, KW: 2, SH: 2, SW: 2, padding: 'valid' },
        { kind: 'conv', KH: 3, KW: 3, OC: 4, SH: 2, SW: 2, padding: 'same', act: 'sigmoid' },
        { kind: 'avgpool', KH: 2, KW: 2, SH: 2, SW: 2, padding: 'same' }, { kind: 'flatten' },
        { kind: 'dense', OUT: 8, act: 'tanh' }, { kind: 'dense', OUT: 3, act: 'linear' },
      ];
      copyWeightsToRef(model, ref);
      const refModel = new RefSequential([11, 9, 2], ref);
      const B = 3;
      const x = Float32Array.from({ length: B * 11 * 9 * 2 }, () => rng());
      const labels = Int32Array.from([2, 0, 1]);
      const got = model.lossAndGradients(x, labels, { inputGradient: true });
      const want = refModel.lossAndGrads(Float64Array.from(x), labels, B);
      let worst = check(got.logits, want.logits, 'logits');
      expect(Math.abs(got.loss - want.loss)).toBeLessThan(RTOL * Math.max(1, want.loss));
      let r = 0;
      for (const l of model.layers.slice(0, model.stackSize)) {
        if (l.params.length > 0) {
          worst = Math.max(worst, check(got.grads.get(`${l.name}/kernel`)!, want.dw[r]!, `${l.name}/kernel grad`));
          worst = Math.max(worst, check(got.grads.get(`${l.name}/bias`)!, want.db[r]!, `${l.name}/bias grad`));
        }
        r++;
      }
      worst = Math.max(worst, check(got.inputGradient!, want.dx, 'input grad'));
      console.log(`reference ${build}: worst err/tol ${worst.toFixed(3)} (tol ${RTOL}·max|ref| per tensor)`);
    });
  }

  it('simd: the first 10 Adam losses (batch 16, fixed order) match the reference trainer within 1e-3 relative', async () => {
    const rt = await getRuntime();
    const data = synthDataset(64, [12, 12, 1], 4, 9, 0.6);
    const model = new Sequential([
      new Conv2D({ filters: 4, kernelSize: 5, activation: 'relu' }), new MaxPool2D({ poolSize: 2 }),
      new Flatten(), new Dense({ units: 4 }),
    ]);
    model.compileWith(rt, { inputShape: [12, 12, 1], optimizer: { type: 'adam', lr: 1e-2 }, seed: 21, build: 'simd' });
    const ref: RefLayer[] = [
      { kind: 'conv', KH: 5, KW: 5, OC: 4, SH: 1, SW: 1, padding: 'valid', act: 'relu' },
      { kind: 'maxpool', KH: 2, KW: 2, SH: 2, SW: 2, padding: 'valid' }, { kind: 'flatten' },
      { kind: 'dense', OUT: 4, act: 'linear' },
    ];
    copyWeightsToRef(model, ref);
    const refModel = new RefSequential([12, 12, 1], ref);
    const losses: number[] = [];
    await model.fit(data, {
      epochs: 3, batchSize: 16, shuffle: false,
      onBatchEnd: (_b, logs) => { losses.push(logs.loss); return losses.length >= 10 ? 'stop' : undefined; },
    });
    // Reference trainer: same batches in order (no shuffle), Adam in f64 over conv and dense params.
    const params = [ref[0]!, ref[3]!].flatMap((l) => (l.kind === 'conv' || l.kind === 'dense' ? [l.w!, l.b!] : []));
    const m = params.map((p) => new Float64Array(p.length));
    const v = params.map((p) => new Float64Array(p.length));
    const S = 144;
    const want: number[] = [];
    for (let t = 1; want.length < 10; t++) {
      const s = ((t - 1) % 4) * 16;
      const xb = Float64Array.from(data.images.subarray(s * S, (s + 16) * S));
      const g = refModel.lossAndGrads(xb, data.labels.subarray(s, s + 16), 16);
      want.push(g.loss);
      const grads = [g.dw[0]!, g.db[0]!, g.dw[3]!, g.db[3]!];
      params.forEach((p, i) => refAdam(p, grads[i]!, m[i]!, v[i]!, t, 1e-2));
    }
    expect(losses.length).toBe(10);
    for (let i = 0; i < 10; i++) {
      const rel = Math.abs(losses[i]! - want[i]!) / want[i]!;
      if (!(rel < 1e-3)) throw new Error(`step ${i}: loss ${losses[i]} reference ${want[i]} (rel ${rel.toExponential(2)} ≥ 1e-3)`);
    }
    expect(want[9]!).toBeLessThan(want[0]!); // the run actually trains
    console.log(`trajectory: wasm ${losses.map((l) => l.toFixed(5)).join(' ')}\n            ref  ${want.map((l) => l.toFixed(5)).join(' ')}`);
  });
});
