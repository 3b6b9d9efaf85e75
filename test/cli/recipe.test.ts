// The train script's recipe flags (src/cli/train-recipe.ts) on tiny subsets of the embedded
// digits: --normalize standardize stores the model's normalization and evaluate reuses it,
// --checkpoint-every writes loadable checkpoints, --early-stopping reports where it stopped,
// --augment shift runs, and flag combinations that cannot work are one-line exit-2 errors.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { main as trainMain } from '../../src/cli/train.js';
import { main as evaluateMain } from '../../src/cli/evaluate.js';
import { loadModel } from '../../src/io/model-node.js';
import { readJson, runCli, scratchDir } from './util.js';

interface RunJson {
  testAccuracy: number; testLoss: number; epochs: number; normalize: string; augment: string;
  normalization?: { type: string; mean: number[]; std: number[] };
  earlyStopping?: { stoppedEpoch: number | null; bestEpoch: number };
  history: { valLoss: number[] };
}

let dir = '';
let cleanup: () => Promise<void> = async () => {};
beforeAll(async () => ({ dir, cleanup } = await scratchDir('recipe')));
afterAll(() => cleanup());

const base = ['--train-count', '100', '--test-count', '50', '--seed', '3'];

describe('train recipe flags', () => {
  it('--normalize standardize: the statistics go into the model file; evaluate reproduces the test loss', async () => {
    const file = join(dir, 'std.simdnet');
    const r = await runCli(trainMain, [...base, '--epochs', '1', '--normalize', 'standardize', '--save', file, '--json', join(dir, 'std.json')]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('standardized input');
    const j = await readJson<RunJson>(join(dir, 'std.json'));
    expect(j.normalize).toBe('standardize');
    expect(j.normalization!.mean[0]).toBeGreaterThan(0.05);
    expect((await loadModel(file)).normalization).toEqual(j.normalization);
    const e = await runCli(evaluateMain, ['--model', file, '--test-count', '50', '--json', join(dir, 'std-eval.json')]);
    expect(e.code).toBe(0);
    expect((await readJson<{ loss: number }>(join(dir, 'std-eval.json'))).loss).toBe(j.testLoss);
    // The default for lenet5 is scale: no normalization.
    const s = await runCli(trainMain, [...base, '--epochs', '1', '--json', join(dir, 'scale.json')]);
    expect(s.code).toBe(0);
    const sj = await readJson<RunJson>(join(dir, 'scale.json'));
    expect(sj.normalize).toBe('scale');
    expect(sj.normalization).toBeUndefined();
  });

  it('--checkpoint-every 2 with {epoch}: one loadable file per checkpoint; the default path sits next to --save', async () => {
    const r = await runCli(trainMain, [...base, '--epochs', '4', '--checkpoint-every', '2', '--checkpoint', join(dir, 'ck-{epoch}.simdnet')]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`checkpoint: saved after epochs 2, 4 (last: ${join(dir, 'ck-4.simdnet')})`);
    const files = (await readdir(dir)).filter((f) => f.startsWith('ck-')).sort();
    expect(files).toEqual(['ck-2.simdnet', 'ck-4.simdnet']);
    (await loadModel(join(dir, 'ck-2.simdnet'))).dispose();
    const d = await runCli(trainMain, [...base, '--epochs', '1', '--checkpoint-every', '1', '--save', join(dir, 'main.simdnet')]);
    expect(d.code).toBe(0);
    expect((await readdir(dir))).toContain('main.checkpoint.simdnet');
  });

  it('--early-stopping 0 --restore-best: stops at the first epoch without a lower validation loss, and says so', async () => {
    // lr 0.05 is far too high for Adam here, so the validation loss soon stops falling.
    const r = await runCli(trainMain, [...base, '--epochs', '30', '--lr', '0.05', '--early-stopping', '0', '--restore-best',
      '--validation-split', '0.3', '--json', join(dir, 'es.json')]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = await readJson<RunJson>(join(dir, 'es.json'));
    const v = j.history.valLoss;
    expect(j.epochs).toBeLessThan(30);
    expect(j.earlyStopping!.stoppedEpoch).toBe(j.epochs);
    // It stopped at the first epoch that did not improve on every earlier one.
    expect(v[v.length - 1]!).toBeGreaterThanOrEqual(Math.min(...v.slice(0, -1)));
    for (let e = 1; e < v.length - 1; e++) expect(v[e]!).toBeLessThan(Math.min(...v.slice(0, e)));
    expect(r.out).toMatch(new RegExp(`early stopping: no lower validation loss for 0 epochs; stopped after epoch ${j.epochs}, restored the weights of epoch ${j.epochs - 1}`));
  });

  it('--augment shift trains and is recorded', async () => {
    const r = await runCli(trainMain, [...base, '--epochs', '1', '--augment', 'shift', '--json', join(dir, 'aug.json')]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('shift augmentation');
    expect((await readJson<RunJson>(join(dir, 'aug.json'))).augment).toBe('shift');
  });

  it('--resume continues a standardized, shifted run: 1 + 1 epochs write the same bytes as 2 straight; --augment is recorded', async () => {
    // lenet5's constant lr (a recipe schedule such as fast's OneCycle spans the run's epochs, so a
    // 1-epoch first leg would have another schedule than 2 straight).
    const flags = ['--train-count', '200', '--test-count', '50', '--seed', '4', '--augment', 'shift', '--normalize', 'standardize'];
    const a = await runCli(trainMain, [...flags, '--epochs', '2', '--save', join(dir, 'straight.simdnet')]);
    expect(a.code).toBe(0);
    const b = await runCli(trainMain, [...flags, '--epochs', '1', '--save', join(dir, 'first.simdnet')]);
    expect(b.code).toBe(0);
    // --augment and the data flags come from the file's run record.
    const c = await runCli(trainMain, ['--resume', join(dir, 'first.simdnet'), '--epochs', '1', '--save', join(dir, 'resumed.simdnet')]);
    expect(c.err).toBe('');
    expect(c.code).toBe(0);
    expect(c.out).toContain('standardized input, shift augmentation');
    const straight = await readFile(join(dir, 'straight.simdnet'));
    const resumed = await readFile(join(dir, 'resumed.simdnet'));
    expect(Buffer.compare(straight, resumed)).toBe(0);
    const d = await runCli(trainMain, ['--resume', join(dir, 'first.simdnet'), '--epochs', '1', '--augment', 'none']);
    expect(d.code).toBe(2);
    expect(d.err).toMatch(/--augment none: .* was trained with --augment shift/);
  });

  for (const [args, message] of [
    [['--early-stopping', '2', '--validation-split', '0'], /--early-stopping watches the validation loss, but there is no validation split/],
    [['--reduce-lr-on-plateau', '2', '--validation-split', '0'], /--reduce-lr-on-plateau watches the validation loss/],
    [['--restore-best'], /--restore-best needs --early-stopping PATIENCE/],
    [['--reduce-lr-factor', '0.5'], /--reduce-lr-factor needs --reduce-lr-on-plateau PATIENCE/],
    [['--checkpoint', join('x', 'y.simdnet')], /--checkpoint needs --checkpoint-every N/],
    [['--checkpoint-every', '1'], /--checkpoint-every needs --checkpoint FILE or --save FILE/],
    [['--normalize', 'minmax'], /--normalize.*minmax.*Allowed choices are scale, standardize/],
    [['--early-stopping', '-1'], /--early-stopping/],
  ] as const) {
    it(`exit 2: ${args.join(' ')}`, async () => {
      const r = await runCli(trainMain, [...base, '--epochs', '1', ...args]);
      expect(r.code).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(message);
    });
  }
});
