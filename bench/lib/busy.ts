// A competing process for --busy: a child node process that spins on one core. It is killed
// when the benchmark is done with it, when this process exits, and on SIGINT/SIGTERM/SIGHUP
// (handled between timed chunks: the timing loop yields to the event loop after each);
// and in case this process dies without running any handler (SIGKILL), the child checks every
// ~50 ms whether its parent changed (it was re-parented) and exits then.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

export const BUSY_SOURCE = 'const p=process.ppid;for(;;){const t=Date.now()+50;while(Date.now()<t){}if(process.ppid!==p)process.exit(0)}';

export class BusyLoop {
  private child: ChildProcess | undefined;
  private readonly onExit = () => this.stop();
  private readonly onSignal = (sig: NodeJS.Signals) => {
    this.stop();
    process.exit(128 + (os.constants.signals[sig] ?? 0)); // what the default action's exit status says
  };

  /** Starts the child and resolves once it runs (plus a moment for the scheduler to see it). */
  async start(): Promise<void> {
    const env = { ...process.env };
    delete env.NODE_OPTIONS; // no loaders or flags of this process in the child
    const child = spawn(process.execPath, ['-e', BUSY_SOURCE], { stdio: 'ignore', env });
    this.child = child;
    process.once('exit', this.onExit);
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(s, this.onSignal);
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', (e) => reject(new Error(`--busy: could not start the busy loop: ${e.message}`)));
    });
    await new Promise((r) => setTimeout(r, 300));
    if (child.exitCode !== null) throw new Error(`--busy: the busy loop exited (code ${child.exitCode})`);
  }

  get pid(): number | undefined { return this.child?.pid; }

  /** CPU seconds the child has used (user + system), from /proc; undefined where unreadable. */
  cpuSeconds(): number | undefined {
    if (this.child?.pid === undefined) return undefined;
    try {
      const stat = readFileSync(`/proc/${this.child.pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100 on Linux)
    } catch {
      return undefined;
    }
  }

  /** Kills the child (idempotent) and removes the handlers. */
  stop(): void {
    const c = this.child;
    this.child = undefined;
    process.removeListener('exit', this.onExit);
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.removeListener(s, this.onSignal);
    if (c !== undefined && c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
}
