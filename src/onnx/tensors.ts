// Reading ONNX tensors and attributes for the importer: initializers and Constant values as
// typed arrays, attributes by name with their defaults. Every error names the node or tensor.

import { AttrType, DataType, int64, type AttributeMsg, type NodeMsg, type TensorMsg } from './schema.js';

/**
 * A value, node or tensor name for a one-line message: quoted, control characters escaped, cut
 * at 80 characters; '(unnamed)' when absent.
 */
export function quoted(name: string | undefined | null): string {
  if (!name) return '(unnamed)';
  const shown = JSON.stringify(name.length > 80 ? `${name.slice(0, 77)}...` : name).slice(1, -1);
  return `'${shown}'`;
}

export interface ConstTensor {
  name: string;
  dims: number[];
  /** FLOAT/DOUBLE as f32 values; INT32/INT64 as numbers. */
  data: Float32Array | number[];
  isFloat: boolean;
}

function copyBytes(b: Uint8Array): DataView {
  const own = Uint8Array.from(b); // decoded bytes may be a view into the whole file, unaligned
  return new DataView(own.buffer);
}

/** Decodes an initializer or a Constant's tensor (data inside the file only). */
export function readTensor(t: TensorMsg, where: string): ConstTensor {
  const name = t.name ?? '';
  const what = `${where}: tensor ${quoted(name)}`;
  if (t.data_location === 1) throw new RangeError(`${what} keeps its data in an external file; save the ONNX model with all tensors inside it`);
  const dims = (t.dims ?? []).map((d) => int64(d, `${what} dims`));
  if (dims.some((d) => d < 0)) throw new RangeError(`${what} has a negative dimension [${dims.join(', ')}]`);
  const n = dims.reduce((a, b) => a * b, 1);
  const type = t.data_type ?? 0;
  const raw = t.raw_data !== undefined && t.raw_data.length > 0 ? t.raw_data : undefined;
  let data: Float32Array | number[];
  if (type === DataType.FLOAT || type === DataType.DOUBLE) {
    const width = type === DataType.FLOAT ? 4 : 8;
    if (raw !== undefined) {
      if (raw.length !== width * n) throw new RangeError(`${what}: raw_data has ${raw.length} bytes, dims [${dims.join(', ')}] need ${width * n}`);
      const dv = copyBytes(raw);
      data = Float32Array.from({ length: n }, (_, i) => (width === 4 ? dv.getFloat32(4 * i, true) : dv.getFloat64(8 * i, true)));
    } else {
      const src = type === DataType.FLOAT ? t.float_data ?? [] : t.double_data ?? [];
      if (src.length !== n) throw new RangeError(`${what}: holds ${src.length} values, dims [${dims.join(', ')}] need ${n}`);
      data = Float32Array.from(src);
    }
    return { name, dims, data, isFloat: true };
  }
  if (type === DataType.INT64 || type === DataType.INT32) {
    if (raw !== undefined) {
      const width = type === DataType.INT64 ? 8 : 4;
      if (raw.length !== width * n) throw new RangeError(`${what}: raw_data has ${raw.length} bytes, dims [${dims.join(', ')}] need ${width * n}`);
      const dv = copyBytes(raw);
      data = Array.from({ length: n }, (_, i) => (width === 8 ? Number(dv.getBigInt64(8 * i, true)) : dv.getInt32(4 * i, true)));
    } else {
      data = type === DataType.INT64 ? (t.int64_data ?? []).map((v) => int64(v, what)) : [...(t.int32_data ?? [])];
      if (data.length !== n) throw new RangeError(`${what}: holds ${data.length} values, dims [${dims.join(', ')}] need ${n}`);
    }
    return { name, dims, data, isFloat: false };
  }
  throw new TypeError(`${what} has data type ${type}; the importer reads float, double, int32 and int64 tensors`);
}

/** A node's attributes by name, with typed getters that name the node when a value is wrong. */
export class Attributes {
  private readonly byName = new Map<string, AttributeMsg>();

  constructor(private readonly node: NodeMsg, private readonly label: string) {
    for (const a of node.attribute ?? []) this.byName.set(a.name ?? '', a);
  }

  has(name: string): boolean { return this.byName.has(name); }

  int(name: string, dflt: number): number {
    const a = this.byName.get(name);
    if (a === undefined) return dflt;
    if (a.type !== undefined && a.type !== AttrType.INT) throw new TypeError(`${this.label}: attribute '${name}' must be an integer`);
    return int64(a.i, `${this.label} ${name}`);
  }

  ints(name: string, dflt: number[]): number[] {
    const a = this.byName.get(name);
    if (a === undefined) return dflt;
    if (a.type !== undefined && a.type !== AttrType.INTS) throw new TypeError(`${this.label}: attribute '${name}' must be a list of integers`);
    return (a.ints ?? []).map((v) => int64(v, `${this.label} ${name}`));
  }

  float(name: string, dflt: number): number {
    const a = this.byName.get(name);
    if (a === undefined) return dflt;
    if (a.type !== undefined && a.type !== AttrType.FLOAT) throw new TypeError(`${this.label}: attribute '${name}' must be a float`);
    return a.f ?? 0;
  }

  string(name: string, dflt: string): string {
    const a = this.byName.get(name);
    if (a === undefined) return dflt;
    if (a.type !== undefined && a.type !== AttrType.STRING) throw new TypeError(`${this.label}: attribute '${name}' must be a string`);
    return new TextDecoder().decode(a.s ?? new Uint8Array(0));
  }

  tensor(name: string): TensorMsg | undefined {
    return this.byName.get(name)?.t;
  }

  /** Throws unless every attribute the node has is one of `known` (an unknown one could change the result). */
  only(known: readonly string[]): void {
    for (const k of this.byName.keys()) {
      if (!known.includes(k)) throw new RangeError(`${this.label}: attribute ${quoted(k)} is not supported here (known: ${known.join(', ') || 'none'})`);
    }
  }
}
