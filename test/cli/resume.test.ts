// train --resume and the optimizer / schedule flags, in-process on tiny subsets of the embedded
// digits: 2 epochs straight and 1 + 1 resumed write byte-identical model files (convnet: dropout;
// OneCycle with cycled β1 spanning both legs; the second leg on 2 threads), the run record fills
// the data flags, and bad or conflicting flags fail with one line naming the flag (exit 2).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { main as trainMain } from '../../src/cli/train.js';
import { readJson, runCli, scratchDir } from './util.js';

let dir = '';
let cleanup: () => Promise<void> = async () => {};
beforeAll(async () => ({ dir, cleanup } = await scratchDir('resume')));
afterAll(() => cleanup());

const common = ['--model', 'convnet', '--train-count', '100', '--test-count', '20', '--batch', '16', '--seed', '3',
  '--optimizer', 'adam', '--beta2', '0.9', '--schedule', 'onecycle', '--max-lr', '0.005', '--cycle-momentum', '--schedule-epochs', '2',
  '--clip-norm', '2'];

describe('train --resume', () => {
  let straight: Uint8Array, resumed: Uint8Array;
  let second: { code: number; out: string; err: string };
  beforeAll(async () => {
    const a = await runCli(trainMain, [...common, '--epochs', '2', '--threads', '1', '--save', join(dir, 'straight.simdnet')]);
    expect(a.err).toBe('');
    const b = await runCli(trainMain, [...common, '--epochs', '1', '--threads', '1', '--save', join(dir, 'first.simdnet')]);
    expect(b.err).toBe('');
    second = await runCli(trainMain, ['--resume', join(dir, 'first.simdnet'), '--epochs', '1', '--threads', '2',
      '--save', join(dir, 'resumed.simdnet'), '--json', join(dir, 'resumed.json')]);
    straight = new Uint8Array(await readFile(join(dir, 'straight.simdnet')));
    resumed = new Uint8Array(await readFile(join(dir, 'resumed.simdnet')));
  });

  it('1 + 1 resumed epochs write the same bytes as 2 straight (weights, optimizer state, RNG, counters)', () => {
    expect(second.err).toBe('');
    expect(second.code).toBe(0);
    expect(second.out).toMatch(/^resuming .*first\.simdnet: 1 epoch \(6 steps\) done; 1 more$/m);
    expect(second.out).toMatch(/adam onecycle schedule \(max lr 0\.005, 12 steps, cycling momentum\), clip norm 2, batch 16/);
    expect(resumed.length).toBe(straight.length);
    let diff = -1;
    for (let i = 0; i < straight.length && diff < 0; i++) if (straight[i] !== resumed[i]) diff = i;
    expect(diff, 'first byte that differs').toBe(-1);
  });

  it('the JSON records the resume and the schedule with its derived total', async () => {
    const j = await readJson<{ resumedFrom: string; epochsTrained: number; steps: number; epochs: number; trainImages: number;
      optimizerConfig: { lr: { type: string; totalSteps: number } } }>(join(dir, 'resumed.json'));
    expect(j).toMatchObject({ epochs: 1, epochsTrained: 2, steps: 12, trainImages: 90 });
    expect(j.resumedFrom).toContain('first.simdnet');
    expect(j.optimizerConfig.lr).toMatchObject({ type: 'onecycle', totalSteps: 12 });
  });

  it('refuses data flags that differ from the recorded run, and optimizer flags while the file has state', async () => {
    const file = join(dir, 'first.simdnet');
    for (const [args, msg] of [
      [['--batch', '32'], `train: --batch 32: ${file} was trained with --batch 16; a resumed run continues with the recorded data and batches (omit the flag)`],
      [['--seed', '4'], `train: --seed 4: ${file} was trained with --seed 3;`],
      [['--model', 'lenet5'], `train: --model lenet5: ${file} was trained with --model convnet;`],
      [['--lr', '0.1'], `train: --lr: ${file} carries its optimizer's training state, which a resumed run continues as saved;`],
      [['--schedule', 'cosine'], `train: --schedule: ${file} carries its optimizer's training state`],
    ] as const) {
      const r = await runCli(trainMain, ['--resume', file, '--epochs', '1', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err.startsWith(msg), `${r.err} should start with ${msg}`).toBe(true);
      expect(r.err.split('\n').filter(Boolean)).toHaveLength(1);
    }
    const same = await runCli(trainMain, ['--resume', file, '--epochs', '1', '--batch', '16', '--seed', '3', '--threads', '1',
      '--save', join(dir, 'again.simdnet')]);
    expect(same.err).toBe('');
    expect(Buffer.compare(await readFile(join(dir, 'again.simdnet')), Buffer.from(resumed))).toBe(0);
    const noEpochs = await runCli(trainMain, ['--resume', file]);
    expect(noEpochs.code).toBe(2);
    expect(noEpochs.err).toBe('train: --resume needs --epochs N: how many more epochs to train\n');
    const missing = await runCli(trainMain, ['--resume', join(dir, 'nope.simdnet'), '--epochs', '1']);
    expect(missing.code).toBe(2);
    expect(missing.err).toBe(`train: --resume '${join(dir, 'nope.simdnet')}': no such file; expected a model file written by "train --save FILE"\n`);
  });

  it('a file saved with --no-training-state fine-tunes with a fresh optimizer, which the flags may choose', async () => {
    const plain = join(dir, 'plain.simdnet');
    const a = await runCli(trainMain, ['--model', 'lenet5', '--train-count', '60', '--test-count', '10', '--epochs', '1', '--no-training-state', '--save', plain]);
    expect(a.err).toBe('');
    const b = await runCli(trainMain, ['--resume', plain, '--epochs', '1', '--optimizer', 'sgd', '--lr', '0.05', '--json', join(dir, 'ft.json')]);
    expect(b.err).toBe('');
    expect(b.out).toMatch(/^fine-tuning .*plain\.simdnet: it has no training state, so its weights train on with a fresh sgd optimizer$/m);
    const j = await readJson<{ optimizer: string; steps: number; trainImages: number }>(join(dir, 'ft.json'));
    expect(j).toMatchObject({ optimizer: 'sgd', steps: 2, trainImages: 54 });
  });
});

describe('optimizer and schedule flags', () => {
  it('train with nesterov + cosine warm-up, rmsprop + step, adamw + exponential: runs, and the JSON has the settings', async () => {
    for (const [args, want] of [
      [['--optimizer', 'nesterov', '--momentum', '0.8', '--lr', '0.02', '--schedule', 'cosine', '--warmup', '2', '--min-lr', '0.001', '--weight-decay', '0.0005'],
        { type: 'cosine', lr: 0.02, warmup: 2, minLr: 0.001, totalSteps: 7 }],
      [['--optimizer', 'rmsprop', '--rho', '0.95', '--momentum', '0.3', '--epsilon', '1e-6', '--schedule', 'step', '--step-size', '1', '--gamma', '0.5'],
        { type: 'step', lr: 0.001, stepSize: 1, gamma: 0.5 }],
      [['--optimizer', 'adamw', '--weight-decay', '0.02', '--schedule', 'exponential', '--gamma', '0.9', '--anneal', 'linear'], undefined],
    ] as const) {
      const json = join(dir, 'flags.json');
      const r = await runCli(trainMain, ['--model', 'lenet5', '--train-count', '60', '--test-count', '10', '--epochs', '1', '--batch', '8', '--json', json, ...args]);
      if (want === undefined) {
        expect(r.code).toBe(2);
        expect(r.err).toBe('train: --anneal applies to --schedule onecycle; this run uses exponential\n');
        continue;
      }
      expect(r.err).toBe('');
      const j = await readJson<{ optimizerConfig: Record<string, unknown> }>(json);
      expect(j.optimizerConfig.lr).toEqual(want);
    }
  });

  it('bad values and misplaced flags fail with one line naming the flag', async () => {
    for (const [args, msg] of [
      [['--beta1', '1'], "train: option '--beta1 <b>' argument '1' is invalid. --beta1 must be a number in [0, 1) (see train --help)"],
      [['--clip-norm', '0'], "train: option '--clip-norm <c>' argument '0' is invalid. --clip-norm must be a number in (0, ∞) (see train --help)"],
      [['--pct-start', '0x1'], "train: option '--pct-start <p>' argument '0x1' is invalid. --pct-start must be a number in (0, 1); hexadecimal, binary and octal forms are not accepted: write it in decimal (see train --help)"],
      [['--warmup', '-1'], "train: option '--warmup <n>' argument '-1' is invalid. --warmup must be a whole number ≥ 0 (see train --help)"],
      [['--schedule', 'linear'], "train: option '--schedule <name>' argument 'linear' is invalid. Allowed choices are constant, step, exponential, cosine, onecycle. (see train --help)"],
      [['--optimizer', 'sgd', '--momentum', '0.9'], 'train: --momentum applies to --optimizer momentum, nesterov or rmsprop; this run uses sgd'],
      [['--model', 'simple', '--beta2', '0.9'], 'train: --beta2 applies to --optimizer adam or adamw; this run uses sgd'],
      [['--step-size', '10'], 'train: --step-size applies to --schedule step; no --schedule was given'],
      [['--schedule', 'step'], 'train: --schedule step needs --step-size N (optimizer steps between decays)'],
      [['--schedule', 'exponential'], 'train: --schedule exponential needs --gamma G (the factor per step, e.g. 0.9995)'],
      [['--schedule', 'onecycle', '--max-lr', '0.01', '--lr', '0.1'], 'train: --lr does not apply to --schedule onecycle: give its peak as --max-lr (the start is --max-lr / --div-factor)'],
      [['--schedule', 'cosine', '--lr', '0.01', '--min-lr', '0.1'], 'train: --min-lr 0.1 is above the learning rate 0.01'],
      [['--train-count', '60', '--schedule', 'cosine', '--warmup', '5'],
        'train: --schedule cosine: Adam: lr (cosine): warmup 5 must be less than totalSteps 2 (2 batches per epoch × 1 epoch)'],
    ] as const) {
      const r = await runCli(trainMain, ['--epochs', '1', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toBe(msg + '\n');
    }
  });
});
