// Output paths are checked before any work: a --save, --report or --json that cannot be written
// fails at once with exit 2 and one line naming the flag, the path and what is wrong, instead of
// a raw Node error after the whole run (issue 7, item 3).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { main as trainMain } from '../../src/cli/train.js';
import { main as evaluateMain } from '../../src/cli/evaluate.js';
import { main as predictMain } from '../../src/cli/predict.js';
import { checkOutputPaths } from '../../src/cli/output-paths.js';
import { runCli, scratchDir } from './util.js';

let dir = '';
let cleanup: () => Promise<void> = async () => {};
let aFile = '';
let aDir = '';
beforeAll(async () => {
  ({ dir, cleanup } = await scratchDir('outputs'));
  aFile = join(dir, 'r.json');
  await writeFile(aFile, '{}\n');
  aDir = join(dir, 'somedir');
  await mkdir(aDir);
});
afterAll(() => cleanup());

type Main = (argv: string[], io: Parameters<typeof trainMain>[1]) => Promise<number>;

function expectUsageLine(r: { code: number; out: string; err: string }, ...parts: string[]): void {
  expect(r.code, r.err).toBe(2);
  expect(r.err.trim().split('\n'), r.err).toHaveLength(1);
  for (const p of parts) expect(r.err).toContain(p);
  expect(r.err).not.toMatch(/\n\s+at |EEXIST|EISDIR|ENOTDIR/); // no stack trace, no raw Node error
}

describe('train: a bad output path exits 2 before any data is loaded or training starts', () => {
  const cases: [string, () => string[], string, string][] = [
    ['--save under a file', () => ['--save', join(aFile, 'm.simdnet')], '--save', 'is a file, not a directory'],
    ['--save naming a directory', () => ['--save', aDir], '--save', 'is a directory'],
    ['--json naming a directory', () => ['--json', aDir], '--json', 'is a directory'],
    ['--json two levels under a file', () => ['--json', join(aFile, 'x', 'run.json')], '--json', 'is a file, not a directory'],
    ['--report naming a file', () => ['--report', aFile], '--report', 'is a file, not a directory'],
    ['--report under a file', () => ['--report', join(aFile, 'rep')], '--report', 'is a file, not a directory'],
    ['--save and --json the same file', () => ['--save', join(dir, 'same'), '--json', join(dir, 'same')], '--json', '--save writes to the same path'],
    ['an empty --save', () => ['--save', ''], '--save', 'empty'],
  ];
  for (const [name, argv, flag, what] of cases) {
    it(name, async () => {
      const t0 = performance.now();
      // The full default run (45 epochs of 7,196 images) would take about a minute: a quick
      // failure shows the check came first.
      const r = await runCli(trainMain, argv());
      expect(performance.now() - t0).toBeLessThan(2000);
      expectUsageLine(r, flag, what);
      const path = argv()[argv().indexOf(flag) + 1]!;
      if (path !== '') expect(r.err).toContain(`'${path}'`);
      expect(r.out).toBe(''); // not even the "training ..." line
    });
  }

  it('a nested output folder that does not exist yet is fine (it is created when written)', async () => {
    await expect(checkOutputPaths([
      { flag: '--json', path: join(dir, 'new', 'deeper', 'run.json'), kind: 'file' },
      { flag: '--report', path: join(dir, 'new', 'report'), kind: 'dir' },
      { flag: '--save', path: aFile, kind: 'file' }, // an existing file is replaced
      { flag: '--report', path: aDir, kind: 'dir' }, // an existing folder is written into
    ])).resolves.toBeUndefined();
    expect(existsSync(join(dir, 'new'))).toBe(false); // checking creates nothing
  });

  // Root may write anywhere, so the permission case can only be seen as another user.
  it.skipIf(process.getuid?.() === 0)('an unwritable parent directory', async () => {
    const locked = join(dir, 'locked');
    await mkdir(locked);
    await chmod(locked, 0o555);
    try {
      const r = await runCli(trainMain, ['--save', join(locked, 'm.simdnet')]);
      expectUsageLine(r, '--save', 'not writable');
      expect(r.out).toBe('');
    } finally {
      await chmod(locked, 0o755);
    }
  });
});

describe('evaluate and predict check --json before loading the model', () => {
  // The model file does not exist: if --json were checked later, the error would be about --model.
  for (const [name, main, extra] of [['evaluate', evaluateMain, []], ['predict', predictMain, ['idx:0']]] as [string, Main, string[]][]) {
    it(`${name} --json DIR`, async () => {
      const r = await runCli(main, ['--model', join(dir, 'no-such.simdnet'), '--json', aDir, ...extra]);
      expectUsageLine(r, '--json', `'${aDir}'`, 'is a directory');
    });
    it(`${name} --json under a file`, async () => {
      const r = await runCli(main, ['--model', join(dir, 'no-such.simdnet'), '--json', join(aFile, 'p.json'), ...extra]);
      expectUsageLine(r, '--json', 'is a file, not a directory');
    });
  }
});
