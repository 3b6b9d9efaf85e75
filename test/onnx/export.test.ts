// exportOnnx checked by running the exported models in onnxruntime-web (wasm backend, Node).
//
// Tolerance: probabilities agree with simdnet's predict to 1e-5 absolute. Both sides compute in
// f32 but sum in different orders (simdnet's packed SIMD GEMM and im2col blocks vs onnxruntime's
// MLAS kernels), so logits differ by a few ulps of their partial sums (~1e-6 here); softmax's
// derivative is at most 1/4, so probabilities differ by less. 1e-5 leaves room for that and is
// small next to the differences between samples: each test checks that any two rows of its batch
// of 7 differ by more than 10x the tolerance, so mixing up samples, pixels or channels (a wrong
// transpose, pad or weight order) moves the probabilities by more than the test lets through.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sequential } from '../../src/model/sequential.js';
import { zoo, zooNames } from '../../src/model/zoo.js';
import {
  Conv2D, MaxPool2D, AvgPool2D, Dense, Flatten, Reshape, ReLU, Tanh, Sigmoid, Softmax, Dropout, Layer,
} from '../../src/layers/index.js';
import { exportOnnx, ONNX_OPSET } from '../../src/onnx/export.js';
import { decodeModel } from '../../src/onnx/graph.js';
import { int64 } from '../../src/onnx/schema.js';
import { loadEmbeddedMnist } from '../../src/data/mnist-node.js';
import { getRuntime } from '../helpers/runtime.js';
import { maxAbsDiff, randomImages, randomizeWeights, runOnnx, secondRoundLayers } from './ort.js';
import { expectWithin } from '../helpers/compare.js';

const TOL = 1e-5;
const models: Sequential[] = [];

async function compiled(layers: Layer[], inputShape: number[], seed: number, name = 'm'): Promise<Sequential> {
  const m = new Sequential(layers, name);
  await m.compile({ inputShape, seed, runtime: await getRuntime(), build: 'simd', threads: 1 });
  models.push(m);
  return m;
}

/** Rows of a [B, N] probability matrix differ pairwise by more than `gap` somewhere. */
function rowsDistinct(p: Float32Array, B: number, N: number, gap = 10 * TOL): boolean {
  for (let i = 0; i < B; i++) {
    for (let j = i + 1; j < B; j++) {
      if (maxAbsDiff(p.subarray(i * N, (i + 1) * N), p.subarray(j * N, (j + 1) * N)) <= gap) return false;
    }
  }
  return true;
}

/** Exports `m`, runs B = 1 and B = 7 in onnxruntime and compares with predict. */
async function expectSameAsPredict(m: Sequential, seed: number): Promise<void> {
  const bytes = exportOnnx(m);
  const inSize = m.inputShape.reduce((a, b) => a * b, 1);
  for (const B of [1, 7]) {
    const x = randomImages(seed + B, B * inSize);
    const want = m.predict(x).probabilities;
    const got = await runOnnx(bytes, x, [B, ...m.inputShape]);
    expect(got.dims).toEqual([B, m.numClasses]);
    expectWithin(got.data, want, TOL, `${m.name} B=${B}: onnxruntime vs predict`);
    if (B > 1) expect(rowsDistinct(want, B, m.numClasses), `${m.name}: rows too alike to catch an order mistake`).toBe(true);
  }
}

afterAll(() => { for (const m of models) m.dispose(); });

describe('exportOnnx: every zoo model agrees with predict in onnxruntime (B = 1 and 7, |Δp| ≤ 1e-5)', () => {
  for (const name of zooNames()) {
    it(name, async () => {
      const e = zoo[name]!;
      const m = await compiled(e.layers(), e.inputShape, 11, name);
      randomizeWeights(m, 100 + name.length);
      await expectSameAsPredict(m, 7);
    });
  }
});

