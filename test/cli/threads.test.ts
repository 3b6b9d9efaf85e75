// --threads N|auto on every command: parsed by the shared numeric parser (a positive integer or
// the word auto; anything else exits 2 naming the flag), 'auto' by default, listed in --help, and
// passed on as `threads` to compile/fit/evaluate/predict (train) and to evaluate/predict
// (evaluate, predict). What the library does with it is its own business; here we check that
// the value given on the command line is the value the model's methods receive.

import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { join } from 'node:path';
import { main as trainMain } from '../../src/cli/train.js';
import { main as evaluateMain } from '../../src/cli/evaluate.js';
import { main as predictMain } from '../../src/cli/predict.js';
import { Sequential } from '../../src/model/sequential.js';
import { runCli, scratchDir } from './util.js';

let dir = '';
let cleanup: () => Promise<void> = async () => {};
let model = '';
beforeAll(async () => {
  ({ dir, cleanup } = await scratchDir('threads'));
  model = join(dir, 'm.simdnet');
  const r = await runCli(trainMain, ['--train-count', '40', '--test-count', '10', '--epochs', '1', '--save', model]);
  expect(r.code, r.err).toBe(0);
});
afterAll(() => cleanup());
afterEach(() => { vi.restoreAllMocks(); });

/** Spies (calling through) on the model methods that take options; returns the threads each got. */
function spyThreads() {
  const spies = {
    compile: vi.spyOn(Sequential.prototype, 'compile'),
    fit: vi.spyOn(Sequential.prototype, 'fit'),
    evaluate: vi.spyOn(Sequential.prototype, 'evaluate'),
    predict: vi.spyOn(Sequential.prototype, 'predict'),
  };
  const pick = (calls: unknown[][], arg: number) => calls.map((c) => (c[arg] as { threads?: unknown } | undefined)?.threads);
  return () => ({
    compile: pick(spies.compile.mock.calls, 0),
    fit: pick(spies.fit.mock.calls, 1),
    evaluate: pick(spies.evaluate.mock.calls, 1),
    predict: pick(spies.predict.mock.calls, 1),
  });
}

describe('train passes --threads to compile, fit, evaluate and predict', () => {
  for (const [args, want] of [[['--threads', '3'], 3], [[], 'auto'], [['--threads', 'auto'], 'auto']] as const) {
    it(args.length ? args.join(' ') : 'default', async () => {
      const got = spyThreads();
      const r = await runCli(trainMain, ['--train-count', '40', '--test-count', '10', '--epochs', '1', '--report', join(dir, `rep-${want}`), ...args]);
      expect(r.code, r.err).toBe(0);
      const g = got();
      expect(g.compile).toEqual([want]);
      expect(g.fit).toEqual([want]);
      expect(g.evaluate).toEqual([want]);
      expect(g.predict).toEqual([want]); // the report's misclassified images
    });
  }
});

describe('evaluate and predict pass --threads to evaluate and predict', () => {
  it('evaluate --threads 2', async () => {
    const got = spyThreads();
    const r = await runCli(evaluateMain, ['--model', model, '--test-count', '10', '--threads', '2']);
    expect(r.code, r.err).toBe(0);
    expect(got().evaluate).toEqual([2]);
  });
  it('predict --threads 5, and auto by default', async () => {
    let got = spyThreads();
    let r = await runCli(predictMain, ['--model', model, '--threads', '5', 'idx:0', 'idx:1']);
    expect(r.code, r.err).toBe(0);
    expect(got().predict).toEqual([5]);
    vi.restoreAllMocks();
    got = spyThreads();
    r = await runCli(predictMain, ['--model', model, 'idx:0']);
    expect(r.code, r.err).toBe(0);
    expect(got().predict).toEqual(['auto']);
  });
});

describe('--threads: bad values exit 2 naming the flag; --help lists it', () => {
  const commands = [
    ['train', trainMain, []],
    ['evaluate', evaluateMain, ['--model', 'no-such.simdnet']],
    ['predict', predictMain, ['--model', 'no-such.simdnet', 'idx:0']],
  ] as const;
  for (const [name, main, base] of commands) {
    it(name, async () => {
      for (const v of ['0', '-1', '1.5', 'max', 'Auto', '0x2', '']) {
        const r = await runCli(main, [...base, `--threads=${v}`]);
        expect(r.code, `${v}: ${r.err}`).toBe(2);
        expect(r.err.trim().split('\n')).toHaveLength(1);
        expect(r.err).toContain('--threads');
        expect(r.err).toContain("a positive integer (1, 2, 3, ...) or 'auto'");
      }
      const h = await runCli(main, ['--help']);
      expect(h.code).toBe(0);
      // Any line breaks: commander wraps the help to the width of the longest flag (train's recipe flags).
      expect(h.out).toMatch(/--threads <n>\s+threads for the kernels: a positive integer or\s+'auto'\s+\(default:\s+"auto"\)/);
    });
  }
});

describe('--threads changes no byte of the result', () => {
  it('train --threads 1 and --threads 2 save byte-identical model files and report the same numbers', async () => {
    const { readFile } = await import('node:fs/promises');
    const out: { file: Buffer; json: Record<string, unknown> }[] = [];
    for (const threads of ['1', '2']) {
      const save = join(dir, `t${threads}.simdnet`);
      const json = join(dir, `t${threads}.json`);
      // lenet5 at batch 32: each batch is cut into 4 shards, so 2 threads do share the work.
      const r = await runCli(trainMain, ['--model', 'lenet5', '--train-count', '300', '--test-count', '60', '--epochs', '1',
        '--threads', threads, '--save', save, '--json', json]);
      expect(r.code, r.err).toBe(0);
      out.push({ file: await readFile(save), json: JSON.parse(await readFile(json, 'utf8')) as Record<string, unknown> });
    }
    expect(out[1]!.file.equals(out[0]!.file), 'model files byte-identical').toBe(true);
    expect(out[1]!.file.includes('threads'), 'the file records no thread count').toBe(false);
    for (const k of ['testLoss', 'testAccuracy', 'confusion']) expect(out[1]!.json[k], k).toEqual(out[0]!.json[k]);
    expect((out[1]!.json.history as { loss: number[] }).loss).toEqual((out[0]!.json.history as { loss: number[] }).loss);
  });
});
