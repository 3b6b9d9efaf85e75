// Interrupts of a command run as a script (Node only).
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

import { type CliIO, println } from './common.js';

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
