// exportOnnx(model): a compiled Sequential as an ONNX model (bytes), for onnxruntime and any
// other ONNX consumer. Browser-safe (protobufjs only, no Node modules).
//
// Opset 13, IR version 7. 13 is the first opset whose Softmax works along one axis (earlier ones
// flatten to 2-D first) and in which Gemm's bias, Flatten, Reshape, Conv, MaxPool and
// AveragePool have the forms used here; nothing later is needed, and runtimes that read 17 read
// 13 too (onnxruntime, TensorRT, OpenVINO, tract, ...), so the lower number reaches further.
//
// Inputs and outputs
//   input          float [batch, H, W, C]   NHWC, as simdnet's predict takes it; "batch" is a
//                  symbolic dimension (dim_param), so any batch size runs
//                  (or [batch, features] for a model whose input is a vector)
//   probabilities  float [batch, classes]   what predict returns: softmax of the logits
//
// Layout: simdnet is NHWC throughout; ONNX's Conv, MaxPool and AveragePool are NCHW. So:
//   - one Transpose (perm 0,3,1,2) turns the input (or the output of an NHWC Reshape) into NCHW
//     just before the first conv or pooling layer that needs it; consecutive conv, pool and
//     activation layers then stay NCHW;
//   - conv kernels are written transposed from simdnet's HWIO [KH][KW][C][OC] to OIHW
//     [OC][C][KH][KW];
//   - before a Flatten or Reshape, a Transpose (perm 0,2,3,1) goes back to NHWC, so the flattened
//     vector has simdnet's H, W, C order and the next Dense's kernel is written unchanged
//     ([IN][OUT], Gemm without transB). A Softmax layer on an NCHW image uses axis 1 (channels).
//   Dense → Gemm (alpha = beta = 1), its bias as Gemm's C input (absent when useBias is false).
//
// Padding: 'same' is TensorFlow's (the odd extra row/column at the bottom/right) and is written
// as explicit pads [top, left, bottom, right] (never auto_pad); a number p pads p on every side.
// simdnet's pooling windows are clipped to the input, which is exactly MaxPool with pads and
// AveragePool with count_include_pad = 0 (the mean of the in-bounds values), written explicitly.
//
// BatchNormalization → BatchNormalization (inference form: the running mean and variance, epsilon;
// γ = 1 / β = 0 written out when scale / center is off), on NCHW images (channel axis 1) or on
// vectors. GlobalAveragePooling2D → GlobalAveragePool + Flatten (simdnet's output is [C]).
// LeakyReLU → LeakyRelu, ELU → Elu, with their alpha.
//
// Activations: a layer's fused activation (Conv2D/Dense activation 'relu', 'tanh', 'sigmoid')
// becomes a Relu / Tanh / Sigmoid node after it. The last layer's softmax (a final Softmax
// layer or a last Dense with activation 'softmax'), which simdnet fuses with the loss, and the
// softmax predict applies to the logits of a model that ends in a plain Dense, become one final
// Softmax (axis -1), so the output is predict's probabilities in every case. Dropout is the
// identity at inference and writes no node. Any other layer type is refused by name.

import type { Sequential } from '../model/sequential.js';
import type { Layer } from '../layers/layer.js';
import { Conv2D } from '../layers/conv2d.js';
import { AvgPool2D, MaxPool2D } from '../layers/pool2d.js';
import { Dense } from '../layers/dense.js';
import { Flatten, Reshape } from '../layers/flatten.js';
import { ELU, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh } from '../layers/activations.js';
import { BatchNormalization } from '../layers/batchnorm.js';
import { GlobalAveragePooling2D } from '../layers/global-pool.js';
import { Dropout } from '../layers/dropout.js';
import { outputSize, type Padding } from '../tensor/geometry.js';
import type { NamedTensor } from '../model/params.js';
import { GraphBuilder, encodeModel, valueInfo } from './graph.js';
import { shown } from '../util/format.js';

export const ONNX_OPSET = 13;
export const ONNX_IR_VERSION = 7;
export const ONNX_INPUT_NAME = 'input';
export const ONNX_OUTPUT_NAME = 'probabilities';

export interface ExportOnnxOptions {
  /** Graph name (default: the model's name). */
  graphName?: string;
  /** Written as the model's doc_string. */
  docString?: string;
  /** Extra metadata_props entries (string keys and values), e.g. how inputs were preprocessed. */
  metadata?: Record<string, string>;
  /**
   * Per-channel standardisation to put in front of the graph, (x − mean[c]) / std[c] (a std of 0
   * divides by 1, as applyStandardize does): the ONNX model then takes raw inputs, where the
   * simdnet model takes standardised ones. One mean and std per input channel (last axis).
   * Default: the model's own normalization (model.normalization, which predict applies), so the
   * graph gives predict's probabilities for the same raw inputs; false leaves it out.
   */
  standardize?: { mean: readonly number[]; std: readonly number[] } | false;
}

