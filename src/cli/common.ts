// Shared plumbing for the command-line scripts (Node only): where output goes, how errors become
// exit codes, flag parsers that name the flag, the value and what is allowed, and atomic writes.
//
// Exit codes: 0 success, 1 the work failed (unreadable file, corrupt data, ...), 2 bad arguments.
// Every error a user can cause prints ONE line on stderr, never a stack trace; set SIMDNET_DEBUG=1
// to get the stack as well.

import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { access, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, basename, join, resolve } from 'node:path';
import { constants as fsConstants, readdirSync, realpathSync, rmSync, type Stats } from 'node:fs';
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
  installInterruptHandlers(basename(process.argv[1] ?? 'simdnet').replace(/\.[cm]?[jt]s$/, ''), processIO);
  main(process.argv.slice(2), processIO).then(
    (code) => { process.exitCode = code; },
    (e: unknown) => { console.error(e); process.exitCode = 1; },
  );
}

// ---- interrupts ------------------------------------------------------------------------------
//
// SIGINT (Ctrl-C) and SIGTERM: run the registered clean-ups (stop a progress bar, delete the
// temporary file of a save in progress), make sure the terminal shows the cursor and wraps lines
// again, print one line and exit 130. Node runs signal handlers only when the event loop gets a
// turn: at once while reading or writing files, and during training every ~50 ms (fit yields to
// the event loop between batches).
//
// A command may take over the first signal instead (deferFirstInterrupt: train does while it
// trains, to stop after the running batch and save a checkpoint). The terminal is restored at
// once; the command prints its own line and returns 130. A second signal exits at once as above,
// except the same signal again within REPEAT_MS of the first: one Ctrl-C reaches us more than once
// under `npm run` (the terminal signals the whole process group, and npm and tsx relay it too).

/** The exit code after SIGINT or SIGTERM. */
export const INTERRUPTED_EXIT_CODE = 130;
/** Show the cursor (DECTCEM) and turn auto-wrap back on (DECAWM): what a progress bar turns off. */
export const TERMINAL_RESTORE = '\x1b[?25h\x1b[?7h';
/** A repeat of the first signal this soon after it is taken as the same interrupt, relayed. */
export const REPEAT_MS = 500;

const interruptCleanups = new Set<() => void>();

/** Registers a synchronous clean-up for an interrupt; returns the function that unregisters it. */
export function onInterrupt(fn: () => void): () => void {
  interruptCleanups.add(fn);
  return () => { interruptCleanups.delete(fn); };
}

/** Runs every registered clean-up; one that throws does not stop the others. */
export function runInterruptCleanups(): void {
  for (const fn of [...interruptCleanups]) {
    try { fn(); } catch { /* best effort: we are exiting */ }
  }
}

let deferredInterrupt: ((signal: NodeJS.Signals) => void) | undefined;
let firstSignal: { signal: NodeJS.Signals; at: number } | undefined;
let interruptNote = '';

/**
 * Until the returned function is called, the first SIGINT/SIGTERM calls `fn` (synchronously, from
 * the signal handler) instead of exiting; then the handlers restore the terminal and return, and
 * the command is expected to wind down by itself. Only one deferral is active at a time.
 */
export function deferFirstInterrupt(fn: (signal: NodeJS.Signals) => void): () => void {
  deferredInterrupt = fn;
  return () => { if (deferredInterrupt === fn) deferredInterrupt = undefined; };
}

/** Text added to the line printed when a signal exits at once (e.g. " while saving X"); returns the reset. */
export function setInterruptNote(note: string): () => void {
  interruptNote = note;
  return () => { if (interruptNote === note) interruptNote = ''; };
}

let handlersInstalled = false;

