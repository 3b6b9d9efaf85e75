// importOnnx: export → import gives bit-identical predictions (the weights only move, never
// change); PyTorch's own ONNX exports (fixtures written by fixtures/make-pytorch.py with
// PyTorch 1.13) import to PyTorch's probabilities within 1e-5 (f32 sums in other orders, as in
// export.test.ts); hand-built graphs in the other patterns agree with onnxruntime; an imported
// model fine-tunes; what cannot be read is refused naming the node.

import { afterAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { Sequential } from '../../src/model/sequential.js';
import { zoo, zooNames } from '../../src/model/zoo.js';
import { Conv2D, Dense, Flatten, MaxPool2D, AvgPool2D, ReLU, Tanh, Sigmoid, Softmax, Dropout, Reshape } from '../../src/layers/index.js';
import { exportOnnx } from '../../src/onnx/export.js';
import { importOnnx, readOnnxLayers } from '../../src/onnx/import.js';
import { GraphBuilder, encodeModel, valueInfo } from '../../src/onnx/graph.js';
import type { NodeMsg } from '../../src/onnx/schema.js';
import { loadEmbeddedMnist } from '../../src/data/mnist-node.js';
import { take } from '../../src/data/transforms.js';
import { getRuntime } from '../helpers/runtime.js';
import { makeRng } from '../helpers/rng.js';
import { randomImages, randomizeWeights, runOnnx, secondRoundLayers } from './ort.js';
import { expectBitIdentical, expectWithin } from '../helpers/compare.js';

const TOL = 1e-5;
const models: Sequential[] = [];
afterAll(() => { for (const m of models) m.dispose(); });

async function imported(bytes: Uint8Array): Promise<Sequential> {
  const m = await importOnnx(bytes, { runtime: await getRuntime(), build: 'simd', threads: 1, seed: 1 });
  models.push(m);
  return m;
}

async function compiled(m: Sequential, inputShape: number[], seed: number): Promise<Sequential> {
  await m.compile({ inputShape, seed, runtime: await getRuntime(), build: 'simd', threads: 1 });
  models.push(m);
  return m;
}

/** NCHW [B, C, H, W] → NHWC [B, H, W, C]. */
function toNhwc(x: ArrayLike<number>, B: number, C: number, H: number, W: number): Float32Array {
  const out = new Float32Array(B * C * H * W);
  for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) {
    out[((b * H + h) * W + w) * C + c] = x[((b * C + c) * H + h) * W + w]!;
  }
  return out;
}

function softmaxRows(z: ArrayLike<number>, N: number): Float64Array {
  const p = new Float64Array(z.length);
  for (let r = 0; r < z.length / N; r++) {
    let mx = -Infinity;
    for (let j = 0; j < N; j++) mx = Math.max(mx, z[r * N + j]!);
    let s = 0;
    for (let j = 0; j < N; j++) s += (p[r * N + j] = Math.exp(z[r * N + j]! - mx));
    for (let j = 0; j < N; j++) p[r * N + j]! /= s;
  }
  return p;
}

