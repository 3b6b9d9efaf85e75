// Shared plumbing for the command-line scripts (Node only): where output goes, how errors become
// exit codes, flag parsers that name the flag, the value and what is allowed, and atomic writes.
//
// Exit codes: 0 success, 1 the work failed (unreadable file, corrupt data, ...), 2 bad arguments.
// Every error a user can cause prints ONE line on stderr, never a stack trace; set SIMDNET_DEBUG=1
// to get the stack as well.

import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, basename, join, resolve } from 'node:path';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Evaluation } from '../train/trainer.js';

/** A writable text stream: process.stdout/stderr, or a collector in tests. */
export interface OutStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface CliIO {
  stdout: OutStream;
  stderr: OutStream;
}

export const processIO: CliIO = { stdout: process.stdout, stderr: process.stderr };

/** A bad command line: printed as one line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Writes one line (adds the newline). */
export function println(out: OutStream, line = ''): void {
  out.write(line + '\n');
}

/**
 * A commander program that throws instead of exiting and prints nothing by itself (help goes
 * to stdout; errors come back as CommanderError and are printed by `run`).
 */
export function newProgram(name: string, description: string, io: CliIO): Command {
  return new Command(name)
    .description(description)
    .exitOverride()
    .allowExcessArguments(false)
    .configureOutput({
      writeOut: (s) => { io.stdout.write(s); },
      writeErr: () => { /* run() prints errors itself, on one line */ },
      getOutHelpWidth: () => io.stdout.columns ?? 100,
      getErrHelpWidth: () => 100,
    });
}

/**
 * Runs a CLI body and turns what it throws into an exit code and one stderr line.
 * Returns the exit code (the caller sets process.exitCode; tests just read it).
 */
export async function run(name: string, io: CliIO, body: () => Promise<number | void>): Promise<number> {
  try {
    return (await body()) ?? 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return 0;
      // Commander's messages start with "error: " and may add "(Did you mean ...?)" on a new line.
      const msg = e.message.replace(/^error:\s*/, '').replace(/\s*\n\s*/g, ' ');
      println(io.stderr, `${name}: ${msg} (see ${name} --help)`);
      return 2;
    }
    if (e instanceof UsageError) {
      println(io.stderr, `${name}: ${e.message}`);
      return 2;
    }
    const err = e as Error & { code?: string };
    const msg = (err?.message ?? String(e)).replace(/\s*\n\s*/g, ' ');
    println(io.stderr, `${name}: error: ${msg}`);
    if (process.env.SIMDNET_DEBUG) println(io.stderr, String(err?.stack ?? ''));
    return 1;
  }
}

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
  main(process.argv.slice(2), processIO).then(
    (code) => { process.exitCode = code; },
    (e: unknown) => { console.error(e); process.exitCode = 1; },
  );
}

// ---- flag value parsers (commander argParsers: throw InvalidArgumentError) -------------------

export function positiveInt(what: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^\s*\d+\s*$/.test(v) || !Number.isSafeInteger(n) || n < 1) {
      throw new InvalidArgumentError(`${what} must be a positive integer (1, 2, 3, ...)`);
    }
    return n;
  };
}

export function nonNegativeInt(what: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^\s*\d+\s*$/.test(v) || !Number.isSafeInteger(n)) {
      throw new InvalidArgumentError(`${what} must be a whole number ≥ 0`);
    }
    return n;
  };
}

/** A finite number strictly between lo and hi (open interval) or, with closedLo, lo ≤ x < hi. */
export function numberIn(what: string, lo: number, hi: number, opts: { closedLo?: boolean } = {}): (v: string) => number {
  return (v) => {
    const n = Number(v);
    const okLo = opts.closedLo ? n >= lo : n > lo;
    if (v.trim() === '' || !Number.isFinite(n) || !okLo || !(n < hi)) {
      const range = `${opts.closedLo ? '[' : '('}${lo}, ${hi === Infinity ? '∞' : hi})`;
      throw new InvalidArgumentError(`${what} must be a number in ${range}`);
    }
    return n;
  };
}

/** A 32-bit unsigned seed. */
export function seedValue(v: string): number {
  const n = Number(v);
  if (!/^\s*\d+\s*$/.test(v) || !Number.isSafeInteger(n) || n > 0xffffffff) {
    throw new InvalidArgumentError('the seed must be a whole number in [0, 4294967295]');
  }
  return n;
}

// ---- files -----------------------------------------------------------------------------------

/** Writes to a temporary file next to `path`, then renames it over `path` (atomic on one filesystem). */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, jsonReplacer, 2) + '\n');
}

/** JSON has no NaN/Infinity: write them as null; typed arrays as plain arrays. */
function jsonReplacer(_key: string, v: unknown): unknown {
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
  return v;
}

// ---- formatting ------------------------------------------------------------------------------

export function pct(fraction: number, digits = 2): string {
  return Number.isFinite(fraction) ? `${(100 * fraction).toFixed(digits)}%` : String(fraction);
}

export function fmtSeconds(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '?';
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s - 60 * m)).padStart(2, '0')}s`;
}

/** A right-aligned text table (first column left-aligned). */
export function table(head: string[], rows: string[][]): string {
  const w = head.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(w[c]!) : cell.padStart(w[c]!))).join('  ');
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

/** The confusion matrix as rows (true class) of counts per predicted class. */
export function confusionRows(ev: Evaluation): number[][] {
  const N = ev.numClasses;
  return Array.from({ length: N }, (_, t) => Array.from(ev.confusion.subarray(t * N, (t + 1) * N)));
}
