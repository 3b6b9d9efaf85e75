// importOnnx(bytes): an ONNX model as a compiled Sequential, to predict or fine-tune in simdnet.
//
// What it reads: a chain of nodes from one float input to one output, in the patterns
// exportOnnx writes and the ones PyTorch's exporter writes for the same layers:
//   Conv (group 1, dilation 1)          → Conv2D    (a Relu / Tanh / Sigmoid right after it is fused)
//   MaxPool, AveragePool (ceil_mode 0)  → MaxPool2D, AvgPool2D
//   GlobalAveragePool (+ Flatten)       → GlobalAveragePooling2D (without the Flatten: AvgPool2D)
//   GlobalMaxPool                       → MaxPool2D over the whole image
//   Gemm (transA 0, alpha = beta = 1), MatMul [+ Add bias]  → Dense (activation fused as above)
//   Relu, Tanh, Sigmoid, Softmax        → ReLU, Tanh, Sigmoid, Softmax layers when not fused
//   LeakyRelu, Elu                      → LeakyReLU, ELU
//   BatchNormalization (inference form) → BatchNormalization (NCHW images or vectors)
//   Flatten (axis 1), Reshape to [batch, N] or (NHWC) [batch, ...]  → Flatten, Reshape
//   Transpose NHWC↔NCHW, Dropout, Identity  → nothing (simdnet is NHWC throughout)
// A final Softmax is dropped: simdnet's predict applies it (a model ending in logits, as most
// PyTorch exports do, predicts the same classes; predict then returns their softmax).
//
// Layout. simdnet keeps images NHWC. The importer follows which layout the ONNX graph's value is
// in: an input [N, H, W, C] followed by Transpose(0,3,1,2) (exportOnnx's files) or an input
// [N, C, H, W] read by Conv or a pool directly (PyTorch's). Either way the imported model takes
// NHWC inputs [H, W, C]: transpose NCHW data to NHWC before predict. ONNX kernels OIHW become
// HWIO. A Flatten of an NCHW image orders its vector C, H, W where simdnet's Flatten gives H, W, C,
// so the rows of the Dense after it are permuted to match (exactly: a permutation, no arithmetic).
// Asymmetric pads are read only when they are TensorFlow's 'same' for that size; average pooling
// over padding must exclude it (count_include_pad = 0, or no padding), as simdnet's does.

import { Sequential, type CompileOptions } from '../model/sequential.js';
import type { Layer } from '../layers/layer.js';
import { layerFromJSON } from '../layers/registry.js';
import { decodeModel } from './graph.js';
import { int64 } from './schema.js';
import { Attributes, quoted, readTensor } from './tensors.js';
import { Importer, same, type Flow, type LayerSpec } from './chain.js';
import { shown } from '../util/format.js';

export type ImportOnnxOptions = Partial<Omit<CompileOptions, 'inputShape'>> & { name?: string };

export interface OnnxGraphLayers {
  name: string;
  /** Per-sample NHWC [H, W, C] (or [features]) input of the simdnet model. */
  inputShape: number[];
  /** How the ONNX model's own input is laid out. */
  onnxInputLayout: 'NHWC' | 'NCHW' | 'NC';
  layers: LayerSpec[];
  /**
   * The per-channel standardisation an exportOnnx file applies first ((x − mean) / std, from
   * `npm run export`): not a layer, so the imported model takes standardised inputs; apply it
   * with these numbers (e.g. transforms.applyStandardize).
   */
  standardize?: { mean: number[]; std: number[] };
}

