// Data for a browser page, with no Node built-ins: the embedded digits as the binary asset the
// package ships (fetched), and IDX / CIFAR-10 files from a File, Blob, ArrayBuffer, typed array
// or URL, parsed by the same pure parsers the Node loaders use (src/data/idx.ts, cifar.ts).
// Gzipped input (IDX .gz, as the Node loader accepts; the digits asset) is recognised by its
// magic bytes 1f 8b and inflated with DecompressionStream.

import type { DataSplit, Dataset } from '../data/dataset.js';
import { embeddedMnistSplit, decodeEmbeddedDigits, type EmbeddedOptions } from '../data/mnist-embedded.js';
import { idxToDataset, parseIdx, type IdxDatasetOptions } from '../data/idx.js';
import { parseCifarBatch } from '../data/cifar.js';
import { concat, take } from '../data/transforms.js';
import { shown } from '../util/format.js';

/** Where bytes can come from in a browser: a File or Blob, bytes, or a URL to fetch. */
export type BlobLike = Blob | ArrayBuffer | ArrayBufferView | URL | string;

/** A name for error messages: the file's name, the URL, or what kind of value it was. */
function describe(src: BlobLike): string {
  if (typeof src === 'string') return src;
  if (src instanceof URL) return src.href;
  if (typeof File !== 'undefined' && src instanceof File) return src.name;
  if (src instanceof Blob) return 'Blob';
  return src instanceof ArrayBuffer ? 'ArrayBuffer' : src.constructor.name;
}

/** The bytes of `src` (a view, not a copy, where it already is bytes). */
export async function bytesOf(src: BlobLike, what: string): Promise<Uint8Array> {
  if (src instanceof ArrayBuffer) return new Uint8Array(src);
  if (ArrayBuffer.isView(src)) return new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
  if (src instanceof Blob) return new Uint8Array(await src.arrayBuffer());
  if (typeof src === 'string' || src instanceof URL) {
    const file = nodeFileBytes(src, what);
    if (file !== undefined) return file;
    let res: Response;
    try {
      res = await fetch(src);
    } catch (e) {
      const cause = (e as Error).cause as Error | undefined;
      throw new Error(`${what}: fetching ${String(src)} failed: ${(e as Error).message}${cause?.message ? ` (${cause.message})` : ''}`);
    }
    if (!res.ok) throw new Error(`${what}: fetching ${String(src)} failed with HTTP ${res.status} ${res.statusText}`.trimEnd());
    return new Uint8Array(await res.arrayBuffer());
  }
  throw new TypeError(`${what}: expected a File, Blob, ArrayBuffer, Uint8Array or URL, got ${shown(src)}`);
}

/**
 * In Node, a file: URL (the default asset URL when the package runs there) is read from disk:
 * Node's fetch does not read files. process.getBuiltinModule keeps node:fs out of bundles.
 */
function nodeFileBytes(src: URL | string, what: string): Promise<Uint8Array> | undefined {
  const url = src instanceof URL ? src : /^file:/i.test(src) ? new URL(src) : undefined;
  if (url?.protocol !== 'file:') return undefined;
  const p = (globalThis as { process?: { getBuiltinModule?: (m: string) => unknown } }).process;
  const fs = p?.getBuiltinModule?.('node:fs/promises') as { readFile(u: URL): Promise<Uint8Array> } | undefined;
  if (fs === undefined) return undefined; // not Node (or Node < 20.16): let fetch say what it can do
  return fs.readFile(url).then((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength),
    (e: Error) => { throw new Error(`${what}: reading ${url.href} failed: ${e.message}`); });
}

