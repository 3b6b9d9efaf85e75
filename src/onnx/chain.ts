// The importer's node-by-node reader (see import.ts for what it reads and the layout rules): it
// walks a chain of ONNX nodes, follows which layout the running value is in, and collects the
// simdnet layers to build with their weights.

import { outputSize, type Padding } from '../tensor/geometry.js';
import { onnxPads } from './export.js';
import type { NodeMsg } from './schema.js';
import { Attributes, quoted, type ConstTensor } from './tensors.js';

/** A layer to build: its registry type and config, and its weights by parameter name. */
export interface LayerSpec { type: string; config: Record<string, unknown>; weights: Record<string, Float32Array>; fromNode: number }

/** The value flowing down the chain: its ONNX name and how simdnet's copy of it relates. */
export interface Flow {
  value: string;
  /** 'nchw': ONNX sees [N, C, H, W] (simdnet holds NHWC); 'nhwc': ONNX sees simdnet's order. */
  layout: 'nchw' | 'nhwc';
  /** Per-sample shape in simdnet's order (NHWC for images). */
  shape: number[];
  /** After flattening an NCHW image: simdnet's index of each ONNX element (applied to the next Dense's rows). */
  perm?: Int32Array;
}

const ACTIVATIONS: Record<string, string> = { Relu: 'relu', Tanh: 'tanh', Sigmoid: 'sigmoid' };
const SUPPORTED = ['Conv', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'Gemm', 'MatMul', 'Add', 'Relu', 'Tanh',
  'Sigmoid', 'LeakyRelu', 'Elu', 'BatchNormalization', 'Softmax', 'Flatten', 'Reshape', 'Transpose', 'Dropout', 'Identity', 'Constant'];

export const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/** simdnet's padding for ONNX pads [top, left, bottom, right] of a window over H x W, or undefined. */
function paddingOf(pads: number[], H: number, W: number, k: [number, number], s: [number, number], pool: boolean): Padding | undefined {
  if (pads.every((p) => p === 0)) return 'valid';
  if (same(onnxPads(H, W, k, s, 'same'), pads)) return 'same';
  if (pads.every((p) => p === pads[0]) && (!pool || (pads[0]! < k[0] && pads[0]! < k[1]))) return pads[0]!;
  return undefined;
}

export class Importer {
  readonly consts = new Map<string, ConstTensor>();
  readonly specs: LayerSpec[] = [];
  private readonly names = new Set<string>();
  /**
   * True while nothing but pass-through nodes (Identity, Dropout) came after the last Conv2D or
   * Dense: an activation (or MatMul's bias) is fused into it only then.
   */
  private fusable = false;
  /** The AvgPool2D spec of a GlobalAveragePool just read (a Flatten right after it replaces both). */
  private globalPool: LayerSpec | undefined;

  constructor(private readonly nodes: NodeMsg[], private readonly opset: number) {}

  label(i: number): string {
    const n = this.nodes[i]!;
    return `importOnnx: node ${i}${n.name ? ` ${quoted(n.name)}` : ''} (${n.op_type ? quoted(n.op_type).slice(1, -1) : 'no op_type'})`;
  }

  private const(name: string | undefined, label: string, what: string): ConstTensor {
    const t = name === undefined || name === '' ? undefined : this.consts.get(name);
    if (t === undefined) throw new RangeError(`${label}: its ${what} ${quoted(name)} must be a constant (an initializer or a Constant node)`);
    return t;
  }

  private floats(name: string | undefined, label: string, what: string): ConstTensor & { data: Float32Array } {
    const t = this.const(name, label, what);
    if (!t.isFloat) throw new TypeError(`${label}: its ${what} ${quoted(name)} must be a float tensor`);
    return t as ConstTensor & { data: Float32Array };
  }

  private push(i: number, type: string, config: Record<string, unknown>, weights: Record<string, Float32Array> = {}): void {
    const name = this.nodes[i]!.name;
    if (name && !this.names.has(name)) {
      this.names.add(name);
      config = { ...config, name };
    }
    this.specs.push({ type, config, weights, fromNode: i });
    this.fusable = type === 'Conv2D' || type === 'Dense';
  }