describe('exportOnnx: each layer option', () => {
  it('strided same convs, numeric padding, same max/avg pooling (count_include_pad = 0), standalone activations, a channel softmax, Reshape, Dropout, no biases', async () => {
    const m = await compiled([
      new Conv2D({ filters: 4, kernelSize: [3, 2], strides: 2, padding: 'same', activation: 'tanh' }), // 13x11 → 7x6
      new AvgPool2D({ poolSize: 3, strides: 2, padding: 'same' }),   // 7x6 → 4x3, border windows clipped
      new Conv2D({ filters: 5, kernelSize: 2, padding: 1, useBias: false }), // → 5x4
      new ReLU(),
      new MaxPool2D({ poolSize: [2, 3], strides: 1, padding: 'same' }),
      new Softmax(),                                                  // over channels, in NCHW (axis 1)
      new Sigmoid(),
      new AvgPool2D({ poolSize: 2, strides: 1, padding: 1 }),          // numeric padding → 6x5
      new Reshape({ targetShape: [5, 6, 5] }),                         // NHWC reshape, then a conv again
      new Dropout({ rate: 0.3 }),
      new Conv2D({ filters: 3, kernelSize: 3, strides: [1, 2], activation: 'sigmoid' }),
      new Flatten(),
      new Tanh(),
      new Dense({ units: 9, activation: 'relu', useBias: false }),
      new Dropout({ rate: 0.5 }),
      new Dense({ units: 6, activation: 'sigmoid' }),
      new Dense({ units: 4, activation: 'softmax' }),
    ], [13, 11, 2], 3, 'all-layers');
    randomizeWeights(m, 5, 3);
    await expectSameAsPredict(m, 21);
  });

  it('BatchNormalization (first on the NHWC input, after a conv, after a dense; without β, without γ), GlobalAveragePooling2D, LeakyReLU, ELU', async () => {
    const m = await compiled(secondRoundLayers(), [9, 8, 3], 5, 'bn-gap');
    randomizeWeights(m, 12, 2);
    await expectSameAsPredict(m, 41);
    const ops = decodeModel(exportOnnx(m)).graph!.node!.map((n) => n.op_type);
    expect(ops.filter((o) => o === 'BatchNormalization')).toHaveLength(3);
    expect(ops).toEqual(expect.arrayContaining(['GlobalAveragePool', 'LeakyRelu', 'Elu']));
  });

  it('a final Softmax layer, a vector input, a Reshape of a vector', async () => {
    const m = await compiled([
      new Dense({ units: 12, activation: 'tanh' }), new Reshape({ targetShape: [3, 4] }), new Flatten(),
      new Dense({ units: 5 }), new Softmax(),
    ], [20], 4, 'vector');
    randomizeWeights(m, 6, 3);
    await expectSameAsPredict(m, 31);
  });

  it("the model's own input normalization (what predict applies) is in the graph by default; standardize: false leaves it out", async () => {
    const m = await compiled([new Conv2D({ filters: 4, kernelSize: 3, activation: 'relu' }), new Flatten(), new Dense({ units: 3 })], [6, 5, 2], 8, 'normalized');
    randomizeWeights(m, 9, 3);
    m.setNormalization({ type: 'standardize', mean: [0.3, -0.2], std: [0.5, 2] });
    await expectSameAsPredict(m, 41); // raw inputs on both sides
    const x = randomImages(43, 3 * 60);
    const without = await runOnnx(exportOnnx(m, { standardize: false }), x, [3, 6, 5, 2]);
    expect(maxAbsDiff(without.data, m.predict(x).probabilities), 'without the normalization the graph must differ').toBeGreaterThan(10 * TOL);
  });
});

describe('exportOnnx: the file', () => {
  it('is opset 13, NHWC input with a symbolic batch, and the lenet5 graph is Transpose, Conv…, Transpose, Flatten, Gemm…, Softmax', async () => {
    const e = zoo.lenet5!;
    const m = await compiled(e.layers(), e.inputShape, 1, 'lenet5');
    const bytes = exportOnnx(m, { metadata: { note: 'x' } });
    const doc = decodeModel(bytes);
    expect(doc.opset_import?.map((o) => [o.domain ?? '', int64(o.version, 'version')])).toEqual([['', ONNX_OPSET]]);
    const dims = doc.graph!.input![0]!.type!.tensor_type!.shape!.dim!;
    expect(dims.map((d) => d.dim_param ?? int64(d.dim_value, 'dim'))).toEqual(['batch', 28, 28, 1]);
    expect(doc.graph!.output![0]!.type!.tensor_type!.shape!.dim!.map((d) => d.dim_param ?? int64(d.dim_value, 'dim'))).toEqual(['batch', 10]);
    expect(doc.graph!.node!.map((n) => n.op_type)).toEqual([
      'Transpose', 'Conv', 'Relu', 'MaxPool', 'Conv', 'Relu', 'MaxPool', 'Transpose', 'Flatten',
      'Gemm', 'Relu', 'Gemm', 'Relu', 'Gemm', 'Softmax',
    ]);
    expect(doc.metadata_props).toContainEqual({ key: 'note', value: 'x' });
    expect(exportOnnx(m, { metadata: { note: 'x' } })).toEqual(bytes); // deterministic
    // A plain Uint8Array with a buffer of its own (not a Node Buffer from a shared pool).
    expect(Object.getPrototypeOf(bytes)).toBe(Uint8Array.prototype);
    expect([bytes.byteOffset, bytes.buffer.byteLength]).toEqual([0, bytes.length]);
  });

  it('conv kernels are OIHW: the ONNX initializer holds kernel[kh][kw][c][o] at [o][c][kh][kw]', async () => {
    const m = await compiled([new Conv2D({ filters: 3, kernelSize: [2, 4] }), new Flatten(), new Dense({ units: 2 })], [5, 6, 2], 2);
    const k = m.getWeights().find((w) => w.name.endsWith('conv2d_1/kernel'))!;
    const init = decodeModel(exportOnnx(m)).graph!.initializer!.find((t) => t.name === 'conv2d_1/kernel')!;
    expect(init.dims!.map((d) => int64(d, 'dim'))).toEqual([3, 2, 2, 4]);
    const onnx = new Float32Array(Uint8Array.from(init.raw_data!).buffer);
    for (const [kh, kw, c, o] of [[0, 0, 0, 0], [1, 3, 1, 2], [0, 2, 1, 1], [1, 0, 0, 2]] as const) {
      expect(onnx[((o * 2 + c) * 2 + kh) * 4 + kw]).toBe(k.data[((kh * 4 + kw) * 2 + c) * 3 + o]);
    }
  });
});