/** Where the running value is and in which memory order. */
interface Cursor {
  value: string;
  /** True when the value is an NCHW image (transposed from simdnet's NHWC). */
  nchw: boolean;
}

const ACT_OPS: Record<string, string> = { relu: 'Relu', tanh: 'Tanh', sigmoid: 'Sigmoid' };

/** HWIO [KH][KW][C][OC] → OIHW [OC][C][KH][KW]. */
export function hwioToOihw(w: Float32Array, KH: number, KW: number, C: number, OC: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      for (let c = 0; c < C; c++) {
        for (let o = 0; o < OC; o++) out[((o * C + c) * KH + kh) * KW + kw] = w[((kh * KW + kw) * C + c) * OC + o]!;
      }
    }
  }
  return out;
}

/** ONNX pads [top, left, bottom, right] for simdnet's padding of a window over [H, W]. */
export function onnxPads(H: number, W: number, kernel: readonly [number, number], stride: readonly [number, number], padding: Padding): number[] {
  const along = (n: number, k: number, s: number): [number, number] => {
    const { out, padBefore } = outputSize(n, k, s, padding);
    if (typeof padding === 'number') return [padding, padding];
    const total = Math.max((out - 1) * s + k - n, 0);
    return [padBefore, total - padBefore];
  };
  const [pt, pb] = along(H, kernel[0], stride[0]);
  const [pl, pr] = along(W, kernel[1], stride[1]);
  return [pt, pl, pb, pr];
}

class Exporter {
  readonly g = new GraphBuilder();
  private readonly weights: Map<string, NamedTensor>;

  constructor(model: Sequential) {
    this.weights = new Map(model.getWeights().map((w) => [w.name, w]));
    for (const w of this.weights.values()) {
      const bad = w.data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) {
        throw new RangeError(`exportOnnx: model '${model.name}' has a non-finite weight (${w.name}[${bad}] = ${w.data[bad]}); ` +
          'a model that cannot predict is not exported');
      }
    }
  }

  /** A parameter of `layer` as an initializer named after it; `data` replaces its values (a transposed copy). */
  param(layer: Layer, param: string, dims: number[], data?: Float32Array): string {
    const w = this.weights.get(`${layer.name}/${param}`);
    if (w === undefined) throw new Error(`exportOnnx: ${layer.label} has no parameter '${param}'`);
    return this.g.floats(`${layer.name}/${param}`, dims, data ?? w.data);
  }

  data(layer: Layer, param: string): Float32Array {
    const w = this.weights.get(`${layer.name}/${param}`);
    if (w === undefined) throw new Error(`exportOnnx: ${layer.label} has no parameter '${param}'`);
    return w.data;
  }

  toNchw(c: Cursor, layer: Layer): Cursor {
    if (c.nchw) return c;
    return { value: this.g.node('Transpose', [c.value], { perm: [0, 3, 1, 2] }, `${layer.name}/to_nchw`), nchw: true };
  }

  toNhwc(c: Cursor, layer: Layer): Cursor {
    if (!c.nchw) return c;
    return { value: this.g.node('Transpose', [c.value], { perm: [0, 2, 3, 1] }, `${layer.name}/to_nhwc`), nchw: false };
  }

  /** A layer's fused activation as a node after it ('linear': none). */
  activation(c: Cursor, layer: Layer, act: string): Cursor {
    if (act === 'linear') return c;
    const op = ACT_OPS[act];
    if (op === undefined) throw new Error(`exportOnnx: ${layer.label}: activation '${act}' has no ONNX mapping here`);
    return { ...c, value: this.g.node(op, [c.value], {}, `${layer.name}/${act}`) };
  }
}

// ---- one writer per layer type ----------------------------------------------------------------

type Writer<L extends Layer> = (ex: Exporter, c: Cursor, layer: L) => Cursor;
const WRITERS = new Map<string, { cls: abstract new (...args: never[]) => Layer; write: Writer<Layer> }>();

function writer<L extends Layer>(cls: { type: string } & (abstract new (...args: never[]) => L), write: Writer<L>): void {
  WRITERS.set(cls.type, { cls, write: write as Writer<Layer> });
}