  private needNchw(f: Flow, label: string): [number, number, number] {
    if (f.layout !== 'nchw' || f.shape.length !== 3) {
      throw new RangeError(`${label}: needs an NCHW image, got ${f.shape.length === 3 ? `an image in NHWC order (add a Transpose(0,3,1,2))` : `a tensor of per-sample shape [${f.shape.join(', ')}]`}`);
    }
    return f.shape as [number, number, number];
  }

  private dense(i: number, f: Flow, kernel: Float32Array, IN: number, OUT: number, bias: Float32Array | undefined): Flow {
    const label = this.label(i);
    if (f.shape.length !== 1 || f.shape[0] !== IN) {
      throw new RangeError(`${label}: its weights take ${IN} features, its input has per-sample shape [${f.shape.join(', ')}]${f.shape.length > 1 ? ' (flatten first)' : ''}`);
    }
    let k = kernel;
    if (f.perm !== undefined) {
      k = new Float32Array(kernel.length);
      for (let p = 0; p < IN; p++) k.set(kernel.subarray(p * OUT, (p + 1) * OUT), f.perm[p]! * OUT);
    }
    const weights: Record<string, Float32Array> = { kernel: k };
    if (bias !== undefined) weights.bias = bias;
    this.push(i, 'Dense', { units: OUT, useBias: bias !== undefined }, weights);
    return { value: this.nodes[i]!.output![0]!, layout: 'nhwc', shape: [OUT] };
  }

  private bias(name: string | undefined, label: string, OUT: number): Float32Array | undefined {
    if (name === undefined || name === '') return undefined;
    const c = this.floats(name, label, 'bias');
    if (c.data.length === OUT) return c.data;
    if (c.data.length === 1) return new Float32Array(OUT).fill(c.data[0]!);
    throw new RangeError(`${label}: its bias ${quoted(name)} has ${c.data.length} values, expected ${OUT}`);
  }