describe('exportOnnx: a trained lenet5', () => {
  it('gives the same classes as simdnet on the whole embedded test split (2,004 digits) in onnxruntime', async () => {
    const { train, test } = await loadEmbeddedMnist();
    const e = zoo.lenet5!;
    const m = new Sequential(e.layers(), 'lenet5');
    await m.compile({ inputShape: e.inputShape, optimizer: { type: 'adam', lr: 1e-3 }, seed: 1, runtime: await getRuntime(), build: 'simd', threads: 2 });
    models.push(m);
    await m.fit(train, { epochs: 1, batchSize: 32, seed: 2 });
    const want = m.predict(test);
    const got = await runOnnx(exportOnnx(m), test.images, [test.count, 28, 28, 1]);
    const classes = new Int32Array(test.count);
    for (let i = 0; i < test.count; i++) {
      const row = got.data.subarray(i * 10, (i + 1) * 10);
      classes[i] = row.indexOf(Math.max(...row));
    }
    expect(Array.from(classes)).toEqual(Array.from(want.classes));
    expectWithin(got.data, want.probabilities, TOL, 'trained lenet5: onnxruntime vs predict');
    const accuracy = want.classes.filter((c, i) => c === test.labels[i]).length / test.count;
    expect(accuracy).toBeGreaterThan(0.8); // it did train (chance is 0.1)
  });
});

describe('exportOnnx: bad input', () => {
  it('refuses a disposed model, an uncompiled one, a non-model and non-finite weights, naming what is wrong', async () => {
    const m = await compiled([new Flatten(), new Dense({ units: 2 })], [2, 2, 1], 1, 'gone');
    m.dispose();
    expect(() => exportOnnx(m)).toThrow(/model 'gone' is disposed; export it before dispose\(\)/);
    expect(() => exportOnnx(new Sequential([new Dense({ units: 2 })], 'raw'))).toThrow(/model 'raw' is not compiled; call compile\(\) first/);
    expect(() => exportOnnx({} as Sequential)).toThrow(/expected a compiled Sequential model/);
    const n = await compiled([new Flatten(), new Dense({ units: 2 })], [2, 2, 1], 1, 'nan');
    n.paramData('dense_1/kernel')[3] = NaN;
    expect(() => exportOnnx(n)).toThrow(/non-finite weight \(dense_1\/kernel\[3\] = NaN\)/);
  });

  it('refuses a layer type it has no mapping for, naming the layer and the types it writes', async () => {
    class Square extends Layer {
      readonly type = 'Square';
      outputShape(s: readonly number[]): number[] { return [...s]; }
      forward(): void { /* test only */ }
      backward(): void { /* test only */ }
      getConfig(): Record<string, unknown> { return {}; }
    }
    const m = await compiled([new Flatten(), new Square(), new Dense({ units: 2 })], [2, 2, 1], 1);
    expect(() => exportOnnx(m)).toThrow(/layer 1 'square_1' \(Square\) has no ONNX mapping; the exporter writes Conv2D, MaxPool2D, .*Dropout/);
  });
});
