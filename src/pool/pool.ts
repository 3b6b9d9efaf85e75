// A fixed pool of worker threads over one shared wasm memory (Node worker_threads or Web
// Workers), the way XNNPACK's pthreadpool works: the calling thread publishes a job (a table
// of tasks, each a tape range, see tape.ts), wakes the workers, takes tasks itself, and
// returns when every task is done. Tasks are handed out one at a time from a shared counter,
// so a thread on a busy core simply takes fewer of them. Idle threads spin for ~50 µs, then
// sleep in Atomics.wait: a short spin catches the next phase of a step cheaply, and a long
// one would take a busy core away from whoever else needs it.
//
// Workers are started on first use and never allocate; they are unref'd in Node, so an idle
// pool does not keep the process alive. A task that throws in a worker, or a worker that
// exits, is reported to the caller as an Error once the job is over (never a hang).

import { KERNEL_NAMES } from '../runtime/abi.js';
import { BUILD_NAMES, buildKernels, type Runtime } from '../runtime/load.js';
import { CTRL, CTRL_WORDS, ERROR_BYTES, CLOSED, SPIN_MS, SPIN_LOADS, STALL_MS } from './control.js';
import { workerSource, type WorkerStart } from './worker.js';
import { F64View, runTape, kernelList } from './tape.js';
import { shown } from '../util/format.js';

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

interface NodeWorker { unref(): void; terminate(): Promise<number>; on(ev: string, f: (x: unknown) => void): void }
interface NodeWorkerThreads { Worker: new (src: string, opts: Record<string, unknown>) => NodeWorker }

function nodeBuiltin<T>(name: string): T | undefined {
  const p = process as unknown as { getBuiltinModule?: (m: string) => unknown };
  return p.getBuiltinModule?.(name) as T | undefined;
}

/** Threads available to this process: os.availableParallelism() in Node, hardwareConcurrency in a browser. */
export function availableThreads(): number {
  if (isNode) {
    const os = nodeBuiltin<{ availableParallelism?: () => number; cpus(): unknown[] }>('node:os');
    if (os) return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  }
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return typeof n === 'number' && n >= 1 ? Math.floor(n) : 1;
}

export type ThreadsOption = number | 'auto';

/** Checks a `threads` option: a positive integer or 'auto' (the available cores). */
export function resolveThreads(v: unknown, where: string): number {
  if (v === undefined || v === 'auto') return availableThreads();
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 256) {
    throw new RangeError(`${where}: threads must be a whole number from 1 to 256 or 'auto', got ${shown(v)}`);
  }
  return v;
}

