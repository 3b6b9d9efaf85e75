// IDX files (the format MNIST, Fashion-MNIST, KMNIST and EMNIST ship in), parsed from bytes.
//
// Layout (all integers big-endian):
//   offset 0   two zero bytes
//   offset 2   element type: 0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64
//   offset 3   number of dimensions d (≥ 1)
//   offset 4   d sizes, u32 each
//   offset 4+4d  the elements, row-major (last dimension fastest), big-endian
// MNIST images are u8 [count, 28, 28] (magic 0x00000803), labels u8 [count] (magic 0x00000801).
//
// Every problem throws a DataFormatError naming the file, the byte offset and what was expected.
// u8/i8 data is returned as a view into the input bytes (no copy); wider types are decoded into
// new arrays. Browser-safe: no Node imports.

import type { Dataset } from './dataset.js';
import { BYTE_TO_UNIT, DataFormatError, hexBytes } from './errors.js';

export type IdxType = 'u8' | 'i8' | 'i16' | 'i32' | 'f32' | 'f64';
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  /** The file name used in error messages. */
  file: string;
  type: IdxType;
  dims: number[];
  /** Elements in row-major order, native byte order. */
  data: IdxData;
  /** Byte offset of the first element in the file (4 + 4·dims.length). */
  headerBytes: number;
}

interface TypeInfo { type: IdxType; code: number; size: number }
const TYPES: readonly TypeInfo[] = [
  { type: 'u8', code: 0x08, size: 1 },
  { type: 'i8', code: 0x09, size: 1 },
  { type: 'i16', code: 0x0b, size: 2 },
  { type: 'i32', code: 0x0c, size: 4 },
  { type: 'f32', code: 0x0d, size: 4 },
  { type: 'f64', code: 0x0e, size: 8 },
];
const typeList = TYPES.map((t) => `0x${t.code.toString(16).padStart(2, '0')} (${t.type})`).join(', ');

function infoOf(type: IdxType): TypeInfo {
  const t = TYPES.find((x) => x.type === type);
  if (!t) throw new TypeError(`IDX: unknown element type '${type}', expected one of ${TYPES.map((x) => x.type).join(', ')}`);
  return t;
}