  /** Applies node i to the flow; returns the new flow. */
  node(i: number, f: Flow, isLast: boolean): Flow {
    const n = this.nodes[i]!;
    const op = n.op_type ?? '';
    const label = this.label(i);
    const a = new Attributes(n, label);
    const out = n.output?.[0] ?? '';
    const inputs = n.input ?? [];
    if (n.domain !== undefined && n.domain !== '' && n.domain !== 'ai.onnx') {
      throw new RangeError(`${label}: operator domain ${quoted(n.domain)} is not ONNX's own; the importer reads ${SUPPORTED.join(', ')}`);
    }
    const next = (o: Partial<Flow>): Flow => ({ value: out, layout: f.layout, shape: f.shape, perm: f.perm, ...o });
    const canFuse = this.fusable;
    this.fusable = false;
    const globalPool = this.globalPool;
    this.globalPool = undefined;
    switch (op) {
      case 'Transpose': {
        const perm = a.ints('perm', []);
        if (f.layout === 'nhwc' && f.shape.length === 3 && same(perm, [0, 3, 1, 2])) return next({ layout: 'nchw' });
        if (f.layout === 'nchw' && same(perm, [0, 2, 3, 1])) return next({ layout: 'nhwc' });
        throw new RangeError(`${label}: only NHWC↔NCHW transposes of an image are supported (perm [0,3,1,2] or [0,2,3,1]), got perm [${perm.join(', ')}] on a ${f.layout === 'nchw' ? 'NCHW image' : `tensor [${f.shape.join(', ')}]`}`);
      }
      case 'Conv': {
        a.only(['kernel_shape', 'strides', 'pads', 'dilations', 'group', 'auto_pad']);
        const [H, W, C] = this.needNchw(f, label);
        const w = this.floats(inputs[1], label, 'weights');
        if (w.dims.length !== 4) throw new RangeError(`${label}: weights ${quoted(inputs[1])} must be 4-D [O, C, KH, KW], got [${w.dims.join(', ')}]`);
        const [O, WC, KH, KW] = w.dims as [number, number, number, number];
        if (a.int('group', 1) !== 1) throw new RangeError(`${label}: grouped convolutions (group ${a.int('group', 1)}) are not supported`);
        if (a.ints('dilations', [1, 1]).some((d) => d !== 1)) throw new RangeError(`${label}: dilated convolutions are not supported`);
        if (WC !== C) throw new RangeError(`${label}: weights take ${WC} input channels, the input has ${C}`);
        const ks = a.ints('kernel_shape', [KH, KW]);
        if (!same(ks, [KH, KW])) throw new RangeError(`${label}: kernel_shape [${ks.join(', ')}] differs from the weights' [${KH}, ${KW}]`);
        const strides = a.ints('strides', [1, 1]) as [number, number];
        const padding = this.padding(a, label, H, W, [KH, KW], strides, false);
        const kernel = new Float32Array(w.data.length); // OIHW → HWIO
        for (let o = 0; o < O; o++) for (let c = 0; c < C; c++) for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
          kernel[((kh * KW + kw) * C + c) * O + o] = w.data[((o * C + c) * KH + kh) * KW + kw]!;
        }
        const bias = this.bias(inputs[2], label, O);
        const weights: Record<string, Float32Array> = { kernel };
        if (bias !== undefined) weights.bias = bias;
        this.push(i, 'Conv2D', { filters: O, kernelSize: [KH, KW], strides, padding, useBias: bias !== undefined }, weights);
        const OH = outputSize(H, KH, strides[0], padding).out;
        const OW = outputSize(W, KW, strides[1], padding).out;
        return next({ layout: 'nchw', shape: [OH, OW, O] });
      }
      case 'MaxPool':
      case 'AveragePool': {
        a.only(['kernel_shape', 'strides', 'pads', 'ceil_mode', 'auto_pad', 'count_include_pad', 'dilations', 'storage_order']);
        const [H, W, C] = this.needNchw(f, label);
        const k = a.ints('kernel_shape', []) as [number, number];
        if (k.length !== 2) throw new RangeError(`${label}: kernel_shape must have 2 entries, got [${k.join(', ')}]`);
        if (a.int('ceil_mode', 0) !== 0) throw new RangeError(`${label}: ceil_mode 1 is not supported (simdnet rounds output sizes down)`);
        if (a.ints('dilations', [1, 1]).some((d) => d !== 1)) throw new RangeError(`${label}: dilated pooling is not supported`);
        if (a.int('storage_order', 0) !== 0) throw new RangeError(`${label}: storage_order 1 is not supported`);
        const strides = a.ints('strides', [1, 1]) as [number, number];
        const padding = this.padding(a, label, H, W, k, strides, true);
        if (op === 'AveragePool' && padding !== 'valid' && a.int('count_include_pad', 0) !== 0) {
          throw new RangeError(`${label}: count_include_pad 1 with padding averages zeros in; simdnet's average pooling excludes the padding`);
        }
        this.push(i, op === 'MaxPool' ? 'MaxPool2D' : 'AvgPool2D', { poolSize: k, strides, padding });
        return next({ shape: [outputSize(H, k[0], strides[0], padding).out, outputSize(W, k[1], strides[1], padding).out, C] });
      }
      case 'GlobalAveragePool':
      case 'GlobalMaxPool': {
        const [H, W, C] = this.needNchw(f, label);
        this.push(i, op === 'GlobalMaxPool' ? 'MaxPool2D' : 'AvgPool2D', { poolSize: [H, W], strides: [H, W], padding: 'valid' });
        // A Flatten right after a global average pool makes the two one GlobalAveragePooling2D.
        if (op === 'GlobalAveragePool') this.globalPool = this.specs[this.specs.length - 1];
        return next({ shape: [1, 1, C] });
      }
      case 'LeakyRelu':
        this.push(i, 'LeakyReLU', { alpha: a.float('alpha', 0.01) });
        return next({});
      case 'Elu':
        this.push(i, 'ELU', { alpha: a.float('alpha', 1) });
        return next({});
      case 'BatchNormalization': {
        a.only(['epsilon', 'momentum', 'spatial', 'training_mode']);
        if (a.int('spatial', 1) !== 1) throw new RangeError(`${label}: spatial 0 (statistics per position) is not supported`);
        if (a.int('training_mode', 0) !== 0) throw new RangeError(`${label}: training_mode 1 is not supported; export the model for inference`);
        const image = f.shape.length === 3;
        if (image && f.layout !== 'nchw') throw new RangeError(`${label}: normalises axis 1, which is not the channels of an NHWC image; add a Transpose(0,3,1,2)`);
        if (!image && f.shape.length !== 1) throw new RangeError(`${label}: expects an NCHW image or [batch, features], got per-sample shape [${f.shape.join(', ')}]`);
        const C = f.shape[f.shape.length - 1]!;
        const vec = (j: number, what: string): Float32Array => {
          const t = this.floats(inputs[j], label, what);
          if (t.data.length !== C) throw new RangeError(`${label}: its ${what} ${quoted(inputs[j])} has ${t.data.length} values, expected ${C}`);
          if (f.perm === undefined) return t.data;
          const out = new Float32Array(C); // features of a flattened NCHW image: into simdnet's order
          for (let p = 0; p < C; p++) out[f.perm[p]!] = t.data[p]!;
          return out;
        };
        const momentum = a.float('momentum', 0.9);
        const config: Record<string, unknown> = { epsilon: a.float('epsilon', 1e-5) };
        if (momentum >= 0 && momentum < 1) config.momentum = momentum;
        this.push(i, 'BatchNormalization', config, {
          gamma: vec(1, 'scale'), beta: vec(2, 'bias'), moving_mean: vec(3, 'mean'), moving_variance: vec(4, 'variance'),
        });
        return next({});
      }
      case 'Relu':
      case 'Tanh':
      case 'Sigmoid': {
        const last = this.specs[this.specs.length - 1];
        if (last !== undefined && canFuse && (last.config.activation ?? 'linear') === 'linear') {
          last.config.activation = ACTIVATIONS[op];
          return next({});
        }
        this.push(i, op === 'Relu' ? 'ReLU' : op, {});
        return next({});
      }
      case 'Softmax': {
        const rank = f.shape.length + 1;
        const axis = a.int('axis', -1);
        const ax = axis < 0 ? axis + rank : axis;
        if (this.opset < 13 && rank > 2) throw new RangeError(`${label}: before opset 13 Softmax flattens its input to 2-D; only a softmax of class scores is supported there`);
        const channels = f.layout === 'nchw' ? ax === 1 : ax === rank - 1;
        if (!channels) throw new RangeError(`${label}: softmax over axis ${axis} of a ${rank}-D tensor; simdnet's Softmax is over the channels / last axis`);
        if (f.perm !== undefined) throw new RangeError(`${label}: softmax of a flattened NCHW image is not supported`);
        if (isLast) return next({}); // predict applies it
        this.push(i, 'Softmax', {});
        return next({});
      }
      case 'Flatten': {
        if (a.int('axis', 1) !== 1) throw new RangeError(`${label}: only Flatten with axis 1 (keep the batch) is supported, got axis ${a.int('axis', 1)}`);
        if (globalPool !== undefined && this.specs[this.specs.length - 1] === globalPool) {
          globalPool.type = 'GlobalAveragePooling2D';
          globalPool.config = globalPool.config.name !== undefined ? { name: globalPool.config.name } : {};
          return { value: out, layout: 'nhwc', shape: [f.shape[2]!] };
        }
        return this.flatten(i, f, out);
      }
      case 'Reshape': {
        const target = this.const(inputs[1], label, 'shape').data as number[];
        const total = f.shape.reduce((x, y) => x * y, 1);
        const dims = target.slice(1).map((d, j) => (d === 0 ? (f.layout === 'nchw' ? [f.shape[2], f.shape[0], f.shape[1]][j]! : f.shape[j]!) : d));
        const known = dims.filter((d) => d !== -1).reduce((x, y) => x * y, 1);
        const resolved = dims.map((d) => (d === -1 ? total / known : d));
        const bad = target.length < 2 || target.some((d) => d < -1) || (target[0] === -1 && dims.includes(-1)) ||
          dims.filter((d) => d === -1).length > 1 || resolved.reduce((x, y) => x * y, 1) !== total;
        if (bad) {
          throw new RangeError(`${label}: reshape to [${target.join(', ')}] of per-sample shape [${f.shape.join(', ')}] is not supported; ` +
            'it must keep the batch dimension first');
        }
        if (resolved.length === 1) return this.flatten(i, f, out);
        if (f.layout === 'nchw' || f.perm !== undefined) throw new RangeError(`${label}: reshaping an NCHW tensor to [${resolved.join(', ')}] is not supported (only flattening it)`);
        this.push(i, 'Reshape', { targetShape: resolved });
        return next({ shape: resolved, layout: 'nhwc' });
      }
      case 'Gemm': {
        a.only(['alpha', 'beta', 'transA', 'transB']);
        if (a.int('transA', 0) !== 0) throw new RangeError(`${label}: transA 1 is not supported`);
        if (a.float('alpha', 1) !== 1 || a.float('beta', 1) !== 1) throw new RangeError(`${label}: alpha and beta must be 1, got ${a.float('alpha', 1)} and ${a.float('beta', 1)}`);
        const b = this.floats(inputs[1], label, 'weights');
        if (b.dims.length !== 2) throw new RangeError(`${label}: weights must be 2-D, got [${b.dims.join(', ')}]`);
        const transB = a.int('transB', 0) === 1;
        const [IN, OUT] = (transB ? [b.dims[1], b.dims[0]] : b.dims) as [number, number];
        let kernel = b.data;
        if (transB) {
          kernel = new Float32Array(IN * OUT);
          for (let o = 0; o < OUT; o++) for (let j = 0; j < IN; j++) kernel[j * OUT + o] = b.data[o * IN + j]!;
        }
        return this.dense(i, f, kernel, IN, OUT, this.bias(inputs[2], label, OUT));
      }
      case 'MatMul': {
        const b = this.floats(inputs[1], label, 'weights');
        if (b.dims.length !== 2) throw new RangeError(`${label}: weights must be 2-D [IN, OUT], got [${b.dims.join(', ')}]`);
        return this.dense(i, f, b.data, b.dims[0]!, b.dims[1]!, undefined);
      }
      case 'Add': {
        const last = this.specs[this.specs.length - 1];
        const other = inputs[0] === f.value ? inputs[1] : inputs[0];
        if (last?.type === 'Dense' && canFuse && this.nodes[last.fromNode]!.op_type === 'MatMul' && last.weights.bias === undefined &&
            (last.config.activation ?? 'linear') === 'linear') {
          const OUT = last.config.units as number;
          last.weights.bias = this.bias(other, label, OUT)!;
          last.config.useBias = true;
          this.fusable = true; // an activation may still follow
          return next({});
        }
        throw new RangeError(`${label}: Add is read only as the bias right after a MatMul`);
      }
      case 'Dropout':
      case 'Identity':
        this.fusable = canFuse;
        this.globalPool = globalPool;
        return next({});
      default:
        throw new RangeError(`${label}: operator ${quoted(op)} has no simdnet layer; the importer reads ${SUPPORTED.join(', ')}`);
    }
  }

  private padding(a: Attributes, label: string, H: number, W: number, k: [number, number], s: [number, number], pool: boolean): Padding {
    const auto = a.string('auto_pad', 'NOTSET');
    if (auto === 'VALID') return 'valid';
    if (auto === 'SAME_UPPER') return 'same';
    if (auto !== 'NOTSET') throw new RangeError(`${label}: auto_pad ${quoted(auto)} is not supported (NOTSET, VALID and SAME_UPPER are)`);
    const pads = a.ints('pads', [0, 0, 0, 0]);
    const p = pads.length === 4 ? paddingOf(pads, H, W, k, s, pool) : undefined;
    if (p === undefined) {
      throw new RangeError(`${label}: pads [${pads.join(', ')}] are neither symmetric nor TensorFlow's 'same' (${onnxPads(H, W, k, s, 'same').join(', ')}) for a ${H}x${W} input`);
    }
    return p;
  }

  private flatten(i: number, f: Flow, out: string): Flow {
    const total = f.shape.reduce((x, y) => x * y, 1);
    if (f.shape.length === 1) return { ...f, value: out };
    if (f.layout === 'nchw') {
      const [H, W, C] = f.shape as [number, number, number];
      const perm = new Int32Array(total); // ONNX index (c·H + h)·W + w → simdnet's (h·W + w)·C + c
      for (let c = 0; c < C; c++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) perm[(c * H + h) * W + w] = (h * W + w) * C + c;
      this.push(i, 'Flatten', {});
      return { value: out, layout: 'nhwc', shape: [total], perm: C > 1 && H * W > 1 ? perm : undefined };
    }
    this.push(i, 'Flatten', {});
    return { value: out, layout: 'nhwc', shape: [total] };
  }
}

