// The simdnet model file: one self-describing binary, readable in Node and the browser.
//
//   offset  size  field
//   0       8     magic  89 53 4E 45 54 0D 0A 1A  ("\x89SNET\r\n\x1a", PNG-style: catches text-mode
//                 transfers and files that are not ours)
//   8       4     format version, u32 little-endian (this code writes and reads 1)
//   12      4     JSON byte length J, u32 LE
//   16      4     weight byte length W, u32 LE
//   20      4     CRC-32 (IEEE, as zlib) of every byte from offset 24 to the end
//   24      J     UTF-8 JSON: { format, version, model: topology, weights: manifest }
//   24+J    pad   spaces up to a multiple of 4, so the weights start 4-byte aligned
//   D       W     weights: little-endian f32, tensors back to back in manifest order
// The topology may carry an optional `normalization` ({ type: 'standardize', mean, std } per
// input channel, see src/model/normalization.ts); files without it (all older ones) load as
// models without input normalization.
// The file is exactly D + W bytes. The manifest lists { name, shape, offset, length } with offset
// in bytes from D and length in values (= product of shape).
//
// Optional training state (training-state.ts): the JSON may carry `training`, with the optimizer
// counters, data stream and layer states, and a manifest `training.slots` of the optimizer's
// state tensors, stored in the weights section after the weights (same entry form). A file
// without it is the same as before, byte for byte; a reader that does not know the key ignores
// it and loads the model with a fresh optimizer. That is why the version stays 1: every older
// file still loads, and a new file still loads for inference in an older reader.
//
// deserialize() checks, in order: the magic (as much of it as the file has), size of the header,
// version, that the declared sizes match the file size, the checksum, the JSON, and every manifest
// entry; each failure names the byte offset where the problem is.

import type { ModelTopology } from '../model/sequential.js';
import type { TrainingState, TrainingStateHeader } from './training-state.js';

export const MAGIC = new Uint8Array([0x89, 0x53, 0x4e, 0x45, 0x54, 0x0d, 0x0a, 0x1a]);
export const FORMAT_VERSION = 1;
export const HEADER_BYTES = 24;

export interface WeightTensor { name: string; shape: number[]; data: Float32Array }
export interface ManifestEntry { name: string; shape: number[]; offset: number; length: number }

export interface SerializedModel {
  topology: ModelTopology;
  weights: WeightTensor[];
  /** The name the file was read under (decodeModel's `source`), for later error messages. */
  source?: string;
  /** Present when the file was saved with its training state. */
  training?: TrainingState;
}

export class ModelFormatError extends Error {
  constructor(message: string, readonly offset: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ModelFormatError';
  }
}

let crcTable: Uint32Array | undefined;
/** CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the checksum zlib and PNG use. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = crcTable[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Encodes topology + weights (in the given order), and optionally the training state, as one file. */
export function encodeModel(topology: ModelTopology, weights: readonly WeightTensor[], training?: TrainingState): Uint8Array {
  const manifest: ManifestEntry[] = [];
  let wBytes = 0;
  const tensors: { data: Float32Array }[] = [];
  for (const w of weights) {
    manifest.push({ name: w.name, shape: [...w.shape], offset: wBytes, length: w.data.length });
    wBytes += 4 * w.data.length;
    tensors.push(w);
  }
  const doc: Record<string, unknown> = { format: 'simdnet-model', version: FORMAT_VERSION, model: topology, weights: manifest };
  if (training !== undefined) {
    const { slots, ...header } = training;
    const slotManifest: ManifestEntry[] = [];
    for (const t of slots) {
      slotManifest.push({ name: t.name, shape: [t.data.length], offset: wBytes, length: t.data.length });
      wBytes += 4 * t.data.length;
      tensors.push(t);
    }
    doc.training = { ...header, slots: slotManifest };
  }
  const json = JSON.stringify(doc);
  const jsonBytes = new TextEncoder().encode(json);
  const J = jsonBytes.length;
  const D = HEADER_BYTES + Math.ceil(J / 4) * 4;
  const out = new Uint8Array(D + wBytes);
  out.set(MAGIC, 0);
  const dv = new DataView(out.buffer);
  dv.setUint32(8, FORMAT_VERSION, true);
  dv.setUint32(12, J, true);
  dv.setUint32(16, wBytes, true);
  out.set(jsonBytes, HEADER_BYTES);
  out.fill(0x20, HEADER_BYTES + J, D);
  let at = D;
  for (const w of tensors) {
    for (let i = 0; i < w.data.length; i++, at += 4) dv.setFloat32(at, w.data[i]!, true);
  }
  dv.setUint32(20, crc32(out, HEADER_BYTES), true);
  return out;
}

/** A JSON value for a message: "missing" rather than "undefined". */
function show(v: unknown): string {
  return v === undefined ? 'missing' : JSON.stringify(v);
}

function fail(message: string, offset: number, source: string): never {
  throw new ModelFormatError(`${source}: ${message} (at byte offset ${offset})`, offset);
}

