// A small builder for ONNX graphs as plain protobufjs objects (see schema.ts), and the encoder
// that turns a model object into bytes. Used by the exporter and by tests that write graphs the
// way other tools do (PyTorch's NCHW export).

import { AttrType, DataType, modelProto, type AttributeMsg, type ModelMsg, type NodeMsg, type TensorMsg, type ValueInfoMsg } from './schema.js';

export type AttrValue = number | number[] | string | { float: number };

/** One attribute: integers become INT/INTS, `{ float: x }` FLOAT, strings STRING. */
export function attribute(name: string, v: AttrValue): AttributeMsg {
  if (typeof v === 'string') return { name, type: AttrType.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: AttrType.INTS, ints: v };
  if (typeof v === 'number') return { name, type: AttrType.INT, i: v };
  return { name, type: AttrType.FLOAT, f: v.float };
}

/** Little-endian bytes of f32 values (raw_data is little-endian whatever the host). */
export function f32Bytes(data: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(4 * data.length);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) dv.setFloat32(4 * i, data[i]!, true);
  return out;
}

/** Little-endian bytes of int64 values (safe integers). */
export function i64Bytes(data: readonly number[]): Uint8Array {
  const out = new Uint8Array(8 * data.length);
  const dv = new DataView(out.buffer);
  data.forEach((v, i) => dv.setBigInt64(8 * i, BigInt(v), true));
  return out;
}

/** A float tensor [batch, ...dims] value description; batch is the symbolic dimension "batch". */
export function valueInfo(name: string, dims: readonly (number | string)[]): ValueInfoMsg {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dim_param: d } : { dim_value: d })) },
      },
    },
  };
}

export class GraphBuilder {
  readonly nodes: NodeMsg[] = [];
  readonly initializers: TensorMsg[] = [];
  private readonly used = new Set<string>();

  /** `base`, or `base_2`, `base_3`, ... if taken: value and node names stay unique. */
  unique(base: string): string {
    let name = base;
    for (let i = 2; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  /** A float32 initializer; returns its (unique) name. */
  floats(name: string, dims: readonly number[], data: ArrayLike<number>): string {
    const n = this.unique(name);
    this.initializers.push({ name: n, dims: [...dims], data_type: DataType.FLOAT, raw_data: f32Bytes(data) });
    return n;
  }

  /** An int64 initializer (shapes for Reshape); returns its name. */
  int64s(name: string, data: readonly number[]): string {
    const n = this.unique(name);
    this.initializers.push({ name: n, dims: [data.length], data_type: DataType.INT64, raw_data: i64Bytes(data) });
    return n;
  }

  /** Marks names as taken (the graph's input and output), so no node or initializer gets them. */
  reserve(...names: string[]): void {
    for (const n of names) this.used.add(n);
  }

  /**
   * Appends a node named `name` (made unique); returns the name of its single output: the node's
   * name, or `output` as given (a name reserved for a graph output).
   */
  node(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, name = opType.toLowerCase(), output?: string): string {
    const nodeName = this.unique(name);
    const out = output ?? nodeName;
    this.nodes.push({
      name: nodeName, op_type: opType, input: inputs, output: [out],
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return out;
  }
}

/**
 * Encodes a model object with the ONNX schema, into a plain Uint8Array of its own. (Under Node,
 * protobufjs hands back a Buffer, which may be a slice of a shared pool, and whose slice() is a
 * view, not a copy: neither is what a caller of a function returning Uint8Array expects.)
 */
export function encodeModel(model: ModelMsg): Uint8Array {
  const type = modelProto();
  const bytes = type.encode(type.fromObject(model as Record<string, unknown>)).finish();
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  return out;
}

/** Decodes ONNX bytes into a plain object (int64 fields as numbers, bytes as Uint8Array). */
export function decodeModel(bytes: Uint8Array): ModelMsg {
  const type = modelProto();
  const msg = type.decode(bytes);
  return type.toObject(msg, { longs: Number, arrays: true, defaults: false }) as ModelMsg;
}