/** Installs the SIGINT/SIGTERM handlers of a command run as a script (once per process). */
export function installInterruptHandlers(name: string, io: CliIO): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const handler = (signal: NodeJS.Signals): void => {
    const now = performance.now();
    const deferred = deferredInterrupt;
    if (deferred !== undefined && firstSignal === undefined) {
      deferredInterrupt = undefined;
      firstSignal = { signal, at: now };
      try { deferred(signal); } catch { /* the command still winds down; the terminal below matters more */ }
      if (io.stderr.isTTY) io.stderr.write(TERMINAL_RESTORE);
      return;
    }
    if (firstSignal !== undefined && signal === firstSignal.signal && now - firstSignal.at < REPEAT_MS) return;
    runInterruptCleanups();
    if (io.stderr.isTTY) io.stderr.write(TERMINAL_RESTORE);
    println(io.stderr, `${name}: interrupted by ${signal}${firstSignal !== undefined ? ' again' : ''}${interruptNote}`);
    process.exit(INTERRUPTED_EXIT_CODE);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/** Lets the event loop run once, so a pending signal is handled (e.g. between epochs). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

// ---- flag value parsers (commander argParsers: throw InvalidArgumentError) -------------------

// Every numeric flag goes through numericFlag: plain decimal notation only (digits, an optional
// sign, decimal point and exponent: 12, 0.5, 1e-3). Number() alone would also take '0x10' (16),
// '0b1', '0o7', '' and '  ' (0), which a user almost never means; those are refused, and so are
// digit separators ('1_000') and spaces around the value.

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Why `text` is not a plain decimal number, or undefined when it is one. */
export function decimalFormProblem(text: string): string | undefined {
  if (DECIMAL.test(text)) return undefined;
  if (text.trim() === '') return text === '' ? 'got an empty value' : 'got only spaces';
  if (text.trim() !== text) return 'remove the spaces around the number';
  if (/^[+-]?0[xXbBoO]/.test(text)) return 'hexadecimal, binary and octal forms are not accepted: write it in decimal';
  if (text.includes('_')) return "digit separators ('_') are not accepted";
  return undefined; // just not a number: the rule's own description says what is wanted
}

export interface NumberRule {
  /** What the flag takes, completing "FLAG must be ...", e.g. "a positive integer (1, 2, 3, ...)". */
  what: string;
  integer?: boolean;
  /** Bounds; inclusive unless the matching *Open is set. */
  min?: number;
  minOpen?: boolean;
  max?: number;
  maxOpen?: boolean;
}

/** The one parser behind every numeric flag (a commander argParser: throws InvalidArgumentError). */
export function numericFlag(flag: string, rule: NumberRule): (v: string) => number {
  return (v) => {
    const form = decimalFormProblem(v);
    const n = DECIMAL.test(v) ? Number(v) : NaN;
    const ok = Number.isFinite(n)
      && (!rule.integer || Number.isSafeInteger(n))
      && (rule.min === undefined || (rule.minOpen ? n > rule.min : n >= rule.min))
      && (rule.max === undefined || (rule.maxOpen ? n < rule.max : n <= rule.max));
    if (!ok) throw new InvalidArgumentError(`${flag} must be ${rule.what}${form === undefined ? '' : `; ${form}`}`);
    return n === 0 ? 0 : n; // no -0
  };
}

export function positiveInt(flag: string): (v: string) => number {
  return numericFlag(flag, { what: 'a positive integer (1, 2, 3, ...)', integer: true, min: 1 });
}

export function nonNegativeInt(flag: string): (v: string) => number {
  return numericFlag(flag, { what: 'a whole number ≥ 0', integer: true, min: 0 });
}

/** A finite number strictly between lo and hi (open interval) or, with closedLo, lo ≤ x < hi. */
export function numberIn(flag: string, lo: number, hi: number, opts: { closedLo?: boolean } = {}): (v: string) => number {
  const range = `${opts.closedLo ? '[' : '('}${lo}, ${hi === Infinity ? '∞' : hi})`;
  return numericFlag(flag, { what: `a number in ${range}`, min: lo, minOpen: !opts.closedLo, max: hi, maxOpen: true });
}

/** A 32-bit unsigned seed. */
export const seedValue = numericFlag('--seed', { what: 'a whole number in [0, 4294967295]', integer: true, min: 0, max: 0xffffffff });

/** --threads: how many threads the kernels may use, a positive integer or 'auto' (the library decides). */
export type Threads = number | 'auto';

const threadCount = numericFlag('--threads', { what: "a positive integer (1, 2, 3, ...) or 'auto'", integer: true, min: 1 });

export function threadsValue(v: string): Threads {
  return v === 'auto' ? 'auto' : threadCount(v);
}

/** The --threads option, the same for every command. */
export function threadsOption(): Option {
  return new Option('--threads <n>', "threads for the kernels: a positive integer or 'auto'").argParser(threadsValue).default('auto');
}

// ---- files -----------------------------------------------------------------------------------

/** An output a command will write: a file (--save, --json) or a directory of files (--report). */
export interface OutputTarget {
  flag: string;
  path: string | undefined;
  kind: 'file' | 'dir';
}

/**
 * Checks every output path before any work starts, so a long run is not lost to a typo at the
 * end. For each given path: the target is not an existing directory (a file output) or an
 * existing file (a directory output); the nearest existing ancestor of what has to be created
 * is a directory we may write in; and no two outputs are the same file. Creates nothing.
 * Throws a UsageError naming the flag, the path and what is wrong.
 */
export async function checkOutputPaths(targets: readonly OutputTarget[]): Promise<void> {
  const seen = new Map<string, string>();
  for (const t of targets) {
    if (t.path === undefined) continue;
    await checkOutputPath(t.flag, t.path, t.kind);
    const abs = resolve(t.path);
    const other = seen.get(abs);
    if (other !== undefined) throw new UsageError(`${t.flag} '${t.path}': ${other} writes to the same path; give each output its own`);
    seen.set(abs, t.flag);
  }
}

async function checkOutputPath(flag: string, path: string, kind: OutputTarget['kind']): Promise<void> {
  const bad = (what: string) => new UsageError(`${flag} '${path}': ${what}`);
  if (path.trim() === '') throw new UsageError(`${flag}: the path is empty`);
  const target = await statOrMissing(path);
  if (target === 'missing-parent-is-file') {
    // Some ancestor is a file; the walk below names it.
  } else if (target !== undefined) {
    if (kind === 'file' && target.isDirectory()) {
      throw bad(`is a directory; expected a file name (e.g. ${join(path, flag.startsWith('--save') ? 'model.simdnet' : flag === '--onnx' ? 'model.onnx' : 'run.json')})`);
    }
    if (kind === 'dir') {
      if (!target.isDirectory()) throw bad('is a file, not a directory; --report writes a folder of files');
      await checkWritableDir(path, bad);
      return;
    }
  }
  // The nearest existing ancestor of the target must be a writable directory (the rest is created).
  let dir = dirname(path);
  for (;;) {
    const st = await statOrMissing(dir);
    if (st !== undefined && st !== 'missing-parent-is-file') {
      if (!st.isDirectory()) throw bad(`'${dir}' is a file, not a directory`);
      await checkWritableDir(dir, bad);
      return;
    }
    const up = dirname(dir);
    if (up === dir) return; // nothing exists up to the root (cannot happen on a sane system)
    dir = up;
  }
}

/** stat(); undefined when nothing is there; a marker when a path component is a file. */
async function statOrMissing(path: string): Promise<Stats | undefined | 'missing-parent-is-file'> {
  try {
    return await stat(path);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTDIR') return 'missing-parent-is-file';
    throw e;
  }
}

async function checkWritableDir(dir: string, bad: (what: string) => UsageError): Promise<void> {
  try {
    await access(dir, fsConstants.W_OK | fsConstants.X_OK);
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why = code === 'EROFS' ? 'is on a read-only file system' : code === 'EACCES' || code === 'EPERM' ? 'is not writable (permission denied)' : `cannot be written (${code ?? String(e)})`;
    throw bad(`directory '${dir}' ${why}`);
  }
}

/** Temporary files this process is writing right now (deleted on an interrupt). */
const liveTempFiles = new Set<string>();
onInterrupt(() => {
  for (const f of liveTempFiles) rmSync(f, { force: true });
  liveTempFiles.clear();
});

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Name pattern of writeFileAtomic's temporary files for `target`: .NAME.PID.RANDOM.tmp (PID captured). */
export function tempFilePattern(target: string): RegExp {
  return new RegExp(`^\\.${escapeRegExp(basename(target))}\\.(\\d+)\\.[0-9a-z]+\\.tmp$`);
}

/** A fresh temporary file name next to `target`, following tempFilePattern. */
export function tempFileFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${Math.random().toString(36).slice(2, 10) || '0'}.tmp`);
}

/** Marks a temporary file as being written by this process (an interrupt deletes it); returns the unmark. */
export function trackTempFile(tmp: string): () => void {
  liveTempFiles.add(tmp);
  return () => { liveTempFiles.delete(tmp); };
}

/** True if a process with this id exists (EPERM: it does, but belongs to someone else). */
export function processExists(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return true; // 0 and negatives name groups: never "dead"
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code !== 'ESRCH';
  }
}

/**
 * Deletes the files in `dir` whose names match `pattern` (group 1: the writer's PID) and whose
 * writer no longer exists: leftovers of a save that was killed. Files of this process and of
 * live processes are kept. Returns the paths deleted.
 */
export async function removeStaleTempFiles(dir: string, pattern: RegExp): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return []; // no directory yet: nothing stale
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = pattern.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || processExists(pid)) continue;
    const path = join(dir, name);
    await rm(path, { force: true });
    removed.push(path);
  }
  return removed;
}

/** Synchronously deletes this process's files in `dir` that match `pattern` (for interrupt clean-ups). */
export function removeOwnTempFilesSync(dir: string, pattern: RegExp): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = pattern.exec(name);
    if (m && Number(m[1]) === process.pid) rmSync(join(dir, name), { force: true });
  }
}

/**
 * Writes to a temporary file next to `path`, then renames it over `path` (atomic on one
 * filesystem). First deletes temporary files of the same target left by processes that no
 * longer exist; an interrupt during the write deletes this one.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  await removeStaleTempFiles(dir, tempFilePattern(path));
  const tmp = tempFileFor(path);
  const untrack = trackTempFile(tmp);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  } finally {
    untrack();
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
