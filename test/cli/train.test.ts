// The train script, run in-process through its main(argv, io) on tiny subsets of the embedded
// MNIST digits: the JSON it writes, the report folder, the plain log lines, determinism, the
// class subset of tanh-binary, the validation split, and one-line exit-2 errors for bad flags.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { main as trainMain } from '../../src/cli/train.js';
import { decodePng } from '../../src/image/png.js';
import { readJson, runCli, scratchDir } from './util.js';

interface RunJson {
  model: string; build: string; epochs: number; trainImages: number; validationImages: number; testImages: number;
  testAccuracy: number; testLoss: number; imagesPerSecond: number; seed: number; optimizer: string; lr: number;
  batchSize: number; data: string; params: number;
  history: { epoch: number[]; loss: number[]; accuracy: number[]; valLoss: number[]; valAccuracy: number[] };
  confusion: number[][]; precision: number[]; recall: number[];
  preprocessing: { classes?: number[]; data?: string };
}

let dir = '';
let cleanup: () => Promise<void> = async () => {};
beforeAll(async () => ({ dir, cleanup } = await scratchDir('train')));
afterAll(() => cleanup());

describe('train: lenet5 on 200 embedded digits, 1 epoch', () => {
  let run: { code: number; out: string; err: string };
  let json: RunJson;
  beforeAll(async () => {
    run = await runCli(trainMain, ['--train-count', '200', '--test-count', '100', '--epochs', '1', '--seed', '7',
      '--json', join(dir, 'run.json'), '--report', join(dir, 'report')]);
    json = await readJson<RunJson>(join(dir, 'run.json'));
  });

  it('exits 0 and prints the test accuracy', () => {
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^test accuracy \d+\.\d\d% \(\d+\/100\)/m);
  });

  it('writes the run figures as JSON, consistent with each other', () => {
    expect(json).toMatchObject({
      // The default --validation-split 0.1 holds out 2 of the 20 images of each class.
      model: 'lenet5', build: 'simd', epochs: 1, trainImages: 180, validationImages: 20, testImages: 100,
      seed: 7, optimizer: 'adam', lr: 0.001, batchSize: 32, data: 'mnist', params: 61706,
    });
    expect(json.history.epoch).toEqual([1]);
    expect(json.history.loss).toHaveLength(1);
    expect(json.history.valLoss).toHaveLength(1);
    expect(json.history.valAccuracy).toHaveLength(1);
    expect(json.history.loss[0]).toBeGreaterThan(0);
    expect(json.imagesPerSecond).toBeGreaterThan(0);
    expect(json.testLoss).toBeGreaterThan(0);
    expect(Number.isFinite(json.testLoss)).toBe(true);
    // The accuracy is a fraction, and it is exactly the confusion matrix's trace over its total.
    const N = json.confusion.length;
    expect(N).toBe(10);
    let trace = 0;
    let total = 0;
    for (let t = 0; t < N; t++) for (let p = 0; p < N; p++) { total += json.confusion[t]![p]!; if (t === p) trace += json.confusion[t]![p]!; }
    expect(total).toBe(100);
    expect(json.testAccuracy).toBe(trace / 100);
  });

  it('prints plain log lines (not a TTY): about every 10% of the epoch, then one epoch line', () => {
    const progress = run.out.split('\n').filter((l) => /^epoch 1\/1 +\d+% /.test(l));
    const epochLines = run.out.split('\n').filter((l) => /^epoch 1\/1: loss /.test(l));
    // 180 images (20 held out) in batches of 32: a line each time the count passes another
    // multiple of 18 (10%): after 32, 64, 96, 128 and 160 images, and none at 100% (180).
    expect(progress.map((l) => /(\d+)\/180:/.exec(l)?.[1])).toEqual(['32', '64', '96', '128', '160']);
    expect(epochLines).toHaveLength(1);
    // The default validation split shows its metrics on the epoch line.
    expect(epochLines[0]).toMatch(/, val_loss \d+\.\d{4} val_acc \d+\.\d\d%/);
    expect(run.out).toMatch(/^training lenet5 .*: 180 train \/ 20 validation \/ 100 test images;/m);
    expect(run.out).not.toMatch(/\x1b\[/); // no terminal control sequences
  });

  it('writes the report: index.html and every file it links to', async () => {
    const files = await readdir(join(dir, 'report'));
    for (const f of ['index.html', 'loss.svg', 'accuracy.svg', 'confusion.svg', 'misclassified.png', 'filters.png', 'feature-maps.png', 'metrics.json']) {
      expect(files).toContain(f);
    }
    const html = await readFile(join(dir, 'report', 'index.html'), 'utf8');
    for (const m of html.matchAll(/(?:src|href)="([^"#:]+)"/g)) expect(existsSync(join(dir, 'report', m[1]!))).toBe(true);
    expect(html).toContain('conv2d_1 + relu, test image 0');
  });

  it('the report shows exactly the test errors and the same confusion matrix as the JSON', async () => {
    const wrong = 100 - Math.round(json.testAccuracy * 100);
    expect(wrong).toBeGreaterThan(0); // 200 images and one epoch leave errors to show
    const html = await readFile(join(dir, 'report', 'index.html'), 'utf8');
    expect(html).toContain(`${wrong} misclassified image`);
    const metrics = await readJson<{ confusion: number[][] }>(join(dir, 'report', 'metrics.json'));
    expect(metrics.confusion).toEqual(json.confusion);
    const png = decodePng(new Uint8Array(await readFile(join(dir, 'report', 'misclassified.png'))));
    expect(png.width).toBeGreaterThan(0);
  });

  it('is deterministic: the same seed gives the same losses and accuracy', async () => {
    const again = await runCli(trainMain, ['--train-count', '200', '--test-count', '100', '--epochs', '1', '--seed', '7',
      '--json', join(dir, 'run2.json')]);
    expect(again.code).toBe(0);
    const j2 = await readJson<RunJson>(join(dir, 'run2.json'));
    // Same seed, data, build and batch order: every kernel call is the same, so results are bit-identical.
    expect(j2.history.loss).toEqual(json.history.loss);
    expect(j2.testLoss).toBe(json.testLoss);
    expect(j2.testAccuracy).toBe(json.testAccuracy);
  });
});

describe('train: other models and options', () => {
  it('tanh-binary trains on digits 0 and 1 only, counted after the subset', async () => {
    const path = join(dir, 'tanh.json');
    const r = await runCli(trainMain, ['--model', 'tanh-binary', '--train-count', '100', '--test-count', '40', '--epochs', '1', '--json', path]);
    expect(r.code).toBe(0);
    const j = await readJson<RunJson>(path);
    // 100 zeros and ones, of which the default split holds out 10.
    expect(j).toMatchObject({ model: 'tanh-binary', trainImages: 90, validationImages: 10, testImages: 40, batchSize: 1, optimizer: 'sgd', lr: 0.01 });
    expect(j.preprocessing.classes).toEqual([0, 1]);
    expect(j.confusion).toHaveLength(2);
    // 0 vs 1 is easy: 100 per-sample SGD steps already separate them well (measured: ≥ 95%;
    // 0.8 leaves room for other seeds and builds while still failing a broken pipeline, ~0.5).
    expect(j.testAccuracy).toBeGreaterThan(0.8);
  });

  it('--validation-split holds out a stratified fraction and reports validation curves', async () => {
    const path = join(dir, 'val.json');
    const r = await runCli(trainMain, ['--train-count', '200', '--test-count', '50', '--epochs', '2', '--validation-split', '0.25', '--json', path]);
    expect(r.code).toBe(0);
    const j = await readJson<RunJson>(path);
    // The first 200 embedded digits hold 20 of each class: round(0.25·20) = 5 per class go to validation.
    expect(j.trainImages).toBe(150);
    expect(j.validationImages).toBe(50);
    expect(j.history.valLoss).toHaveLength(2);
    expect(j.history.valAccuracy).toHaveLength(2);
    expect(r.out).toMatch(/^epoch 2\/2: .* val_loss \d/m);
  });

  it('the report counts every misclassified test image, not only the 100 it draws', async () => {
    const path = join(dir, 'many-wrong.json');
    // 20 training images and one epoch: most of 400 test digits come out wrong.
    const r = await runCli(trainMain, ['--train-count', '20', '--test-count', '400', '--epochs', '1', '--json', path, '--report', join(dir, 'many-wrong')]);
    expect(r.code, r.err).toBe(0);
    const j = await readJson<RunJson>(path);
    const wrong = 400 - Math.round(j.testAccuracy * 400);
    expect(wrong).toBeGreaterThan(100);
    const html = await readFile(join(dir, 'many-wrong', 'index.html'), 'utf8');
    expect(html).toContain(`Showing the first 100 of ${wrong} misclassified images.`);
  });

  it('--build naive, --optimizer, --lr and --batch override the recipe', async () => {
    const path = join(dir, 'naive.json');
    const r = await runCli(trainMain, ['--build', 'naive', '--train-count', '64', '--test-count', '16', '--epochs', '1',
      '--optimizer', 'momentum', '--lr', '0.005', '--batch', '16', '--validation-split', '0', '--json', path]);
    expect(r.code).toBe(0);
    const j = await readJson<RunJson>(path);
    expect(j).toMatchObject({ build: 'naive', optimizer: 'momentum', lr: 0.005, batchSize: 16, trainImages: 64, validationImages: 0 });
    expect(j.history.valLoss).toEqual([]); // --validation-split 0: no validation at all
    expect(r.out).not.toContain('val_loss');
  });

  it('the default validation split is skipped, with a note, when the data is too small for it', async () => {
    // 10% of 3 images rounds to none.
    const path = join(dir, 'tiny.json');
    const r = await runCli(trainMain, ['--train-count', '3', '--test-count', '5', '--epochs', '1', '--json', path]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^note: 3 training images are too few for the default validation split of 0\.1; training without one$/m);
    expect(await readJson<RunJson>(path)).toMatchObject({ trainImages: 3, validationImages: 0 });
  });
});

describe('train: bad arguments exit 2 with one line naming the flag', () => {
  const cases: [string[], string][] = [
    [['--epochs', '0'], '--epochs'],
    [['--epochs', 'many'], '--epochs'],
    [['--batch', '2.5'], '--batch'],
    [['--model', 'resnet'], '--model'],
    [['--optimizer', 'adagrad'], '--optimizer'],
    [['--lr', '-0.1'], '--lr'],
    [['--lr', 'fast'], '--lr'],
    [['--validation-split', '1'], '--validation-split'],
    // A fraction that would leave no validation image of 20 (found by splitValidation, after loading).
    [['--train-count', '20', '--validation-split', '0.01'], '--validation-split'],
    [['--build', 'gpu'], '--build'],
    [['--seed', '1.5'], '--seed'],
    [['--train-count', '0'], '--train-count'],
    [['--frobnicate'], '--frobnicate'],
    [['--model', 'cifar'], '--data'],
    [['--model', 'cifar', '--data', 'mnist'], '--data'],
    [['--data', 'imagenet'], '--data'],
    [['--data', 'idx:/no/such/directory'], '--data'],
  ];
  for (const [argv, flag] of cases) {
    it(`${argv.join(' ')} → exit 2 naming ${flag}`, async () => {
      const r = await runCli(trainMain, argv);
      expect(r.code).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toContain(flag);
      expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
      expect(r.out).toBe(''); // nothing was trained
      if (argv.length > 1 && !argv[1]!.startsWith('-') && flag === argv[0]) expect(r.err).toContain(argv[1]!);
    });
  }

  it('--help prints usage listing every flag and exits 0', async () => {
    const r = await runCli(trainMain, ['--help']);
    expect(r.code).toBe(0);
    for (const f of ['--model', '--data', '--epochs', '--batch', '--optimizer', '--lr', '--seed', '--build', '--train-count',
      '--test-count', '--validation-split', '--threads', '--save', '--report', '--json']) expect(r.out).toContain(f);
    expect(r.out).toMatch(/--validation-split <f>[^]*?\(default: 0\.1\)/);
  });
});

describe('as scripts (child processes, as npm run starts them)', () => {
  // One cheap run each: checks that the files run main() when started directly and pass its exit
  // code to the shell (the in-process tests above cannot see that).
  const script = (file: string, args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', file, ...args], { encoding: 'utf8', timeout: 60_000 });

  it('train with a bad flag exits 2 with one line on stderr', () => {
    const r = script('src/cli/train.ts', ['--epochs', '0']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain("--epochs");
  });

  it('evaluate and predict print their usage with --help and exit 0', () => {
    for (const [file, flag] of [['src/cli/evaluate.ts', '--test-count'], ['src/cli/predict.ts', '--top']] as const) {
      const r = script(file, ['--help']);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(flag);
    }
  });
});