/** Parses one IDX file. `file` names it in error messages. */
export function parseIdx(bytes: Uint8Array, file = 'IDX data'): IdxArray {
  const len = bytes.length;
  if (len < 4) {
    throw new DataFormatError(file, len, `truncated header: the file is ${len} bytes, expected at least 4 (two zero bytes, type, dimension count)`);
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    throw new DataFormatError(file, 0, 'bad magic: found 0x1f 0x8b, which is a gzip header; expected 0x00 0x00 — decompress the file first');
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataFormatError(file, 0, `bad magic: expected 0x00 0x00 then a type code, found ${hexBytes(bytes.subarray(0, 4))}; is this an IDX file?`);
  }
  const info = TYPES.find((t) => t.code === bytes[2]);
  if (!info) {
    throw new DataFormatError(file, 2, `unknown element type ${hexBytes([bytes[2]!])}, expected one of ${typeList}`);
  }
  const ndims = bytes[3]!;
  if (ndims < 1) throw new DataFormatError(file, 3, 'the dimension count is 0, expected at least 1');
  const headerBytes = 4 + 4 * ndims;
  if (len < headerBytes) {
    throw new DataFormatError(file, len, `truncated header: ${ndims} dimensions need a ${headerBytes}-byte header, the file is only ${len} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, len);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    count *= d; // exact while it matters: anything past 2^53 fails the size check below anyway
  }
  const want = count * info.size;
  const have = len - headerBytes;
  if (have < want) {
    throw new DataFormatError(file, len,
      `truncated data: ${info.type} [${dims.join(', ')}] needs ${want} bytes after the ${headerBytes}-byte header ` +
      `(file size ${headerBytes + want}), found ${have}; the data ends early`);
  }
  if (have > want) {
    throw new DataFormatError(file, headerBytes + want,
      `${have - want} unexpected trailing bytes: ${info.type} [${dims.join(', ')}] should end the file at byte ${headerBytes + want}, ` +
      `but the file is ${len} bytes`);
  }
  return { file, type: info.type, dims, data: decode(bytes, view, headerBytes, count, info.type), headerBytes };
}

function decode(bytes: Uint8Array, view: DataView, at: number, n: number, type: IdxType): IdxData {
  switch (type) {
    case 'u8': return bytes.subarray(at, at + n);
    case 'i8': return new Int8Array(bytes.buffer, bytes.byteOffset + at, n);
    case 'i16': { const a = new Int16Array(n); for (let i = 0; i < n; i++) a[i] = view.getInt16(at + 2 * i, false); return a; }
    case 'i32': { const a = new Int32Array(n); for (let i = 0; i < n; i++) a[i] = view.getInt32(at + 4 * i, false); return a; }
    case 'f32': { const a = new Float32Array(n); for (let i = 0; i < n; i++) a[i] = view.getFloat32(at + 4 * i, false); return a; }
    case 'f64': { const a = new Float64Array(n); for (let i = 0; i < n; i++) a[i] = view.getFloat64(at + 8 * i, false); return a; }
  }
}

/** Writes an IDX file (big-endian), the inverse of parseIdx. */
export function encodeIdx(type: IdxType, dims: readonly number[], data: ArrayLike<number>): Uint8Array {
  const info = infoOf(type);
  if (dims.length < 1 || dims.length > 255) throw new RangeError(`encodeIdx: expected 1..255 dimensions, got ${dims.length}`);
  let count = 1;
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) throw new RangeError(`encodeIdx: dimension ${d} is not a u32`);
    count *= d;
  }
  if (data.length !== count) throw new RangeError(`encodeIdx: dims [${dims.join(', ')}] hold ${count} elements, data has ${data.length}`);
  const headerBytes = 4 + 4 * dims.length;
  const out = new Uint8Array(headerBytes + count * info.size);
  const v = new DataView(out.buffer);
  out[2] = info.code;
  out[3] = dims.length;
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < count; i++) {
    const x = data[i]!;
    const at = headerBytes + i * info.size;
    switch (type) {
      case 'u8': v.setUint8(at, x); break;
      case 'i8': v.setInt8(at, x); break;
      case 'i16': v.setInt16(at, x, false); break;
      case 'i32': v.setInt32(at, x, false); break;
      case 'f32': v.setFloat32(at, x, false); break;
      case 'f64': v.setFloat64(at, x, false); break;
    }
  }
  return out;
}

export interface IdxDatasetOptions {
  /** Number of classes; every label must be below it. Default 10 (MNIST, Fashion-MNIST, KMNIST). */
  numClasses?: number;
  classNames?: string[];
  /** Convert (and range-check the labels of) only the first `count` samples (default: all); the two files must still agree on the full count. */
  count?: number;
}

/**
 * Pairs an image file (u8 [count, H, W] or [count, H, W, C]) with a label file (integer [count])
 * into a Dataset with pixels scaled to [0, 1] (k/255). Checks that both files agree on the count
 * and that every label is in [0, numClasses).
 */
export function idxToDataset(images: IdxArray, labels: IdxArray, name: string, options: IdxDatasetOptions = {}): Dataset {
  const numClasses = options.numClasses ?? 10;
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new RangeError(`idxToDataset(${name}): numClasses must be a positive integer, got ${numClasses}`);
  }
  if (options.classNames && options.classNames.length !== numClasses) {
    throw new RangeError(`idxToDataset(${name}): ${options.classNames.length} class names given for ${numClasses} classes`);
  }
  if (images.type !== 'u8') {
    throw new DataFormatError(images.file, 2, `images are ${images.type}, expected u8 (type 0x08) pixel bytes`);
  }
  if (images.dims.length !== 3 && images.dims.length !== 4) {
    throw new DataFormatError(images.file, 3,
      `images have ${images.dims.length} dimensions [${images.dims.join(', ')}], expected 3 [count, height, width] or 4 [count, height, width, channels]`);
  }
  if (labels.dims.length !== 1) {
    throw new DataFormatError(labels.file, 3, `labels have ${labels.dims.length} dimensions [${labels.dims.join(', ')}], expected 1 [count]`);
  }
  if (labels.type === 'f32' || labels.type === 'f64') {
    throw new DataFormatError(labels.file, 2, `labels are ${labels.type}, expected an integer type (u8, i8, i16 or i32)`);
  }
  const [total, height, width, channels = 1] = images.dims as [number, number, number, number?];
  if (labels.dims[0] !== total) {
    throw new DataFormatError(labels.file, 4,
      `label count ${labels.dims[0]} disagrees with the image count ${total} in ${images.file} (byte offset 4); expected equal counts`);
  }
  const count = options.count ?? total;
  if (!Number.isInteger(count) || count < 0 || count > total) {
    throw new RangeError(`idxToDataset(${name}): count must be an integer in 0..${total} (the samples in ${images.file}), got ${count}`);
  }
  if (height < 1 || width < 1 || channels < 1) {
    throw new DataFormatError(images.file, 8, `image size ${height}x${width}x${channels} has a zero dimension, expected positive sizes`);
  }
  const size = infoOf(labels.type).size;
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const v = labels.data[i]!;
    if (v < 0 || v >= numClasses) {
      throw new DataFormatError(labels.file, labels.headerBytes + i * size,
        `label ${v} of sample ${i} is out of range, expected 0..${numClasses - 1}`);
    }
    out[i] = v;
  }
  const px = images.data as Uint8Array;
  const f = new Float32Array(count * height * width * channels);
  for (let i = 0; i < f.length; i++) f[i] = BYTE_TO_UNIT[px[i]!]!;
  const d: Dataset = { name, images: f, labels: out, count, height, width, channels, numClasses };
  if (options.classNames) d.classNames = options.classNames.slice();
  return d;
}
