// Interrupts and temporary files (issue 7, items 4 and 5, and "Interrupts"):
//   - Ctrl-C on a terminal (a pseudo-terminal from util-linux `script`) and SIGTERM, while the
//     progress bar has the cursor hidden and line wrap off: the terminal is restored (ESC[?25h
//     ESC[?7h after the last ESC[?25l), training stops after the running batch, one line says
//     where, and the exit code is 130; with --save the model so far goes to NAME.interrupted.simdnet
//     (loadable, and it predicts), never to FILE: an absent FILE stays absent, an existing one
//     byte-identical;
//   - the same signal twice in quick succession (as `npm run` delivers one Ctrl-C) is one interrupt;
//     a second one while the checkpoint is being saved exits at once, deleting the temporary file;
//   - a signal during a save deletes the save's temporary file;
//   - the next save to a target deletes the temporary files of that target left by processes
//     that no longer exist, and nothing else.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { interruptedPath, main as trainMain } from '../../src/cli/train.js';
import { REPEAT_MS } from '../../src/cli/interrupts.js';
import { tempFilePattern, writeFileAtomic } from '../../src/cli/atomic-write.js';
import { loadModel } from '../../src/io/model-node.js';
import { loadData } from '../../src/data/load-node.js';
import { runCli, scratchDir } from './util.js';

let dir = '';
let cleanup: () => Promise<void> = async () => {};
beforeAll(async () => ({ dir, cleanup } = await scratchDir('interrupt')));
afterAll(() => cleanup());

const HIDE = '\x1b[?25l';
const SHOW = '\x1b[?25h';
const WRAP_OFF = '\x1b[?7l';
const WRAP_ON = '\x1b[?7h';

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

/** Output and exit of a child, collected until it exits (or `ms` pass, then it is killed). */
function collect(child: ChildProcess, ms: number, onOutput: (all: string) => void): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    let out = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    const take = (d: Buffer) => { out += d.toString('utf8'); onOutput(out); };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code, out }); });
  });
}

/** The pid of the only child of `pid` (script's child, which exec'd node). */
function childPid(pid: number): number {
  const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  expect(kids).toHaveLength(1);
  return Number(kids[0]);
}

/** Text with the terminal escape sequences (CSI ..., ESC 7, ESC 8) and carriage returns taken out. */
function plain(text: string): string {
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[78]|\r/g, '');
}

/** Loads a model file with the library and checks it classifies test digits well above chance. */
async function expectPredicts(file: string): Promise<void> {
  const m = await loadModel(file);
  const { test } = await loadData('mnist', { trainCount: 1, testCount: 200 });
  const p = m.predict(test.images);
  expect(p.classes).toHaveLength(200);
  for (let i = 0; i < 200; i++) {
    let sum = 0;
    for (let c = 0; c < 10; c++) sum += p.probabilities[i * 10 + c]!;
    expect(sum).toBeCloseTo(1, 4);
  }
  let correct = 0;
  for (let i = 0; i < 200; i++) if (p.classes[i] === test.labels[i]) correct++;
  // Interrupted in epoch 2 or later of 450 images: ~60-75% (an untrained LeNet-5: ~10%).
  expect(correct / 200).toBeGreaterThan(0.3);
}

const TRAIN = ['--train-count', '500', '--test-count', '10', '--epochs', '1000'];
const STEPS = 15; // 450 training images (50 held out for validation) in batches of 32

