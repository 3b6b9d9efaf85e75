// Running a CLI module as the script node was started with (Node only).

import { realpathSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CliIO, processIO } from './common.js';
import { installInterruptHandlers } from './interrupts.js';

/** True when the module at `metaUrl` is the script node was started with. */
export function isMainModule(metaUrl: string): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(resolve(entry)) === realpathSync(fileURLToPath(metaUrl));
  } catch {
    return false;
  }
}

/** Runs `main(process.argv.slice(2))` and sets the exit code (lets pending output flush). */
export function runAsScript(main: (argv: string[], io: CliIO) => Promise<number>): void {
  installInterruptHandlers(basename(process.argv[1] ?? 'simdnet').replace(/\.[cm]?[jt]s$/, ''), processIO);
  main(process.argv.slice(2), processIO).then(
    (code) => { process.exitCode = code; },
    (e: unknown) => { console.error(e); process.exitCode = 1; },
  );
}