writer(Conv2D, (ex, c, layer) => {
  const x = ex.toNchw(c, layer);
  const [H, W, C] = layer.inShape as [number, number, number];
  const [KH, KW] = layer.kernelSize;
  const OC = layer.filters;
  const inputs = [x.value, ex.param(layer, 'kernel', [OC, C, KH, KW], hwioToOihw(ex.data(layer, 'kernel'), KH, KW, C, OC))];
  if (layer.useBias) inputs.push(ex.param(layer, 'bias', [OC]));
  const y = ex.g.node('Conv', inputs, {
    kernel_shape: [KH, KW], strides: [...layer.strides], pads: onnxPads(H, W, layer.kernelSize, layer.strides, layer.padding),
    dilations: [1, 1], group: 1,
  }, layer.name);
  return ex.activation({ value: y, nchw: true }, layer, layer.activation);
});

function pool(op: 'MaxPool' | 'AveragePool'): Writer<MaxPool2D | AvgPool2D> {
  return (ex, c, layer) => {
    const x = ex.toNchw(c, layer);
    const [H, W] = layer.inShape as [number, number, number];
    const attrs = {
      kernel_shape: [...layer.poolSize], strides: [...layer.strides],
      pads: onnxPads(H, W, layer.poolSize, layer.strides, layer.padding), ceil_mode: 0,
      ...(op === 'AveragePool' ? { count_include_pad: 0 } : {}),
    };
    return { value: ex.g.node(op, [x.value], attrs, layer.name), nchw: true };
  };
}
writer(MaxPool2D, pool('MaxPool'));
writer(AvgPool2D, pool('AveragePool'));

writer(Dense, (ex, c, layer) => {
  if (c.nchw) throw new Error(`exportOnnx: ${layer.label} follows an image without a Flatten`); // shape inference forbids it
  const IN = layer.inShape[0]!;
  const inputs = [c.value, ex.param(layer, 'kernel', [IN, layer.units])];
  if (layer.useBias) inputs.push(ex.param(layer, 'bias', [layer.units]));
  const y = ex.g.node('Gemm', inputs, { alpha: { float: 1 }, beta: { float: 1 }, transA: 0, transB: 0 }, layer.name);
  return ex.activation({ value: y, nchw: false }, layer, layer.fusedSoftmax ? 'linear' : layer.activation);
});

writer(Flatten, (ex, c, layer) => {
  if (layer.inShape.length === 1) return c;
  const x = ex.toNhwc(c, layer);
  return { value: ex.g.node('Flatten', [x.value], { axis: 1 }, layer.name), nchw: false };
});

writer(Reshape, (ex, c, layer) => {
  const x = ex.toNhwc(c, layer);
  const shape = ex.g.int64s(`${layer.name}/shape`, [0, ...layer.outShape]); // 0: keep the batch dimension
  return { value: ex.g.node('Reshape', [x.value, shape], {}, layer.name), nchw: false };
});

for (const cls of [ReLU, Tanh, Sigmoid] as ({ type: string } & (abstract new (...args: never[]) => Layer))[]) {
  writer(cls, (ex, c, layer) => ({ ...c, value: ex.g.node(ACT_OPS[layer.type.toLowerCase()]!, [c.value], {}, layer.name) }));
}

writer(Softmax, (ex, c, layer) => ({ ...c, value: ex.g.node('Softmax', [c.value], { axis: c.nchw ? 1 : -1 }, layer.name) }));

writer(Dropout, (_ex, c) => c);

writer(BatchNormalization, (ex, c, layer) => {
  const x = layer.inShape.length === 3 ? ex.toNchw(c, layer) : c; // ONNX normalises axis 1
  const C = layer.inShape[layer.inShape.length - 1]!;
  const name = layer.name!;
  const gamma = layer.scale ? ex.param(layer, 'gamma', [C]) : ex.g.floats(`${name}/gamma`, [C], new Float32Array(C).fill(1));
  const beta = layer.center ? ex.param(layer, 'beta', [C]) : ex.g.floats(`${name}/beta`, [C], new Float32Array(C));
  const inputs = [x.value, gamma, beta, ex.param(layer, 'moving_mean', [C]), ex.param(layer, 'moving_variance', [C])];
  const y = ex.g.node('BatchNormalization', inputs, { epsilon: { float: layer.epsilon }, momentum: { float: layer.momentum } }, name);
  return { value: y, nchw: x.nchw };
});

writer(GlobalAveragePooling2D, (ex, c, layer) => {
  const x = ex.toNchw(c, layer);
  const pooled = ex.g.node('GlobalAveragePool', [x.value], {}, layer.name);
  return { value: ex.g.node('Flatten', [pooled], { axis: 1 }, `${layer.name}/flatten`), nchw: false };
});