describe('export → import round trip: the same layers and weights, bit-identical predictions', () => {
  for (const name of zooNames()) {
    it(name, async () => {
      const e = zoo[name]!;
      const m = await compiled(new Sequential(e.layers(), name), e.inputShape, 11);
      randomizeWeights(m, 40);
      const back = await imported(exportOnnx(m));
      expect(back.inputShape).toEqual(m.inputShape);
      expect(back.layers.map((l) => l.name)).toEqual(m.layers.filter((l) => l.type !== 'Dropout').map((l) => l.name));
      const [wa, wb] = [back.getWeights(), m.getWeights()];
      expect(wa.map((w) => [w.name, w.shape])).toEqual(wb.map((w) => [w.name, w.shape]));
      wa.forEach((w, j) => expectBitIdentical(w.data, wb[j]!.data, w.name));
      const x = randomImages(5, 7 * back.layers[0]!.inSize);
      expectBitIdentical(back.predict(x).probabilities, m.predict(x).probabilities, `${name} probabilities`);
    });
  }

  it('batch norm (three ways), global average pooling, leaky ReLU, ELU', async () => {
    const m = await compiled(new Sequential(secondRoundLayers()), [9, 8, 3], 5);
    randomizeWeights(m, 12, 2);
    const back = await imported(exportOnnx(m));
    expect(back.layers.map((l) => l.type)).toEqual(m.layers.map((l) => l.type));
    // Every tensor comes back; a BatchNormalization without γ or β gets them as ones / zeros
    // (ONNX has no such form), so it imports as a full one that computes the same.
    const got = new Map(back.getWeights().map((w) => [w.name, w.data]));
    for (const w of m.getWeights()) expectBitIdentical(got.get(w.name)!, w.data, w.name);
    const extra = [...got.keys()].filter((n) => !m.getWeights().some((w) => w.name === n));
    expect(extra.sort()).toEqual(['batchnormalization_2/beta', 'batchnormalization_3/gamma']);
    expect([...got.get('batchnormalization_2/beta')!].every((v) => v === 0)).toBe(true);
    expect([...got.get('batchnormalization_3/gamma')!].every((v) => v === 1)).toBe(true);
    const x = randomImages(8, 7 * 9 * 8 * 3);
    expectBitIdentical(back.predict(x).probabilities, m.predict(x).probabilities, 'probabilities');
  });

  it('every layer option (strides, numeric and same padding, standalone activations, Reshape, channel softmax, no biases)', async () => {
    const m = await compiled(new Sequential([
      new Conv2D({ filters: 4, kernelSize: [3, 2], strides: 2, padding: 'same', activation: 'tanh' }),
      new AvgPool2D({ poolSize: 3, strides: 2, padding: 'same' }),
      new Conv2D({ filters: 5, kernelSize: 2, padding: 1, useBias: false }),
      new ReLU(),
      new MaxPool2D({ poolSize: [2, 3], strides: 1, padding: 'same' }),
      new Softmax(),
      new Sigmoid(),
      new AvgPool2D({ poolSize: 2, strides: 1, padding: 1 }),
      new Reshape({ targetShape: [5, 6, 5] }),
      new Dropout({ rate: 0.3 }),
      new Conv2D({ filters: 3, kernelSize: 3, strides: [1, 2], activation: 'sigmoid' }),
      new Flatten(),
      new Tanh(),
      new Dense({ units: 9, activation: 'relu', useBias: false }),
      new Dense({ units: 4, activation: 'softmax' }),
    ]), [13, 11, 2], 3);
    randomizeWeights(m, 5, 3);
    const back = await imported(exportOnnx(m));
    // The standalone ReLU right after the linear conv is fused into it (same values).
    expect(back.layers.map((l) => l.type)).toEqual(['Conv2D', 'AvgPool2D', 'Conv2D', 'MaxPool2D', 'Softmax', 'Sigmoid', 'AvgPool2D',
      'Reshape', 'Conv2D', 'Flatten', 'Tanh', 'Dense', 'Dense']);
    expect((back.layers[2] as Conv2D).activation).toBe('relu');
    const x = randomImages(8, 7 * 13 * 11 * 2);
    expectBitIdentical(back.predict(x).probabilities, m.predict(x).probabilities, 'probabilities');
  });
});