/** True when `b` starts with the gzip magic bytes. */
function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/** Inflates gzip data with the platform's DecompressionStream (every current browser; Node >= 18). */
export async function gunzip(b: Uint8Array, name: string): Promise<Uint8Array> {
  if (typeof DecompressionStream === 'undefined') {
    throw new Error(`${name}: is gzipped, and this engine has no DecompressionStream to inflate it; decompress it first`);
  }
  try {
    const stream = new Blob([b as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new Error(`${name}: starts with the gzip magic 1f 8b but does not decompress: ${(e as Error).message}`);
  }
}

/** Bytes of `src`, inflated when gzipped; `name` is what errors call it ("(decompressed)" when it was gzipped). */
async function plainBytes(src: BlobLike, what: string): Promise<{ bytes: Uint8Array; name: string }> {
  const raw = await bytesOf(src, what);
  const name = describe(src);
  return isGzip(raw) ? { bytes: await gunzip(raw, name), name: `${name} (decompressed)` } : { bytes: raw, name };
}

export interface EmbeddedDigitsOptions extends EmbeddedOptions {
  /** Where the asset is (default: mnist-embedded.bin next to this module, found by bundlers). */
  url?: string | URL;
}

/**
 * The embedded MNIST digits, fetched from the asset the package ships: the same DataSplit
 * (train 7,996 / test 2,004 by default, pixels k/255) as loadEmbeddedMnist gives in Node.
 */
export async function loadEmbeddedDigits(options: EmbeddedDigitsOptions = {}): Promise<DataSplit> {
  if (options === null || typeof options !== 'object') throw new TypeError(`loadEmbeddedDigits: options must be an object, got ${shown(options)}`);
  const url = options.url ?? new URL('./mnist-embedded.bin', import.meta.url);
  if (typeof url !== 'string' && !(url instanceof URL)) throw new TypeError(`loadEmbeddedDigits: url must be a string or a URL, got ${shown(url)}`);
  const { bytes, name } = await plainBytes(url, 'loadEmbeddedDigits');
  return embeddedMnistSplit(decodeEmbeddedDigits(bytes, name), options, 'loadEmbeddedDigits');
}

export interface IdxFromOptions extends IdxDatasetOptions {
  /** Dataset name (default: the images' file name or URL). */
  name?: string;
}

/** One IDX image file and its label file (each maybe gzipped) → a Dataset with pixels k/255. */
export async function loadIdxFrom(images: BlobLike, labels: BlobLike, options: IdxFromOptions = {}): Promise<Dataset> {
  const [im, lb] = await Promise.all([plainBytes(images, 'loadIdxFrom (images)'), plainBytes(labels, 'loadIdxFrom (labels)')]);
  const { name, ...rest } = options;
  return idxToDataset(parseIdx(im.bytes, im.name), parseIdx(lb.bytes, lb.name), name ?? describe(images), rest);
}

export interface CifarFromOptions {
  /** Dataset name (default: "cifar"). */
  name?: string;
  /** Keep only the first `count` images (default: all); batches past those needed are not parsed. */
  count?: number;
}

/** CIFAR-10 binary batches (data_batch_1.bin …, test_batch.bin) → one Dataset, in the order given. */
export async function loadCifarFrom(batches: readonly BlobLike[], options: CifarFromOptions = {}): Promise<Dataset> {
  if (!Array.isArray(batches) || batches.length === 0) {
    throw new TypeError(`loadCifarFrom: expected a non-empty array of batches (File, Blob, ArrayBuffer, Uint8Array or URL), got ${shown(batches)}`);
  }
  const count = options.count;
  if (count !== undefined && (!Number.isInteger(count) || count < 0)) throw new RangeError(`loadCifarFrom: count must be a non-negative integer, got ${shown(count)}`);
  const name = options.name ?? 'cifar';
  const parts: Dataset[] = [];
  let have = 0;
  for (const b of batches) {
    if (count !== undefined && have >= count && parts.length > 0) break;
    const bytes = await bytesOf(b, 'loadCifarFrom');
    const part = parseCifarBatch(bytes, describe(b));
    parts.push(part);
    have += part.count;
  }
  const all = concat(parts, name);
  return count !== undefined ? { ...take(all, count), name } : all;
}
