import { shown } from '../util/format.js';
// Plain arrays for the functional ops API, and the checks every op runs on its arguments
// before any kernel touches memory.
//
// An NdArray is `{ data, shape }`: `data` is a Float32Array in row-major order (NHWC for
// images), `shape` its dimensions. The ops never keep a reference to `data` and always
// return fresh arrays.

export interface NdArray {
  data: Float32Array;
  shape: number[];
}

/** Builds an NdArray from any numbers (copied into a new Float32Array), checking the length. */
export function ndarray(values: ArrayLike<number>, shape: readonly number[]): NdArray {
  checkShapeDims(shape, 'ndarray', 'shape');
  const n = product(shape);
  if (values.length !== n) {
    throw new RangeError(`ndarray: shape [${shape.join(', ')}] holds ${n} values, got ${values.length}`);
  }
  return { data: Float32Array.from(values), shape: [...shape] };
}

/** A zero-filled NdArray of the given shape. */
export function zeros(shape: readonly number[]): NdArray {
  checkShapeDims(shape, 'zeros', 'shape');
  return { data: new Float32Array(product(shape)), shape: [...shape] };
}

export function product(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function fmtShape(shape: readonly unknown[]): string {
  return `[${shape.map((d) => String(d)).join(', ')}]`;
}

function checkShapeDims(shape: unknown, label: string, name: string): asserts shape is number[] {
  if (!Array.isArray(shape)) {
    throw new TypeError(`${label}: ${name} must be an array of dimensions, got ${describe(shape)}`);
  }
  for (const d of shape) {
    if (!Number.isInteger(d) || (d as number) < 1) {
      throw new RangeError(`${label}: ${name} must hold positive integers, got ${fmtShape(shape)}`);
    }
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/**
 * Checks that `x` is an NdArray whose data length matches its shape and, unless `dimNames`
 * is null, whose rank is dimNames.length (the names, e.g. ['m', 'h', 'w', 'c'], only serve
 * the error messages).
 */
export function checkArray(x: unknown, name: string, dimNames: readonly string[] | null, label: string): NdArray {
  const want = dimNames === null ? 'number[]' : `[${dimNames.join(', ')}]`;
  if (typeof x !== 'object' || x === null || !('data' in x) || !('shape' in x)) {
    throw new TypeError(`${label}: ${name} must be an array object { data: Float32Array, shape: ${want} }, got ${describe(x)}`);
  }
  const { data, shape } = x as { data: unknown; shape: unknown };
  if (!(data instanceof Float32Array)) {
    throw new TypeError(`${label}: ${name}.data must be a Float32Array, got ${describe(data)} ` +
      `(convert with Float32Array.from(...) or use ndarray(values, shape))`);
  }
  checkShapeDims(shape, label, `${name}.shape`);
  if (dimNames !== null && shape.length !== dimNames.length) {
    throw new RangeError(`${label}: ${name} must have rank ${dimNames.length}, shape ${want}, got shape ${fmtShape(shape)}`);
  }
  const n = product(shape);
  if (data.length !== n) {
    throw new RangeError(`${label}: ${name} has shape ${fmtShape(shape)} (${n} values) but its data holds ${data.length} values`);
  }
  return x as NdArray;
}

/** A [rows, cols] pair from a number (both) or a two-element array; positive integers. */
export function checkPair(v: unknown, name: string, label: string): [number, number] {
  const pair = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(pair) || pair.length !== 2) {
    throw new TypeError(`${label}: ${name} must be a positive integer or a pair [rows, cols], got ${shown(v)}`);
  }
  for (const d of pair) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 1) {
      throw new RangeError(`${label}: ${name} must be positive integers, got ${shown(v)}`);
    }
  }
  return [pair[0] as number, pair[1] as number];
}

/** Throws unless `x.shape` equals `want` exactly. */
export function checkShapeIs(x: NdArray, name: string, want: readonly number[], why: string, label: string): void {
  const same = x.shape.length === want.length && x.shape.every((d, i) => d === want[i]);
  if (!same) {
    throw new RangeError(`${label}: ${name} must have shape ${fmtShape(want)} (${why}), got ${fmtShape(x.shape)}`);
  }
}
