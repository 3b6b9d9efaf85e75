// The body of a pool worker. It is sent to the worker as source text (see workerSource), so
// it works the same in Node (worker_threads, eval) and in a browser (a Blob URL), with no
// file for a bundler to find. workerMain must therefore stand alone: it may use only its
// parameters and the globals of a worker.
//
// A worker instantiates the kernel modules over the shared memory, says it is ready, then
// loops: wait for a new job generation (spin briefly, then Atomics.wait), take tasks one at a
// time from the shared counter until none is left, replay each task's tape, count it done.
// It never allocates wasm memory and plans nothing.

import { runTape } from './tape.js';
import type { CTRL } from './control.js'; // its numbers arrive in the start message

export interface WorkerStart {
  index: number;
  memory: WebAssembly.Memory;
  /** Modules by build id (0 naive, 1 SIMD; null where absent). */
  modules: (WebAssembly.Module | null)[];
  names: readonly string[];
  ctrl: SharedArrayBuffer;
  err: SharedArrayBuffer;
  words: typeof CTRL;
  closed: number;
  spinMs: number;
}

type Replay = typeof runTape;

function workerMain(replay: Replay, start: (run: (d: WorkerStart) => void) => void): void {
  start((d) => {
    const W = d.words;
    const ctrl = new Int32Array(d.ctrl);
    const err = new Uint8Array(d.err);
    const fns = d.modules.map((m) => {
      if (m === null) return null;
      const inst = new WebAssembly.Instance(m, { env: { memory: d.memory } });
      return d.names.map((n) => inst.exports[n] as (...a: number[]) => number);
    });
    let f64 = new Float64Array(d.memory.buffer);
    const fail = (e: unknown, task: number) => {
      const msg = `worker ${d.index}, task ${task}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
      if (Atomics.compareExchange(ctrl, W.ERROR, 0, d.index + 1) === 0) {
        const bytes = new TextEncoder().encode(msg).subarray(0, err.length - 4);
        new DataView(err.buffer).setUint32(0, bytes.length, true);
        err.set(bytes, 4);
      }
    };
    Atomics.add(ctrl, W.READY, 1);
    let seen = Atomics.load(ctrl, W.GEN);
    for (;;) {
      let gen = Atomics.load(ctrl, W.GEN);
      if (gen === seen) {
        const t0 = performance.now();
        let i = 0;
        while ((gen = Atomics.load(ctrl, W.GEN)) === seen) {
          if ((++i & 127) === 0 && performance.now() - t0 > d.spinMs) {
            Atomics.wait(ctrl, W.GEN, seen);
          }
        }
      }
      seen = gen;
      if (Atomics.load(ctrl, W.STOP) !== 0) return;
      if (d.index >= Atomics.load(ctrl, W.HELPERS)) continue;
      const n = Atomics.load(ctrl, W.NTASKS);
      const table = Atomics.load(ctrl, W.TABLE) >>> 0;
      const build = fns[Atomics.load(ctrl, W.BUILD)];
      const tag = (gen & 0xffff) << 16;
      for (;;) {
        const cur = Atomics.load(ctrl, W.NEXT);
        const i = cur & 0xffff;
        if ((cur & ~0xffff) !== tag || i >= n || i === d.closed) break;
        if (Atomics.compareExchange(ctrl, W.NEXT, cur, cur + 1) !== cur) continue;
        try {
          if (Atomics.load(ctrl, W.FAULT_WORKER) === d.index + 1) {
            const kind = Atomics.exchange(ctrl, W.FAULT_KIND, 0);
            Atomics.store(ctrl, W.FAULT_WORKER, 0);
            if (kind === 2) {
              Atomics.store(ctrl, W.DEAD, d.index + 1);
              Atomics.notify(ctrl, W.DONE);
              (globalThis as { close?: () => void }).close?.();
              (globalThis as { process?: { exit(c: number): void } }).process?.exit(1);
              return;
            }
            throw new Error('injected fault (test hook)');
          }
          if (build === null || build === undefined) throw new Error('this worker has no module for the requested build');
          if (f64.length * 8 !== d.memory.buffer.byteLength) f64 = new Float64Array(d.memory.buffer);
          const t = table / 8 + 2 * i;
          replay(f64, f64[t]!, f64[t + 1]!, build);
        } catch (e) {
          fail(e, i);
        }
        Atomics.add(ctrl, W.WORKER_TASKS, 1);
        if (Atomics.add(ctrl, W.DONE, 1) + 1 === n) Atomics.notify(ctrl, W.DONE);
      }
    }
  });
}

/** How a worker gets its start message: workerData in Node, the first message in a browser. */
function nodeStart(run: (d: WorkerStart) => void): void {
  const wt = (process as unknown as { getBuiltinModule(m: string): { workerData: WorkerStart } }).getBuiltinModule('node:worker_threads');
  const d = wt.workerData;
  const ctrl = new Int32Array(d.ctrl);
  // A worker that exits (process.exit, terminate) says so, so the caller does not wait forever.
  process.on('exit', () => {
    Atomics.compareExchange(ctrl, d.words.DEAD, 0, d.index + 1);
    Atomics.notify(ctrl, d.words.DONE);
  });
  run(d);
}

function browserStart(run: (d: WorkerStart) => void): void {
  const self = globalThis as unknown as { onmessage: ((e: { data: WorkerStart }) => void) | null };
  self.onmessage = (e) => { self.onmessage = null; run(e.data); };
}

/**
 * The worker's source text. esbuild (tsx, vitest) may wrap functions in a `__name` helper to
 * keep their names; the prelude defines it as the identity so the text runs on its own.
 */
export function workerSource(env: 'node' | 'browser'): string {
  const starter = env === 'node' ? nodeStart : browserStart;
  return `'use strict';\nvar __name = (f) => f;\n(${workerMain.toString()})(${runTape.toString()}, ${starter.toString()});\n`;
}

