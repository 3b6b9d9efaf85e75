// Interrupts and temporary files (issue 7, items 4 and 5):
//   - Ctrl-C on a terminal (a pseudo-terminal from util-linux `script`) and SIGTERM, while the
//     progress bar has the cursor hidden and line wrap off: the terminal is restored (ESC[?25h
//     ESC[?7h after the last ESC[?25l), one line says so, and the exit code is 130;
//   - a signal during a save deletes the save's temporary file;
//   - the next save to a target deletes the temporary files of that target left by processes
//     that no longer exist, and nothing else.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { main as trainMain } from '../../src/cli/train.js';
import { tempFilePattern, writeFileAtomic } from '../../src/cli/common.js';
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

describe.skipIf(!hasScript)('train on a terminal: an interrupt restores the cursor and line wrap, then exits 130', () => {
  // Short epochs (450 images) so the interrupt, which train sees at the end of the running epoch,
  // is handled within a fraction of a second; far more epochs than the test will wait for.
  const cmd = `exec ${JSON.stringify(process.execPath)} --import tsx src/cli/train.ts --train-count 500 --test-count 10 --epochs 1000`;

  for (const how of ['Ctrl-C', 'SIGTERM'] as const) {
    it(how, async () => {
      // script -q (quiet) -f (flush) -e (its exit code is the command's) -c CMD: CMD on a new pty.
      const child = spawn('script', ['-qfec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let sent = false;
      const r = await collect(child, 60_000, (out) => {
        // Once a bar is up (cursor hidden, wrap off), interrupt.
        if (!sent && out.includes(HIDE) && out.includes(WRAP_OFF)) {
          sent = true;
          if (how === 'Ctrl-C') child.stdin!.write('\x03'); // the pty turns ^C into SIGINT for train
          else process.kill(childPid(child.pid!), 'SIGTERM');
        }
      });
      child.stdin!.end();
      expect(sent, r.out).toBe(true);
      expect(r.code, r.out).toBe(130);
      const afterLastHide = r.out.slice(r.out.lastIndexOf(HIDE));
      expect(afterLastHide).toContain(SHOW);
      expect(afterLastHide).toContain(WRAP_ON);
      // The restore comes before the one closing line, and the line names the signal.
      const tail = r.out.slice(r.out.lastIndexOf(HIDE));
      expect(tail.lastIndexOf(SHOW)).toBeLessThan(tail.indexOf('train: interrupted by'));
      expect(r.out).toContain(`train: interrupted by ${how === 'Ctrl-C' ? 'SIGINT' : 'SIGTERM'}`);
      expect(r.out).not.toMatch(/\n\s+at /);
    });
  }
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
