// --train-count / --test-count larger than the data holds: a bad flag value, so exit 2 with one
// line naming the flag, the value asked for and the maximum (not exit 1 with a loader's message).
// Covers every data source: the embedded 'mnist' (checked from constants), mnist-full and idx:DIR
// (checked from the IDX headers once the loader refuses), cifar:DIR (from the file sizes), and the
// tanh-binary class subset, whose counts apply after the subset.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { main as trainMain } from '../../src/cli/train.js';
import { CIFAR_RECORD_BYTES } from '../../src/data/cifar.js';
import { encodeIdx } from '../../src/data/idx.js';
import { runCli, scratchDir } from './util.js';

let dir = '';
let cleanup: () => Promise<void> = async () => {};
let idxDir = '';
let cifarDir = '';

beforeAll(async () => {
  ({ dir, cleanup } = await scratchDir('counts'));
  // A tiny MNIST-style directory: 5 train and 3 test images of 28x28, labels 0..4.
  idxDir = join(dir, 'idx');
  await mkdir(idxDir);
  const idx = async (name: string, n: number) => {
    await writeFile(join(idxDir, `${name}-images-idx3-ubyte`), encodeIdx('u8', [n, 28, 28], new Uint8Array(n * 784).fill(7)));
    await writeFile(join(idxDir, `${name}-labels-idx1-ubyte`), encodeIdx('u8', [n], Array.from({ length: n }, (_, i) => i % 5)));
  };
  await idx('train', 5);
  await idx('t10k', 3);
  // A tiny CIFAR-10 binary directory: 2 records in each of the 5 train batches (10), 3 in the test batch.
  cifarDir = join(dir, 'cifar');
  await mkdir(cifarDir);
  const batch = (n: number) => {
    const b = new Uint8Array(n * CIFAR_RECORD_BYTES);
    for (let r = 0; r < n; r++) b[r * CIFAR_RECORD_BYTES] = r % 10; // label byte, pixels 0
    return b;
  };
  for (let i = 1; i <= 5; i++) await writeFile(join(cifarDir, `data_batch_${i}.bin`), batch(2));
  await writeFile(join(cifarDir, 'test_batch.bin'), batch(3));
});
afterAll(() => cleanup());

describe('train: a count beyond the data exits 2 naming the flag, the value and the maximum', () => {
  const cases: [string, () => string[], string, string][] = [
    ['mnist --train-count 8000', () => ['--train-count', '8000'], '--train-count 8000', '7996'],
    ['mnist --test-count 5000', () => ['--test-count', '5000'], '--test-count 5000', '2004'],
    ['mnist-full --test-count 10001', () => ['--data', 'mnist-full', '--test-count', '10001'], '--test-count 10001', '10000'],
    ['idx:DIR --train-count 6 (5 there)', () => ['--data', `idx:${idxDir}`, '--train-count', '6'], '--train-count 6', '5'],
    ['idx:DIR --test-count 4 (3 there)', () => ['--data', `idx:${idxDir}`, '--train-count', '5', '--test-count', '4'], '--test-count 4', '3'],
    ['cifar:DIR --train-count 11 (10 there)', () => ['--model', 'cifar', '--data', `cifar:${cifarDir}`, '--train-count', '11'], '--train-count 11', '10'],
    ['cifar:DIR --test-count 4 (3 there)', () => ['--model', 'cifar', '--data', `cifar:${cifarDir}`, '--test-count', '4'], '--test-count 4', '3'],
    // 800 zeros + 901 ones in the embedded train split (mnist-embedded.ts): counted after the subset.
    ['tanh-binary --train-count 1702 (1701 zeros and ones)', () => ['--model', 'tanh-binary', '--train-count', '1702'], '--train-count 1702', '1701'],
  ];
  for (const [name, argv, flagAndValue, max] of cases) {
    it(name, async () => {
      const r = await runCli(trainMain, [...argv(), '--epochs', '1']);
      expect(r.err.trim().split('\n'), r.err).toHaveLength(1);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toContain(flagAndValue);
      expect(r.err).toContain(`at most ${max}`);
      expect(r.err).not.toMatch(/\n\s+at /);
      expect(r.out).toBe('');
    });
  }

  it('counts equal to the data are accepted (idx:DIR, 5 train / 3 test)', async () => {
    // Exercises the boundary of the check: exactly the maximum must not be refused. The run fails
    // or succeeds on its own merits afterwards; it must not be a count error.
    const r = await runCli(trainMain, ['--data', `idx:${idxDir}`, '--train-count', '5', '--test-count', '3', '--epochs', '1', '--batch', '5']);
    expect(r.err).not.toContain('at most');
    expect(r.code, r.err).toBe(0);
  });
});
