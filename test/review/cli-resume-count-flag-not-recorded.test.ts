// Defect: a run saved without --train-count (every image) resumed with --train-count 100 was let
// through (the record had no value to compare with) and failed inside fit: "train: error: fit:
// resume continues a run of 7196 training samples ..." (exit 1, no flag named). A whole run
// record without a count now means "every image", and a count given on resume is the usual
// one-line usage error naming the flag (exit 2).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { main as trainMain } from '../../src/cli/train.js';
import { runCli, scratchDir } from '../cli/util.js';

let dir = '';
let cleanup: () => Promise<void> = async () => {};
beforeAll(async () => ({ dir, cleanup } = await scratchDir('resume-count')));
afterAll(() => cleanup());

describe('train --resume with a count the run did not have', () => {
  it('--train-count and --test-count are refused, naming the flag', async () => {
    const file = join(dir, 'all.simdnet');
    // tanh-binary: the digits 0 and 1 only, so "every image" is small enough for a test.
    const a = await runCli(trainMain, ['--model', 'tanh-binary', '--epochs', '1', '--batch', '256', '--threads', '1', '--save', file]);
    expect(a.code, a.err).toBe(0);
    for (const [flag, v] of [['--train-count', '100'], ['--test-count', '20']]) {
      const r = await runCli(trainMain, ['--resume', file, '--epochs', '1', flag!, v!]);
      expect(r.code).toBe(2);
      expect(r.err).toBe(`train: ${flag} ${v}: ${file} was trained without ${flag} (on every image); a resumed run continues with the recorded data and batches (omit the flag)\n`);
    }
  }, 60_000);
});
