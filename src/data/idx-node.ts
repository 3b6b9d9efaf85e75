// Node: read IDX files from a directory (MNIST layout), gzip or not.
//
// loadIdxDir(dir) looks for four files by role, accepting the naming variants in the wild:
//   train images  …train-images-idx3-ubyte   or …train-images.idx3-ubyte   (+ optional .gz)
//   train labels  …train-labels-idx1-ubyte   or …train-labels.idx1-ubyte
//   test images   …t10k-images-idx3-ubyte    (also "test-images", as EMNIST names them)
//   test labels   …t10k-labels-idx1-ubyte
// A prefix ending in '-', '_' or '.' is allowed (emnist-digits-train-images-idx3-ubyte). When both
// "name" and "name.gz" exist the uncompressed one wins; any other ambiguity is an error listing
// the candidates. A file is gunzipped when its content starts with the gzip magic 1f 8b, whatever
// its name says.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { DataSplit } from './dataset.js';
import { idxToDataset, parseIdx, type IdxArray } from './idx.js';

const gunzipAsync = promisify(gunzip);

/** Reads a file, gunzipping it when it starts with the gzip magic bytes 1f 8b. */
export async function readMaybeGzip(path: string): Promise<{ bytes: Uint8Array; gzipped: boolean }> {
  const raw = await readFile(path);
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return { bytes: new Uint8Array(await gunzipAsync(raw)), gzipped: true };
    } catch (e) {
      throw new Error(`${path}: starts with the gzip magic 1f 8b but does not decompress: ${(e as Error).message}`);
    }
  }
  return { bytes: new Uint8Array(raw.buffer, raw.byteOffset, raw.length), gzipped: false };
}

/**
 * Reads and parses one IDX file (gzip or not). Errors name `path`; for a gzipped file they say
 * "(decompressed)" because the byte offsets count in the decompressed data.
 */
export async function readIdxFile(path: string): Promise<IdxArray> {
  const { bytes, gzipped } = await readMaybeGzip(path);
  return parseIdx(bytes, gzipped ? `${path} (decompressed)` : path);
}

type Role = 'train images' | 'train labels' | 'test images' | 'test labels';
const ROLES: Record<Role, RegExp> = {
  'train images': /(^|[-_.])train-images[-.]idx[34]-ubyte(\.gz)?$/,
  'train labels': /(^|[-_.])train-labels[-.]idx1-ubyte(\.gz)?$/,
  'test images': /(^|[-_.])(t10k|test)-images[-.]idx[34]-ubyte(\.gz)?$/,
  'test labels': /(^|[-_.])(t10k|test)-labels[-.]idx1-ubyte(\.gz)?$/,
};

/** The file in `names` that plays `role`, or a clear error. Exported for tests. */
export function pickIdxFile(dir: string, names: readonly string[], role: Role): string {
  let found = names.filter((n) => ROLES[role].test(n));
  // "x" and "x.gz" side by side: prefer the uncompressed copy.
  found = found.filter((n) => !(n.endsWith('.gz') && found.includes(n.slice(0, -3))));
  if (found.length === 1) return found[0]!;
  if (found.length === 0) {
    throw new Error(`loadIdxDir: no ${role} file in ${dir}; expected a name like ${example(role)} ` +
      `(also with '.' before idx, a prefix, or .gz). Files there: ${names.length ? names.join(', ') : '(none)'}`);
  }
  throw new Error(`loadIdxDir: more than one ${role} file in ${dir}: ${found.join(', ')}; keep one or load them with readIdxFile`);
}

function example(role: Role): string {
  return { 'train images': 'train-images-idx3-ubyte', 'train labels': 'train-labels-idx1-ubyte',
    'test images': 't10k-images-idx3-ubyte', 'test labels': 't10k-labels-idx1-ubyte' }[role];
}

export interface IdxDirOptions {
  /** Name prefix for the datasets (default: "idx:<dir>"). */
  name?: string;
  /** Default 10. Every label must be below it. */
  numClasses?: number;
  classNames?: string[];
  /** Convert only the first trainCount / testCount samples (default: all). */
  trainCount?: number;
  testCount?: number;
}

/** Loads the train and test pairs of an MNIST-style directory. Pixels become k/255. */
export async function loadIdxDir(dir: string, options: IdxDirOptions = {}): Promise<DataSplit> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (e) {
    throw new Error(`loadIdxDir: cannot read directory ${dir}: ${(e as Error).message}`);
  }
  const pick = (r: Role) => join(dir, pickIdxFile(dir, names, r));
  const paths = [pick('train images'), pick('train labels'), pick('test images'), pick('test labels')] as const;
  const [trI, trL, teI, teL] = await Promise.all(paths.map(readIdxFile));
  const base = options.name ?? `idx:${dir}`;
  const common = { numClasses: options.numClasses, classNames: options.classNames };
  return {
    train: idxToDataset(trI!, trL!, `${base} train`, { ...common, count: options.trainCount }),
    test: idxToDataset(teI!, teL!, `${base} test`, { ...common, count: options.testCount }),
  };
}