describe('PyTorch exports (torch.onnx.export, opset 13, NCHW): imported predictions equal PyTorch\'s', () => {
  for (const name of ['pytorch-lenet', 'pytorch-mixed', 'pytorch-bn']) {
    it(name, async () => {
      const bytes = new Uint8Array(await readFile(new URL(`./fixtures/${name}.onnx`, import.meta.url)));
      const fx = JSON.parse(await readFile(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as
        { shape: [number, number, number, number]; input: number[]; probabilities: number[] };
      const [B, C, H, W] = fx.shape;
      expect(readOnnxLayers(bytes).onnxInputLayout).toBe('NCHW');
      const m = await imported(bytes);
      expect(m.inputShape).toEqual([H, W, C]);
      const got = m.predict(toNhwc(fx.input, B, C, H, W));
      expectWithin(got.probabilities, fx.probabilities, TOL, `${name} vs PyTorch`);
      // onnxruntime reads the fixture the same way (the fixture itself is sound).
      const ort = await runOnnx(bytes, Float32Array.from(fx.input), fx.shape, 'x', 'y');
      const ortProbs = name === 'pytorch-mixed' ? ort.data : softmaxRows(ort.data, m.numClasses);
      if (name === 'pytorch-bn') {
        // Conv+BatchNorm2d arrive folded into the conv; BatchNorm1d after the Linear stays one.
        expect(m.layers.map((l) => l.type)).toEqual(['Conv2D', 'LeakyReLU', 'Conv2D', 'ELU', 'GlobalAveragePooling2D', 'Dense',
          'BatchNormalization', 'ReLU', 'Dense']);
      }
      expectWithin(ortProbs, fx.probabilities, TOL, `${name}: onnxruntime vs PyTorch`);
    });
  }

  it('an imported PyTorch model fine-tunes in simdnet: two epochs on 512 digits lower the loss', async () => {
    const bytes = new Uint8Array(await readFile(new URL('./fixtures/pytorch-lenet.onnx', import.meta.url)));
    const m = await importOnnx(bytes, { runtime: await getRuntime(), build: 'simd', threads: 1, optimizer: { type: 'adam', lr: 1e-3 } });
    models.push(m);
    const data = take((await loadEmbeddedMnist({ trainCount: 512, testCount: 1 })).train, 512);
    const before = m.evaluate(data).loss;
    await m.fit(data, { epochs: 2, batchSize: 32, seed: 3 });
    const after = m.evaluate(data).loss;
    expect(after).toBeLessThan(0.8 * before);
  });
});

/** A graph around `nodes` with one NCHW or flat input 'x' and output 'y'. */
function graphBytes(g: GraphBuilder, inDims: (number | string)[], outDims: (number | string)[], opset = 13): Uint8Array {
  return encodeModel({
    ir_version: 7, opset_import: [{ domain: '', version: opset }], producer_name: 'test',
    graph: { name: 'hand', node: g.nodes, initializer: g.initializers, input: [valueInfo('x', inDims)], output: [valueInfo('y', outDims)] },
  });
}

function rand(seed: number, n: number, scale = 0.5): Float32Array {
  const r = makeRng(seed);
  return Float32Array.from({ length: n }, () => scale * (2 * r() - 1));
}

describe('hand-built graphs in the other patterns agree with onnxruntime', () => {
  it('MatMul + Add, a Constant shape for Reshape [0, -1], GlobalMaxPool, Identity and Dropout nodes, a final Softmax', async () => {
    const g = new GraphBuilder();
    g.reserve('x', 'y');
    let v = g.node('Conv', ['x', g.floats('w1', [3, 2, 3, 3], rand(1, 54)), g.floats('b1', [3], rand(2, 3))],
      { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, 'conv');
    v = g.node('Identity', [v], {}, 'id');
    v = g.node('Relu', [v], {}, 'relu');
    const pooled = g.node('MaxPool', [v], { kernel_shape: [2, 2], strides: [2, 2] }, 'pool'); // 6x4 → 3x2
    const shape = 'shape';
    g.nodes.push({ op_type: 'Constant', name: 'c', output: [shape], input: [],
      attribute: [{ name: 'value', type: 4, t: { dims: [2], data_type: 7, int64_data: [0, -1] } }] } as NodeMsg);
    v = g.node('Reshape', [pooled, shape], {}, 'reshape');                      // NCHW flatten: rows permuted on import
    v = g.node('MatMul', [v, g.floats('w2', [18, 5], rand(3, 90))], {}, 'matmul');
    v = g.node('Add', [v, g.floats('b2', [5], rand(4, 5))], {}, 'add');
    v = g.node('Dropout', [v], {}, 'drop');
    g.node('Softmax', [v], { axis: 1 }, 'softmax', 'y');
    const bytes = graphBytes(g, ['batch', 2, 6, 4], ['batch', 5]);
    const m = await imported(bytes);
    expect(m.layers.map((l) => l.type)).toEqual(['Conv2D', 'MaxPool2D', 'Flatten', 'Dense']);
    const x = randomImages(9, 4 * 2 * 6 * 4);
    const want = await runOnnx(bytes, x, [4, 2, 6, 4], 'x', 'y');
    expectWithin(m.predict(toNhwc(x, 4, 2, 6, 4)).probabilities, want.data, TOL, 'MatMul graph vs onnxruntime');

    const g2 = new GraphBuilder();
    g2.reserve('x', 'y');
    const a = g2.node('Conv', ['x', g2.floats('w', [4, 2, 3, 3], rand(5, 72))], { kernel_shape: [3, 3] }, 'conv');
    const gp = g2.node('GlobalMaxPool', [a], {}, 'gmp');
    const fl = g2.node('Flatten', [gp], { axis: 1 }, 'flat');
    g2.node('Gemm', [fl, g2.floats('w2', [3, 4], rand(6, 12)), g2.floats('b2', [3], rand(7, 3))], { transB: 1 }, 'gemm', 'y');
    const bytes2 = graphBytes(g2, ['batch', 2, 6, 4], ['batch', 3]);
    const m2 = await imported(bytes2);
    const want2 = await runOnnx(bytes2, x, [4, 2, 6, 4], 'x', 'y');
    expectWithin(m2.predict(toNhwc(x, 4, 2, 6, 4)).probabilities, softmaxRows(want2.data, 3), TOL, 'GlobalMaxPool graph vs onnxruntime');
  });
});

describe('importOnnx: what it cannot read is refused, naming the node and what is supported', () => {
  function conv(attrs: Record<string, number | number[]>, op = 'Conv'): Uint8Array {
    const g = new GraphBuilder();
    g.reserve('x', 'y');
    const v = g.node(op, ['x', g.floats('w', [4, 2, 3, 3], rand(1, 72))], attrs, 'c1');
    const f = g.node('Flatten', [v], {}, 'f');
    g.node('Gemm', [f, g.floats('w2', [64, 3], rand(2, 192))], {}, 'gemm', 'y');
    return graphBytes(g, ['batch', 2, 6, 4], ['batch', 3]);
  }

  it('bad bytes, grouped or dilated convs, unknown operators, count_include_pad with padding, a branch, two inputs', async () => {
    await expect(importOnnx(new Uint8Array([1, 2, 3, 4, 5]))).rejects.toThrow(/importOnnx: not an ONNX model/);
    expect(() => readOnnxLayers(conv({ kernel_shape: [3, 3], group: 2 }))).toThrow(/node 0 'c1' \(Conv\): grouped convolutions \(group 2\) are not supported/);
    expect(() => readOnnxLayers(conv({ kernel_shape: [3, 3], dilations: [2, 2] }))).toThrow(/'c1' \(Conv\): dilated convolutions are not supported/);
    expect(() => readOnnxLayers(conv({}, 'DeformConv'))).toThrow(/node 0 'c1' \(DeformConv\): operator 'DeformConv' has no simdnet layer; the importer reads Conv, MaxPool/);
    expect(() => readOnnxLayers(conv({ kernel_shape: [3, 3], pads: [0, 1, 2, 0] }))).toThrow(/pads \[0, 1, 2, 0\] are neither symmetric nor TensorFlow's 'same'/);

    const g = new GraphBuilder();
    g.reserve('x', 'y');
    const p = g.node('AveragePool', ['x'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], count_include_pad: 1 }, 'avg');
    g.node('Flatten', [p], {}, 'f', 'y');
    expect(() => readOnnxLayers(graphBytes(g, ['batch', 2, 6, 4], ['batch', 48]))).toThrow(/'avg' \(AveragePool\): count_include_pad 1 with padding averages zeros in/);

    const b = new GraphBuilder();
    b.reserve('x', 'y');
    const r = b.node('Relu', ['x'], {}, 'r');
    b.node('Add', [r, 'x'], {}, 'skip', 'y');
    expect(() => readOnnxLayers(graphBytes(b, ['batch', 4], ['batch', 4]))).toThrow(/'skip' \(Add\): Add is read only as the bias right after a MatMul/);

    const two = encodeModel({ ir_version: 7, opset_import: [{ version: 13 }], graph: { name: 't', node: [{ op_type: 'Relu', input: ['x'], output: ['y'] }],
      input: [valueInfo('x', ['batch', 3]), valueInfo('z', ['batch', 3])], output: [valueInfo('y', ['batch', 3])] } });
    expect(() => readOnnxLayers(two)).toThrow(/the graph must have one input and one output, has 2 inputs \('x', 'z'\)/);
  });

  it('an exported model with the standardisation in front: reported as statistics, the layers read after it', async () => {
    const m = await compiled(new Sequential([new Conv2D({ filters: 2, kernelSize: 3 }), new Flatten(), new Dense({ units: 2 })]), [4, 4, 3], 1);
    const standardize = { mean: [0.25, 0.5, 0.75], std: [2, 0.5, 1] };
    const read = readOnnxLayers(exportOnnx(m, { standardize }));
    expect(read.standardize).toEqual(standardize); // exactly representable in f32
    expect(read.onnxInputLayout).toBe('NHWC');
    expect(read.layers.map((l) => l.type)).toEqual(['Conv2D', 'Flatten', 'Dense']);
    // A Sub that is not that prefix is still refused by name.
    const g = new GraphBuilder();
    g.reserve('x', 'y');
    g.node('Sub', ['x', g.floats('k', [1], [1])], {}, 'sub', 'y');
    expect(() => readOnnxLayers(graphBytes(g, ['batch', 3], ['batch', 3]))).toThrow(/'sub' \(Sub\): operator 'Sub' has no simdnet layer/);
  });
});