/** Parses and validates a model file. `source` names it in error messages (e.g. the path). */
export function decodeModel(bytes: Uint8Array, source = 'model file'): SerializedModel {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`${source}: expected the file's bytes as a Uint8Array`);
  // The magic first, over the bytes that are there: a short file that is not ours (an 8-byte JSON
  // file, say) is "not a simdnet model file", and only a true prefix of one is "truncated".
  for (let i = 0; i < Math.min(MAGIC.length, bytes.length); i++) {
    if (bytes[i] !== MAGIC[i]) {
      const got = [...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
      fail(`not a simdnet model file: bad magic bytes ${got} (expected 89 53 4e 45 54 0d 0a 1a)`, i, source);
    }
  }
  if (bytes.length < HEADER_BYTES) {
    fail(`truncated: ${bytes.length} bytes, but the header alone is ${HEADER_BYTES} bytes`, bytes.length, source);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  if (version !== FORMAT_VERSION) fail(`format version ${version} is not supported (this build reads version ${FORMAT_VERSION})`, 8, source);
  const J = dv.getUint32(12, true);
  const W = dv.getUint32(16, true);
  const D = HEADER_BYTES + Math.ceil(J / 4) * 4;
  if (W % 4 !== 0) fail(`weight byte length ${W} is not a multiple of 4`, 16, source);
  if (bytes.length < D + W) {
    fail(`truncated: the header declares ${J} bytes of JSON and ${W} bytes of weights, so the file should be ${D + W} bytes, ` +
      `but it ends after ${bytes.length}`, bytes.length, source);
  }
  if (bytes.length > D + W) fail(`${bytes.length - (D + W)} unexpected bytes after the weights (file should be ${D + W} bytes)`, D + W, source);
  const crc = crc32(bytes, HEADER_BYTES);
  const want = dv.getUint32(20, true);
  if (crc !== want) {
    fail(`corrupt: checksum of bytes ${HEADER_BYTES}..${bytes.length} is ${crc.toString(16)}, the header says ${want.toString(16)}`, 20, source);
  }
  let doc: { format?: unknown; version?: unknown; model?: ModelTopology; weights?: ManifestEntry[];
    training?: TrainingStateHeader & { slots: ManifestEntry[] } };
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(HEADER_BYTES, HEADER_BYTES + J)));
  } catch (e) {
    fail(`the JSON header is not valid UTF-8 JSON: ${(e as Error).message}`, HEADER_BYTES, source);
  }
  if (doc?.format !== 'simdnet-model' || typeof doc.model !== 'object' || doc.model === null || Array.isArray(doc.model) || !Array.isArray(doc.weights)) {
    fail('the JSON header lacks format "simdnet-model", a model topology or a weights manifest', HEADER_BYTES, source);
  }
  const m = doc.model!;
  if (!Array.isArray(m.inputShape) || !Array.isArray(m.layers)) fail('the model topology lacks inputShape or layers', HEADER_BYTES, source);
  const readTensors = (entries: unknown[], what: string): WeightTensor[] => {
    const out: WeightTensor[] = [];
    for (const [i, e0] of entries.entries()) {
      const e = e0 as ManifestEntry;
      const okShape = Array.isArray(e?.shape) && e.shape.every((d) => Number.isInteger(d) && d >= 0);
      const n = okShape ? e.shape.reduce((a, b) => a * b, 1) : -1;
      const problem = e === null || typeof e !== 'object' || Array.isArray(e) ? `is ${show(e)}, not an object`
        : typeof e.name !== 'string' ? `has name ${show(e.name)}, not a string`
        : !okShape ? `has shape ${show(e.shape)}, not a list of non-negative integers`
        : e.length !== n ? `has length ${show(e.length)}, not product(shape) = ${n}`
        : !Number.isInteger(e.offset) || e.offset < 0 || e.offset % 4 !== 0 ? `has offset ${show(e.offset)}, not a non-negative multiple of 4`
        : undefined;
      if (problem !== undefined) {
        fail(`${what} entry ${i}${typeof e?.name === 'string' ? ` '${e.name}'` : ''} is malformed: it ${problem} ` +
          '(each entry needs name, shape, a 4-aligned offset and length = product(shape))', HEADER_BYTES, source);
      }
      if (e.offset + 4 * n > W) {
        fail(`${what} entry ${i} '${e.name}' runs past the end of the weights (${e.offset + 4 * n} > ${W} bytes)`, D + e.offset, source);
      }
      const data = new Float32Array(n);
      for (let j = 0; j < n; j++) data[j] = dv.getFloat32(D + e.offset + 4 * j, true);
      out.push({ name: e.name, shape: [...e.shape], data });
    }
    return out;
  };
  const weights = readTensors(doc.weights!, 'weights manifest');
  const result: SerializedModel = { topology: m, weights, source };
  const t = doc.training;
  if (t !== undefined) {
    if (t === null || typeof t !== 'object' || Array.isArray(t) || !Array.isArray(t.slots)) {
      fail(`the training state must be an object with a slots manifest, got ${show(t)}`, HEADER_BYTES, source);
    }
    const { slots, ...header } = t;
    result.training = { ...header, slots: readTensors(slots, 'training state slots manifest').map((x) => ({ name: x.name, data: x.data })) };
  }
  return result;
}