describe.skipIf(!hasScript)('train on a terminal: an interrupt restores the terminal, stops after the batch, saves a checkpoint, exits 130', () => {
  // Short epochs (450 images), far more of them than the test will wait for.
  const cmd = (extra: string[]) => `exec ${[process.execPath, '--import', 'tsx', 'src/cli/train.ts', ...TRAIN, ...extra].map((a) => JSON.stringify(a)).join(' ')}`;

  const cases = [
    { how: 'Ctrl-C', save: 'absent' },
    { how: 'SIGTERM', save: 'existing' },
    { how: 'Ctrl-C', save: 'none' },
  ] as const;
  for (const { how, save } of cases) {
    it(`${how}, --save ${save === 'none' ? 'not given' : `to an ${save} FILE`}`, async () => {
      const sub = join(dir, `tty-${how}-${save}`);
      await mkdir(sub);
      const file = join(sub, 'm.simdnet');
      const checkpoint = join(sub, 'm.interrupted.simdnet');
      const old = Buffer.from('an older model, which an interrupted run must not touch\n');
      if (save === 'existing') writeFileSync(file, old);
      // script -q (quiet) -f (flush) -e (its exit code is the command's) -c CMD: CMD on a new pty.
      const child = spawn('script', ['-qfec', cmd(save === 'none' ? [] : ['--save', file]), '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let sent = false;
      const r = await collect(child, 60_000, (out) => {
        // Once the bar of epoch 2 is up (cursor hidden, wrap off), interrupt: epoch 1 is trained.
        if (!sent && out.split(HIDE).length > 2 && out.lastIndexOf(WRAP_OFF) > out.lastIndexOf(HIDE)) {
          sent = true;
          if (how === 'Ctrl-C') child.stdin!.write('\x03'); // the pty turns ^C into SIGINT for train
          else process.kill(childPid(child.pid!), 'SIGTERM');
        }
      });
      child.stdin!.end();
      const signal = how === 'Ctrl-C' ? 'SIGINT' : 'SIGTERM';
      expect(sent, r.out).toBe(true);
      expect(r.code, r.out).toBe(130);
      // After the last hide: the cursor and line wrap come back, then the one closing line.
      const tail = r.out.slice(r.out.lastIndexOf(HIDE));
      expect(tail).toContain(SHOW);
      expect(tail).toContain(WRAP_ON);
      expect(tail.lastIndexOf(SHOW)).toBeLessThan(tail.indexOf('train: interrupted by'));
      expect(tail.lastIndexOf(WRAP_ON)).toBeLessThan(tail.indexOf('train: interrupted by'));
      const lines = plain(tail.slice(Math.max(tail.lastIndexOf(SHOW), tail.lastIndexOf(WRAP_ON)))).trim().split('\n');
      expect(lines, r.out).toHaveLength(1);
      expect(plain(r.out).match(/interrupted by/g), r.out).toHaveLength(1);
      const m = new RegExp(`^train: interrupted by ${signal} after epoch (\\d+), batch (\\d+) of ${STEPS}; (.*)$`).exec(lines[0]!);
      expect(m, lines[0]).not.toBeNull();
      expect(Number(m![1])).toBeGreaterThanOrEqual(2);
      expect(Number(m![2])).toBeGreaterThanOrEqual(1);
      expect(Number(m![2])).toBeLessThanOrEqual(STEPS);
      expect(r.out).not.toMatch(/\n\s+at /);
      expect(r.out).not.toContain('test accuracy'); // no evaluation after an interrupt
      if (save === 'none') {
        expect(m![3]).toBe('nothing saved (no --save)');
        expect(existsSync(checkpoint)).toBe(false);
      } else {
        expect(m![3]).toBe(`saved the model as trained so far to ${checkpoint} (${file} not written)`);
        if (save === 'absent') expect(existsSync(file)).toBe(false);
        else expect(readFileSync(file).equals(old)).toBe(true);
        await expectPredicts(checkpoint);
      }
      // Nothing else left behind: no temporary files.
      expect((await readdir(sub)).sort()).toEqual([...(save === 'existing' ? ['m.simdnet'] : []), ...(save === 'none' ? [] : ['m.interrupted.simdnet'])].sort());
    });
  }
});

describe('train interrupted off a terminal', () => {
  it('interruptedPath: next to FILE, never FILE', () => {
    expect(interruptedPath('m.simdnet')).toBe('m.interrupted.simdnet');
    expect(interruptedPath('/a/b/run.7.bin')).toBe('/a/b/run.7.interrupted.bin');
    expect(interruptedPath('out/model')).toBe('out/model.interrupted.simdnet');
    expect(interruptedPath('m.interrupted.simdnet')).toBe('m.interrupted.interrupted.simdnet');
  });

  it('one signal delivered twice in quick succession (as under npm run) is one interrupt: the checkpoint is saved', async () => {
    const sub = join(dir, 'twice');
    await mkdir(sub);
    const file = join(sub, 'm.simdnet');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/train.ts', ...TRAIN, '--save', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let sent = false;
    const r = await collect(child, 60_000, (out) => {
      if (!sent && out.includes('epoch 1/1000:')) {
        sent = true;
        child.kill('SIGINT');
        // The relayed copy under npm run comes within microseconds. 20 ms was long enough for a
        // fast run (Node 22/24, relaxed kernels) to finish its batch, save and start exiting, and a
        // signal during Node's teardown kills with the default action (exit code null): seen once.
        setTimeout(() => child.kill('SIGINT'), 2);
      }
    });
    expect(r.code, r.out).toBe(130);
    expect(r.out.match(/interrupted by/g), r.out).toHaveLength(1);
    expect(r.out).toContain(`; saved the model as trained so far to ${interruptedPath(file)} (${file} not written)`);
    expect(existsSync(file)).toBe(false);
    await expectPredicts(interruptedPath(file));
  });

  it('a second signal while the checkpoint is being saved exits at once: no checkpoint, no temporary file', async () => {
    const sub = join(dir, 'again');
    await mkdir(sub);
    const file = join(sub, 'm.simdnet');
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/cli/fixtures/stalled-train.ts', ...TRAIN, '--save', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let first = 0;
    let tmp = '';
    const r = await collect(child, 60_000, (out) => {
      if (first === 0 && out.includes('epoch 1/1000:')) {
        first = performance.now();
        child.kill('SIGINT');
      }
      const m = /^writing (.+)$/m.exec(out);
      if (m && tmp === '') {
        tmp = m[1]!;
        expect(existsSync(tmp)).toBe(true);
        // Later than the repeat window: a second Ctrl-C, not the first one relayed.
        setTimeout(() => child.kill('SIGINT'), Math.max(0, first + REPEAT_MS + 100 - performance.now()));
      }
    });
    expect(tmp, r.out).not.toBe('');
    expect(tempFilePattern(interruptedPath(file)).test(tmp.split('/').pop()!)).toBe(true);
    expect(r.code, r.out).toBe(130);
    expect(r.out).toContain(`train: interrupted by SIGINT again while saving the checkpoint to ${interruptedPath(file)}; not saved`);
    expect(r.out.match(/interrupted by/g), r.out).toHaveLength(1);
    expect(await readdir(sub)).toEqual([]);
  });
});

describe('temporary files of saves', () => {
  it('a signal during a save deletes its temporary file, and the command exits 130', async () => {
    const target = join(dir, 'stalled.simdnet');
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/cli/fixtures/stalled-save.ts', target], { stdio: ['ignore', 'pipe', 'pipe'] });
    let tmp = '';
    const r = await collect(child, 60_000, (out) => {
      const m = /^writing (.+)$/m.exec(out);
      if (m && tmp === '') {
        tmp = m[1]!;
        expect(existsSync(tmp)).toBe(true); // the partial file is there while the write is stuck
        child.kill('SIGTERM');
      }
    });
    expect(tmp, r.out).not.toBe('');
    expect(tempFilePattern(target).test(join(tmp).split('/').pop()!)).toBe(true);
    expect(r.code, r.out).toBe(130);
    expect(r.out).toContain('interrupted by SIGTERM');
    expect(existsSync(tmp)).toBe(false);
    expect(existsSync(target)).toBe(false);
  });

  it('the next save to a target deletes that target\'s temporaries of dead processes only', async () => {
    const sub = join(dir, 'stale');
    await mkdir(sub);
    // A process that has exited: its pid is (for the next moments) free.
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const live = process.ppid; // the test runner: certainly alive
    const files = {
      deadSame: `.m.simdnet.${dead}.k3j4h5g6.tmp`,
      liveSame: `.m.simdnet.${live}.a1b2c3d4.tmp`,
      ownSame: `.m.simdnet.${process.pid}.zz99yy88.tmp`,
      deadOther: `.other.simdnet.${dead}.k3j4h5g6.tmp`,
      notOurs: `.m.simdnet.${dead}.backup`,
    };
    for (const f of Object.values(files)) await writeFile(join(sub, f), 'partial');
    await writeFileAtomic(join(sub, 'm.simdnet'), 'new model');
    const left = (await readdir(sub)).sort();
    expect(left).toEqual([files.liveSame, files.ownSame, files.deadOther, files.notOurs, 'm.simdnet'].sort());
    expect(readFileSync(join(sub, 'm.simdnet'), 'utf8')).toBe('new model');
  });

  it('train --save and --report clear stale temporaries of their targets', async () => {
    const sub = join(dir, 'train');
    await mkdir(join(sub, 'report'), { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const stale = [join(sub, `.m.simdnet.${dead}.q1w2e3r4.tmp`), join(sub, 'report', `.index.html.tmp-${dead}-q1w2e3r4`)];
    const keep = join(sub, 'report', `.index.html.tmp-${process.ppid}-q1w2e3r4`);
    for (const f of [...stale, keep]) await writeFile(f, 'partial');
    const r = await runCli(trainMain, ['--train-count', '60', '--test-count', '20', '--epochs', '1',
      '--save', join(sub, 'm.simdnet'), '--report', join(sub, 'report')]);
    expect(r.code, r.err).toBe(0);
    for (const f of stale) expect(existsSync(f), f).toBe(false);
    expect(existsSync(keep)).toBe(true);
    expect(existsSync(join(sub, 'm.simdnet'))).toBe(true);
  });
});
