// Interrupts (issue 7, item 4): Ctrl-C on a terminal (a pseudo-terminal from util-linux `script`)
// and SIGTERM, while the progress bar has the cursor hidden and line wrap off: the terminal is
// restored (ESC[?25h ESC[?7h after the last ESC[?25l), one line says so, and the exit code is 130.

import { describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';


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