writer(LeakyReLU, (ex, c, layer) => ({ ...c, value: ex.g.node('LeakyRelu', [c.value], { alpha: { float: layer.alpha } }, layer.name) }));
writer(ELU, (ex, c, layer) => ({ ...c, value: ex.g.node('Elu', [c.value], { alpha: { float: layer.alpha } }, layer.name) }));

/** The layer types exportOnnx writes. */
export const ONNX_EXPORTABLE_LAYERS: readonly string[] = [...WRITERS.keys()];

function writerOf(layer: Layer): Writer<Layer> {
  const w = WRITERS.get(layer.type);
  if (w === undefined || !(layer instanceof w.cls)) {
    throw new TypeError(`exportOnnx: ${layer.label} has no ONNX mapping; the exporter writes ${ONNX_EXPORTABLE_LAYERS.join(', ')}`);
  }
  return w.write;
}

/**
 * The model as ONNX bytes (opset 13): input `input` [batch, ...inputShape] NHWC, output
 * `probabilities` [batch, classes], equal to predict()'s. See the header for the layout.
 */
export function exportOnnx(model: Sequential, options: ExportOnnxOptions = {}): Uint8Array {
  if (model === null || typeof model !== 'object' || !Array.isArray((model as Sequential).layers)) {
    throw new TypeError(`exportOnnx: expected a compiled Sequential model, got ${shown(model)}`);
  }
  if (model.isDisposed) throw new Error(`exportOnnx: model '${model.name}' is disposed; export it before dispose()`);
  if (!model.isCompiled) throw new Error(`exportOnnx: model '${model.name}' is not compiled; call compile() first (shapes and weights exist only then)`);
  if (options === null || typeof options !== 'object') throw new TypeError(`exportOnnx: options must be an object, got ${shown(options)}`);
  const metadata = options.metadata ?? {};
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw new TypeError(`exportOnnx: metadata '${k}' must be a string, got ${shown(v)}`);
  }
  const channels = model.inputShape[model.inputShape.length - 1]!;
  const st = options.standardize === false ? undefined : options.standardize ?? model.normalization;
  if (st !== undefined) {
    const ok = (a: unknown) => Array.isArray(a) && a.length === channels && a.every((v) => typeof v === 'number' && Number.isFinite(v));
    if (st === null || typeof st !== 'object' || !ok(st.mean) || !ok(st.std) || st.std.some((v) => v < 0)) {
      throw new RangeError(`exportOnnx: standardize must be { mean, std } with ${channels} finite numbers each (one per input channel), ` +
        `std ≥ 0; got ${shown(st)}`);
    }
  }
  const stack = model.layers.slice(0, model.stackSize);
  const writers = stack.map(writerOf); // an unknown layer is refused before any weight is copied

  const ex = new Exporter(model);
  ex.g.reserve(ONNX_INPUT_NAME, ONNX_OUTPUT_NAME);
  let c: Cursor = { value: ONNX_INPUT_NAME, nchw: false };
  if (st !== undefined) {
    // Broadcast over the last (channel) axis of the NHWC input.
    const mean = ex.g.floats('standardize/mean', [channels], st.mean);
    const std = ex.g.floats('standardize/std', [channels], st.std.map((v) => (v === 0 ? 1 : v)));
    c = { value: ex.g.node('Div', [ex.g.node('Sub', [c.value, mean], {}, 'standardize/sub'), std], {}, 'standardize/div'), nchw: false };
  }
  stack.forEach((layer, i) => { c = writers[i]!(ex, c, layer); });
  if (c.nchw) throw new Error(`exportOnnx: model '${model.name}' ends in an image, not class scores`); // compile forbids it
  ex.g.node('Softmax', [c.value], { axis: -1 }, 'softmax_output', ONNX_OUTPUT_NAME);

  return encodeModel({
    ir_version: ONNX_IR_VERSION,
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    producer_name: 'simdnet',
    doc_string: options.docString ?? `simdnet model '${model.name}'; input NHWC [batch, ${model.inputShape.join(', ')}]`,
    metadata_props: [
      { key: 'simdnet.input_layout', value: model.inputShape.length === 3 ? 'NHWC' : 'NC' },
      ...Object.entries(metadata).map(([key, value]) => ({ key, value })),
    ],
    graph: {
      name: options.graphName ?? model.name,
      node: ex.g.nodes,
      initializer: ex.g.initializers,
      input: [valueInfo(ONNX_INPUT_NAME, ['batch', ...model.inputShape])],
      output: [valueInfo(ONNX_OUTPUT_NAME, ['batch', model.numClasses])],
    },
  });
}