/** Reads the graph into layer specs (no memory, no runtime). */
export function readOnnxLayers(bytes: Uint8Array): OnnxGraphLayers {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`importOnnx: expected the bytes of an ONNX file (a Uint8Array), got ${shown(bytes)}`);
  let doc;
  try {
    doc = decodeModel(bytes);
  } catch (e) {
    throw new RangeError(`importOnnx: not an ONNX model (protobuf decoding failed: ${(e as Error).message})`);
  }
  const g = doc.graph;
  if (g === undefined || (g.node ?? []).length === 0) throw new RangeError('importOnnx: not an ONNX model (no graph with nodes)');
  const opset = (doc.opset_import ?? []).find((o) => (o.domain ?? '') === '' || o.domain === 'ai.onnx');
  const version = opset === undefined ? 0 : int64(opset.version, 'opset');
  if (version < 7) throw new RangeError(`importOnnx: the model imports ONNX opset ${version || 'none'}; the importer reads opset 7 and later`);
  const nodes = g.node!;
  const im = new Importer(nodes, version);
  for (const t of g.initializer ?? []) im.consts.set(t.name ?? '', readTensor(t, 'importOnnx'));
  const inputs = (g.input ?? []).filter((v) => !im.consts.has(v.name ?? ''));
  if (inputs.length !== 1 || (g.output ?? []).length !== 1) {
    throw new RangeError(`importOnnx: the graph must have one input and one output, has ${inputs.length} inputs (${inputs.map((v) => quoted(v.name)).join(', ')}) and ${(g.output ?? []).length} outputs`);
  }
  const input = inputs[0]!;
  const tt = input.type?.tensor_type;
  if (tt?.elem_type !== 1) throw new TypeError(`importOnnx: input ${quoted(input.name)} must be a float32 tensor, has element type ${tt?.elem_type ?? 'none'}`);
  const dims = (tt.shape?.dim ?? []).map((d) => (d.dim_param !== undefined && d.dim_param !== '' ? -1 : int64(d.dim_value, 'input shape')));
  const perSample = dims.slice(1);
  if ((dims.length !== 2 && dims.length !== 4) || perSample.some((d) => !(d >= 1))) {
    throw new RangeError(`importOnnx: input ${quoted(input.name)} must be [batch, features] or [batch, ·, ·, ·] with fixed sizes after the batch, got [${dims.map((d) => (d < 0 ? '?' : d)).join(', ')}]`);
  }

  // exportOnnx's standardisation in front (Sub mean, Div std, over the last axis): reported, not a layer.
  const real = nodes.map((n, i) => ({ n, i })).filter(({ n }) => n.op_type !== 'Constant');
  const channels = dims[dims.length - 1]!;
  const perChannel = (name: string | undefined) => {
    const t = name === undefined ? undefined : im.consts.get(name);
    return t !== undefined && t.isFloat && t.data.length === channels ? Array.from(t.data) : undefined;
  };
  const [sub, div] = [real[0]?.n, real[1]?.n];
  const mean = sub?.op_type === 'Sub' && sub.input?.[0] === input.name ? perChannel(sub.input?.[1]) : undefined;
  const std = mean !== undefined && div?.op_type === 'Div' && div.input?.[0] === sub!.output?.[0] ? perChannel(div.input?.[1]) : undefined;
  const skip = std !== undefined ? 2 : 0;
  const start = std !== undefined ? div!.output![0]! : input.name ?? '';

  // The first real node decides the input layout: a Transpose(0,3,1,2) means NHWC (exportOnnx's).
  const first = real[skip]?.n;
  const nhwcIn = dims.length === 4 && first?.op_type === 'Transpose' &&
    same(new Attributes(first, 'importOnnx').ints('perm', []), [0, 3, 1, 2]) && first.input?.[0] === start;
  const layout: OnnxGraphLayers['onnxInputLayout'] = dims.length === 2 ? 'NC' : nhwcIn || skip > 0 ? 'NHWC' : 'NCHW';
  const inputShape = layout === 'NCHW' ? [perSample[1]!, perSample[2]!, perSample[0]!] : perSample;
  let f: Flow = { value: start, layout: layout === 'NCHW' ? 'nchw' : 'nhwc', shape: inputShape };
  const skipped = new Set(real.slice(0, skip).map(({ i }) => i));

  const lastReal = nodes.reduce((k, n, j) => (n.op_type === 'Constant' ? k : j), -1);
  nodes.forEach((n, i) => {
    if (n.op_type === 'Constant') {
      const t = new Attributes(n, im.label(i)).tensor('value');
      if (t === undefined) throw new RangeError(`${im.label(i)}: only Constant nodes with a 'value' tensor are supported`);
      im.consts.set(n.output?.[0] ?? '', readTensor({ ...t, name: n.output?.[0] }, im.label(i)));
      return;
    }
    if (skipped.has(i)) return;
    if (n.input?.[0] !== f.value) {
      throw new RangeError(`${im.label(i)}: reads ${quoted(n.input?.[0])}, but the chain's value is ${quoted(f.value)}; only a single chain of layers is supported`);
    }
    f = im.node(i, f, i === lastReal);
  });
  if (g.output![0]!.name !== f.value) throw new RangeError(`importOnnx: the graph's output ${quoted(g.output![0]!.name)} is not the end of the chain (${quoted(f.value)})`);
  if (f.shape.length !== 1 || f.perm !== undefined) throw new RangeError(`importOnnx: the graph must end in class scores [batch, classes], ends in per-sample shape [${f.shape.join(', ')}]`);
  if (im.specs.length === 0) throw new RangeError('importOnnx: the graph has no layers simdnet can train');
  const out: OnnxGraphLayers = { name: g.name || 'onnx', inputShape, onnxInputLayout: layout, layers: im.specs };
  if (std !== undefined) out.standardize = { mean: mean!, std: std };
  return out;
}

/**
 * An ONNX model as a compiled Sequential with its weights (see the header for what is read).
 * The model takes NHWC inputs whatever the ONNX model's layout. Options are compile's.
 */
export async function importOnnx(bytes: Uint8Array, options: ImportOnnxOptions = {}): Promise<Sequential> {
  const read = readOnnxLayers(bytes);
  const layers: Layer[] = read.layers.map((s) => layerFromJSON({ type: s.type, config: s.config }));
  const model = new Sequential(layers, options.name ?? read.name);
  await model.compile({ ...options, inputShape: read.inputShape });
  try {
    const weights = read.layers.flatMap((s, j) => Object.entries(s.weights).map(([p, data]) => ({ name: `${layers[j]!.name}/${p}`, data })));
    model.setWeights(weights);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}