/** Why threads cannot be used here, or undefined when they can. */
export function threadsUnavailable(rt: Runtime): string | undefined {
  if (!rt.shared) {
    return typeof SharedArrayBuffer === 'undefined' || (!isNode && !(globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated)
      ? 'this page is not cross-origin isolated (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)'
      : 'the runtime was loaded without shared memory (loadRuntime({ shared: false }))';
  }
  if (isNode) {
    return nodeBuiltin('node:worker_threads') ? undefined : 'this Node has no process.getBuiltinModule (Node >= 20.16 needed for worker threads)';
  }
  return typeof Worker === 'undefined' ? 'this engine has no Web Workers' : undefined;
}

let notified = false;
/** The one-line notice when threads were asked for but cannot run (once per process). */
export function noticeSingleThread(why: string, warn: (m: string) => void = (m) => console.warn(m)): void {
  if (notified) return;
  notified = true;
  warn(`simdnet: running on one thread: ${why}.`);
}

export class ThreadPool {
  private readonly ctrl: Int32Array;
  private readonly err: Uint8Array;
  private readonly workers: { terminate(): unknown }[] = [];
  private gen = 0;
  private failure: string | undefined;
  /** Whether this thread may block in Atomics.wait (not a browser's main thread). */
  private readonly canWait: boolean;
  private readonly fns: (((...a: number[]) => number)[] | null)[];
  private readonly f64: F64View;

  constructor(private readonly rt: Runtime) {
    const why = threadsUnavailable(rt);
    if (why !== undefined) throw new Error(`simdnet: cannot start worker threads: ${why}`);
    this.ctrl = new Int32Array(new SharedArrayBuffer(4 * CTRL_WORDS));
    this.err = new Uint8Array(new SharedArrayBuffer(ERROR_BYTES));
    let canWait = true;
    try { Atomics.wait(this.ctrl, CTRL_WORDS - 1, 1, 0); } catch { canWait = false; }
    this.canWait = canWait;
    this.fns = BUILD_NAMES.map((b) => { const k = buildKernels(rt, b); return k ? kernelList(k) : null; });
    this.f64 = new F64View(rt.arena.memory);
  }

  /** Workers started so far (the calling thread is one more). */
  get size(): number { return this.workers.length; }

  /** Tasks run by workers so far (not by the calling thread). */
  get workerTasks(): number { return Atomics.load(this.ctrl, CTRL.WORKER_TASKS); }

  /** Workers instantiated and waiting for work. */
  get ready(): number { return Atomics.load(this.ctrl, CTRL.READY); }

  /** Starts workers until there are `n` (they become ready in the background). */
  ensure(n: number): void {
    this.check();
    while (this.workers.length < n) this.spawn(this.workers.length);
  }

  private spawn(index: number): void {
    const start: WorkerStart = {
      index, memory: this.rt.arena.memory, modules: BUILD_NAMES.map((b) => this.rt.modules[b] ?? null),
      names: KERNEL_NAMES, ctrl: this.ctrl.buffer as SharedArrayBuffer, err: this.err.buffer as SharedArrayBuffer,
      words: CTRL, closed: CLOSED, spinMs: SPIN_MS,
    };
    if (isNode) {
      const wt = nodeBuiltin<NodeWorkerThreads>('node:worker_threads')!;
      const w = new wt.Worker(workerSource('node'), { eval: true, workerData: start, name: `simdnet worker ${index}` });
      w.on('error', (e) => { this.failure ??= `worker ${index} failed: ${(e as Error)?.message ?? String(e)}`; });
      w.on('exit', (code) => { if (Atomics.load(this.ctrl, CTRL.STOP) === 0) this.failure ??= `worker ${index} exited (code ${String(code)})`; });
      w.unref();
      this.workers.push(w);
    } else {
      const url = URL.createObjectURL(new Blob([workerSource('browser')], { type: 'text/javascript' }));
      const w = new Worker(url, { name: `simdnet worker ${index}` });
      URL.revokeObjectURL(url);
      w.onerror = (e) => { this.failure ??= `worker ${index} failed: ${e.message}`; };
      w.postMessage(start);
      this.workers.push(w);
    }
  }

  private check(): void {
    const dead = Atomics.load(this.ctrl, CTRL.DEAD);
    if (dead !== 0) this.failure ??= `worker ${dead - 1} exited`;
    if (this.failure !== undefined) {
      throw new Error(`simdnet: the thread pool is broken (${this.failure}); dispose this runtime and load a new one`);
    }
  }

  /**
   * Runs tasks 0..n-1 of the table at byte offset `table` (f64 pairs [start, end) into the
   * tapes) with the given build (its index in BUILD_NAMES: 0 naive, 1 simd, 2 relaxed), on this
   * thread and `helpers` workers.
   * Returns when all are done; throws if any failed.
   */
  run(table: number, n: number, build: number, helpers: number): void {
    this.check();
    const c = this.ctrl;
    if (n > CLOSED - 1) throw new RangeError(`thread pool: at most ${CLOSED - 1} tasks per job, got ${n}`);
    this.gen = (this.gen + 1) & 0x7fffffff;
    const tag = (this.gen & 0xffff) << 16;
    Atomics.store(c, CTRL.NTASKS, n);
    Atomics.store(c, CTRL.TABLE, table | 0);
    Atomics.store(c, CTRL.BUILD, build);
    Atomics.store(c, CTRL.HELPERS, Math.min(helpers, this.workers.length));
    Atomics.store(c, CTRL.DONE, 0);
    Atomics.store(c, CTRL.NEXT, tag);
    Atomics.store(c, CTRL.GEN, this.gen);
    Atomics.notify(c, CTRL.GEN);

    const fns = this.fns[build]!;
    let own: unknown;
    const takeTasks = Atomics.load(c, CTRL.CALLER_WAITS) === 0;
    while (takeTasks) {
      const cur = Atomics.load(c, CTRL.NEXT);
      const i = cur & 0xffff;
      if (i >= n) break;
      if (Atomics.compareExchange(c, CTRL.NEXT, cur, cur + 1) !== cur) continue;
      try {
        const f64 = this.f64.get();
        const t = table / 8 + 2 * i;
        runTape(f64, f64[t]!, f64[t + 1]!, fns);
      } catch (e) {
        own ??= e;
      }
      Atomics.add(c, CTRL.DONE, 1);
    }
    this.waitDone(n);
    Atomics.store(c, CTRL.NEXT, tag | CLOSED);
    // Read (and clear) a worker's error even when this thread failed too, so that it is reported
    // with this job and not left for the next one.
    let workerMessage: string | undefined;
    if (Atomics.load(c, CTRL.ERROR) !== 0) {
      const len = new DataView(this.err.buffer).getUint32(0, true);
      workerMessage = new TextDecoder().decode(this.err.slice(4, 4 + len));
      Atomics.store(c, CTRL.ERROR, 0);
    }
    if (own !== undefined) {
      if (workerMessage !== undefined && own instanceof Error) own.message += ` (a worker failed in the same job too: ${workerMessage})`;
      throw own;
    }
    if (workerMessage !== undefined) throw new Error(`simdnet: a kernel failed in a worker thread (${workerMessage})`);
  }

  /** True once close() was called (disposeRuntime): its users should run on their own thread. */
  get closed(): boolean { return Atomics.load(this.ctrl, CTRL.STOP) !== 0; }

  private waitDone(n: number): void {
    const c = this.ctrl;
    // Spin a bounded number of loads (about SPIN_MS; counted, not timed, so that waiting
    // allocates nothing), then sleep until a worker's notify or a 100 ms timeout. A job that
    // makes no progress for STALL_MS (a worker that died without a word, e.g. out of memory)
    // is an error, not a hang.
    let spins = 0;
    let seen = -1;
    let since = 0;
    for (;;) {
      const done = Atomics.load(c, CTRL.DONE);
      if (done >= n) return;
      if (Atomics.load(c, CTRL.DEAD) !== 0) this.abandon(n);
      if (++spins <= SPIN_LOADS) continue;
      if (this.canWait) Atomics.wait(c, CTRL.DONE, done, 100);
      else if ((spins & 0xffff) !== 0) continue; // a browser's main thread cannot sleep: spin, look at the clock now and then
      if (done !== seen) { seen = done; since = performance.now(); } else if (performance.now() - since > STALL_MS) {
        this.failure ??= `a job made no progress for ${STALL_MS / 1000} s (${done} of ${n} tasks done); a worker may have died`;
        this.abandon(n);
      }
    }
  }

  /**
   * A worker is gone: closes the job, waits until the other threads' tasks stop changing the
   * done count (so nothing writes into plan memory after this returns), then throws.
   */
  private abandon(n: number): never {
    const c = this.ctrl;
    Atomics.store(c, CTRL.NEXT, ((this.gen & 0xffff) << 16) | CLOSED);
    let last = Atomics.load(c, CTRL.DONE);
    for (let quiet = 0; quiet < 3 && last < n; ) {
      if (this.canWait) Atomics.wait(c, CTRL.DONE, last, 50);
      const now = Atomics.load(c, CTRL.DONE);
      if (now === last) quiet++; else { quiet = 0; last = now; }
      if (!this.canWait) break; // cannot sleep here: do not spin for long
    }
    this.check();
    throw new Error('simdnet: the thread pool is broken');
  }

  /** Test hook: worker `index` fails its next task by throwing (kind 'throw') or exiting ('exit'). */
  injectFault(index: number, kind: 'throw' | 'exit'): void {
    Atomics.store(this.ctrl, CTRL.FAULT_KIND, kind === 'throw' ? 1 : 2);
    Atomics.store(this.ctrl, CTRL.FAULT_WORKER, index + 1);
  }

  /**
   * Test hook: with `on`, the calling thread takes no task of a job and only waits, so that every
   * task of every job sent to the pool runs on a worker. Tests that compare thread counts use it
   * to know the workers took part, which otherwise depends on timing (a short job can end before
   * a waking worker claims a task). Results are the same either way: they never depend on who runs a task.
   */
  callerWaits(on: boolean): void { Atomics.store(this.ctrl, CTRL.CALLER_WAITS, on ? 1 : 0); }

  /** Stops the workers (they finish nothing new). */
  close(): void {
    Atomics.store(this.ctrl, CTRL.STOP, 1);
    Atomics.add(this.ctrl, CTRL.GEN, 1);
    Atomics.notify(this.ctrl, CTRL.GEN);
    for (const w of this.workers.splice(0)) void w.terminate();
  }
}

const pools = new WeakMap<Runtime, ThreadPool>();

/** The runtime's pool as numbers: workers started and ready, and tasks they ran (all 0 without a pool). */
export function threadStats(rt: Runtime): { workers: number; ready: number; workerTasks: number } {
  const p = pools.get(rt);
  return p === undefined ? { workers: 0, ready: 0, workerTasks: 0 } : { workers: p.size, ready: p.ready, workerTasks: p.workerTasks };
}
/**
 * Stops the runtime's worker threads, if any. Models on the runtime then run on one thread
 * until they are given threads again (setThreads), which starts a new pool.
 */
export function disposeRuntime(rt: Runtime): void {
  const p = pools.get(rt);
  if (p === undefined) return;
  pools.delete(rt);
  p.close();
}

/** The runtime's pool, created on first use. */
export function poolOf(rt: Runtime): ThreadPool {
  let p = pools.get(rt);
  if (p === undefined) {
    p = new ThreadPool(rt);
    pools.set(rt, p);
  }
  return p;
}
