// Node: load CIFAR-10 binary batches from a directory.
//
// Expects data_batch_1.bin … data_batch_5.bin (train, 10,000 records each) and test_batch.bin
// (test) in `dir`, or in `dir`/cifar-10-batches-bin (where the official tarball extracts them).
// With trainCount, only as many batches as needed are read and converted: all five are
// 50,000·3072 floats = 614 MB, so ask for a subset unless you need it all.

import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DataSplit, Dataset } from './dataset.js';
import { parseCifarBatch } from './cifar.js';
import { concat, take } from './transforms.js';

export const CIFAR_TRAIN_FILES: readonly string[] = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
export const CIFAR_TEST_FILE = 'test_batch.bin';

export interface CifarDirOptions {
  trainCount?: number;
  testCount?: number;
  /** Name prefix for the datasets (default: "cifar:<dir>"). */
  name?: string;
}

async function exists(p: string): Promise<boolean> {
  try { await access(p); return true; } catch { return false; }
}

async function readBatch(path: string): Promise<Dataset> {
  const b = await readFile(path);
  return parseCifarBatch(new Uint8Array(b.buffer, b.byteOffset, b.length), path);
}

export async function loadCifarDir(dir: string, options: CifarDirOptions = {}): Promise<DataSplit> {
  let root = dir;
  if (!(await exists(join(root, CIFAR_TRAIN_FILES[0]!))) && (await exists(join(dir, 'cifar-10-batches-bin')))) {
    root = join(dir, 'cifar-10-batches-bin');
  }
  const wanted = [...CIFAR_TRAIN_FILES, CIFAR_TEST_FILE];
  const missing: string[] = [];
  for (const f of wanted) if (!(await exists(join(root, f)))) missing.push(f);
  if (missing.length) {
    throw new Error(`loadCifarDir: ${root} is missing ${missing.join(', ')}; expected the CIFAR-10 binary version ` +
      `(${wanted.join(', ')}), e.g. extracted from cifar-10-binary.tar.gz`);
  }
  for (const [k, v] of Object.entries({ trainCount: options.trainCount, testCount: options.testCount })) {
    if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw new RangeError(`loadCifarDir: ${k} must be a non-negative integer, got ${v}`);
  }
  const base = options.name ?? `cifar:${dir}`;

  const parts: Dataset[] = [];
  let have = 0;
  for (const f of CIFAR_TRAIN_FILES) {
    if (options.trainCount !== undefined && have >= options.trainCount && parts.length > 0) break;
    const part = await readBatch(join(root, f));
    parts.push(part);
    have += part.count;
  }
  let train = concat(parts, `${base} train`);
  if (options.trainCount !== undefined) train = { ...take(train, options.trainCount), name: `${base} train` };
  let test = await readBatch(join(root, CIFAR_TEST_FILE));
  test = { ...(options.testCount !== undefined ? take(test, options.testCount) : test), name: `${base} test` };
  return { train, test };
}
