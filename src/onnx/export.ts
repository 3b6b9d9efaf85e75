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
import { ReLU, Sigmoid, Softmax, Tanh } from '../layers/activations.js';
import { Dropout } from '../layers/dropout.js';
import { outputSize, type Padding } from '../tensor/geometry.js';
import type { NamedTensor } from '../model/params.js';
import { GraphBuilder, encodeModel, valueInfo } from './graph.js';
import { shown } from '../util/format.js';

export const ONNX_OPSET = 13;
export const ONNX_IR_VERSION = 7;
export const ONNX_INPUT_NAME = 'input';
export const ONNX_OUTPUT_NAME = 'probabilities';
/** The layer types exportOnnx writes. */
export const ONNX_EXPORTABLE_LAYERS: readonly string[] = [
  'Conv2D', 'MaxPool2D', 'AvgPool2D', 'Dense', 'Flatten', 'Reshape', 'ReLU', 'Tanh', 'Sigmoid', 'Softmax', 'Dropout',
];

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
   */
  standardize?: { mean: readonly number[]; std: readonly number[] };
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

  constructor(private readonly model: Sequential) {
    this.weights = new Map(model.getWeights().map((w) => [w.name, w]));
    for (const w of this.weights.values()) {
      const bad = w.data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) {
        throw new RangeError(`exportOnnx: model '${model.name}' has a non-finite weight (${w.name}[${bad}] = ${w.data[bad]}); ` +
          'a model that cannot predict is not exported');
      }
    }
  }

  private weight(layer: Layer, param: string): NamedTensor {
    const w = this.weights.get(`${layer.name}/${param}`);
    if (w === undefined) throw new Error(`exportOnnx: ${layer.label} has no parameter '${param}'`);
    return w;
  }

  private toNchw(c: Cursor, layer: Layer): Cursor {
    if (c.nchw) return c;
    return { value: this.g.node('Transpose', [c.value], { perm: [0, 3, 1, 2] }, `${layer.name}/to_nchw`), nchw: true };
  }

  private toNhwc(c: Cursor, layer: Layer): Cursor {
    if (!c.nchw) return c;
    return { value: this.g.node('Transpose', [c.value], { perm: [0, 2, 3, 1] }, `${layer.name}/to_nhwc`), nchw: false };
  }

  private activation(c: Cursor, layer: Layer, act: string): Cursor {
    if (act === 'linear') return c;
    const op = ACT_OPS[act];
    if (op === undefined) throw new Error(`exportOnnx: ${layer.label}: activation '${act}' has no ONNX mapping here`);
    return { ...c, value: this.g.node(op, [c.value], {}, `${layer.name}/${act}`) };
  }

  layer(c: Cursor, layer: Layer): Cursor {
    const name = layer.name!;
    if (layer instanceof Conv2D) {
      const x = this.toNchw(c, layer);
      const [H, W, C] = layer.inShape as [number, number, number];
      const [KH, KW] = layer.kernelSize;
      const k = this.weight(layer, 'kernel');
      const inputs = [x.value, this.g.floats(`${name}/kernel`, [layer.filters, C, KH, KW], hwioToOihw(k.data, KH, KW, C, layer.filters))];
      if (layer.useBias) inputs.push(this.g.floats(`${name}/bias`, [layer.filters], this.weight(layer, 'bias').data));
      const y = this.g.node('Conv', inputs, {
        kernel_shape: [KH, KW], strides: [...layer.strides], pads: onnxPads(H, W, layer.kernelSize, layer.strides, layer.padding),
        dilations: [1, 1], group: 1,
      }, name);
      return this.activation({ value: y, nchw: true }, layer, layer.activation);
    }
    if (layer instanceof MaxPool2D || layer instanceof AvgPool2D) {
      const x = this.toNchw(c, layer);
      const [H, W] = layer.inShape as [number, number, number];
      const attrs = {
        kernel_shape: [...layer.poolSize], strides: [...layer.strides],
        pads: onnxPads(H, W, layer.poolSize, layer.strides, layer.padding), ceil_mode: 0,
      };
      const y = layer instanceof MaxPool2D
        ? this.g.node('MaxPool', [x.value], attrs, name)
        : this.g.node('AveragePool', [x.value], { ...attrs, count_include_pad: 0 }, name);
      return { value: y, nchw: true };
    }
    if (layer instanceof Dense) {
      if (c.nchw) throw new Error(`exportOnnx: ${layer.label} follows an image without a Flatten`); // shape inference forbids it
      const IN = layer.inShape[0]!;
      const inputs = [c.value, this.g.floats(`${name}/kernel`, [IN, layer.units], this.weight(layer, 'kernel').data)];
      if (layer.useBias) inputs.push(this.g.floats(`${name}/bias`, [layer.units], this.weight(layer, 'bias').data));
      const y = this.g.node('Gemm', inputs, { alpha: { float: 1 }, beta: { float: 1 }, transA: 0, transB: 0 }, name);
      return this.activation({ value: y, nchw: false }, layer, layer.fusedSoftmax ? 'linear' : layer.activation);
    }
    if (layer instanceof Flatten) {
      if (layer.inShape.length === 1) return c;
      const x = this.toNhwc(c, layer);
      return { value: this.g.node('Flatten', [x.value], { axis: 1 }, name), nchw: false };
    }
    if (layer instanceof Reshape) {
      const x = layer.inShape.length === 3 ? this.toNhwc(c, layer) : c;
      const shape = this.g.int64s(`${name}/shape`, [0, ...layer.outShape]); // 0: keep the batch dimension
      return { value: this.g.node('Reshape', [x.value, shape], {}, name), nchw: false };
    }
    if (layer instanceof ReLU || layer instanceof Tanh || layer instanceof Sigmoid) {
      return { ...c, value: this.g.node(ACT_OPS[layer.type.toLowerCase()]!, [c.value], {}, name) };
    }
    if (layer instanceof Softmax) {
      const axis = c.nchw ? 1 : -1;
      return { ...c, value: this.g.node('Softmax', [c.value], { axis }, name) };
    }
    if (layer instanceof Dropout) return c;
    throw new TypeError(`exportOnnx: ${layer.label} has no ONNX mapping; the exporter writes ${ONNX_EXPORTABLE_LAYERS.join(', ')}`);
  }
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
  const st = options.standardize;
  if (st !== undefined) {
    const ok = (a: unknown) => Array.isArray(a) && a.length === channels && a.every((v) => typeof v === 'number' && Number.isFinite(v));
    if (st === null || typeof st !== 'object' || !ok(st.mean) || !ok(st.std) || st.std.some((v) => v < 0)) {
      throw new RangeError(`exportOnnx: standardize must be { mean, std } with ${channels} finite numbers each (one per input channel), ` +
        `std ≥ 0; got ${shown(st)}`);
    }
  }
  // Refuse an unknown layer before any weight is copied.
  for (const l of model.layers) {
    if (!ONNX_EXPORTABLE_LAYERS.includes(l.type) || !(l instanceof Conv2D || l instanceof MaxPool2D || l instanceof AvgPool2D ||
      l instanceof Dense || l instanceof Flatten || l instanceof Reshape || l instanceof ReLU || l instanceof Tanh ||
      l instanceof Sigmoid || l instanceof Softmax || l instanceof Dropout)) {
      throw new TypeError(`exportOnnx: ${l.label} has no ONNX mapping; the exporter writes ${ONNX_EXPORTABLE_LAYERS.join(', ')}`);
    }
  }

  const ex = new Exporter(model);
  ex.g.reserve(ONNX_INPUT_NAME, ONNX_OUTPUT_NAME);
  let c: Cursor = { value: ONNX_INPUT_NAME, nchw: false };
  if (st !== undefined) {
    // Broadcast over the last (channel) axis of the NHWC input.
    const mean = ex.g.floats('standardize/mean', [channels], st.mean);
    const std = ex.g.floats('standardize/std', [channels], st.std.map((v) => (v === 0 ? 1 : v)));
    c = { value: ex.g.node('Div', [ex.g.node('Sub', [c.value, mean], {}, 'standardize/sub'), std], {}, 'standardize/div'), nchw: false };
  }
  for (const layer of model.layers.slice(0, model.stackSize)) c = ex.layer(c, layer);
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
