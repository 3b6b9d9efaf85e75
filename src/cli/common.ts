// Shared plumbing for the command-line scripts (Node only): where output goes, how errors become
// exit codes, and the formatting of numbers and tables. Beside it: flags.ts (flag value parsers),
// interrupts.ts (SIGINT/SIGTERM), script.ts (running as a script), output-paths.ts (checking
// output paths before any work) and atomic-write.ts (temporary file, then rename).
//
// Exit codes: 0 success, 1 the work failed (unreadable file, corrupt data, ...), 2 bad arguments.
// Every error a user can cause prints ONE line on stderr, never a stack trace; set SIMDNET_DEBUG=1
// to get the stack as well.

import { Command, CommanderError } from 'commander';
import type { Evaluation } from '../train/evaluate.js';
import type { BuildName } from '../runtime/load.js';
import { relaxedSimdSupported, simdSupported } from '../runtime/features.js';

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

/** Whether this engine can run build `b` (what loadRuntime would refuse or fall back from). */
export function buildAvailable(b: BuildName): boolean {
  return b === 'naive' || (simdSupported() && (b === 'simd' || relaxedSimdSupported()));
}

/** Throws a UsageError naming --build when the engine cannot run the build it names (before any data is loaded). */
export function checkBuildFlag(b: BuildName | undefined): void {
  if (b === undefined || buildAvailable(b)) return;
  throw new UsageError(`--build ${b}: this engine has no WebAssembly ${b === 'relaxed' ? 'relaxed SIMD (f32x4.relaxed_madd: Chrome ≥ 114, ' +
    'Firefox ≥ 145, Node ≥ 22, or Node 20 with --experimental-wasm-relaxed-simd)' : 'SIMD'}; use --build ${b === 'relaxed' && simdSupported() ? 'simd' : 'naive'} or omit it`);
}

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
