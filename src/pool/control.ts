// The words of the pool's control block (an Int32Array over a small SharedArrayBuffer) that
// the calling thread and the workers coordinate through. Shared by pool.ts and worker.ts;
// worker.ts receives these numbers in its start message (its source must stand alone).

export const CTRL = {
  /** Job generation: bumped (and notified) to start a job. */
  GEN: 0,
  /** Next task: (generation & 0xffff) << 16 | index; index 0xffff = the job is closed. */
  NEXT: 1,
  /** Tasks finished in the current job (notified when it reaches the task count). */
  DONE: 2,
  /** Tasks in the current job. */
  NTASKS: 3,
  /** Byte offset (u32) in wasm memory of the task table: f64 pairs [start, end) into the tapes. */
  TABLE: 4,
  /** Which build's kernels: 0 naive, 1 SIMD. */
  BUILD: 5,
  /** 0, or 1 + the index of the first worker whose task threw (message in the error buffer). */
  ERROR: 6,
  /** Nonzero: workers return. */
  STOP: 7,
  /** Workers with index < HELPERS take part in the current job (the rest sleep through it). */
  HELPERS: 8,
  /** Workers ready (instantiated). */
  READY: 9,
  /** 0, or 1 + the index of a worker that exited. */
  DEAD: 10,
  /** Test hook: a worker with index = FAULT_WORKER - 1 fails its next task (1: throw, 2: exit). */
  FAULT_WORKER: 11,
  FAULT_KIND: 12,
  /** Tasks the workers (not the calling thread) have run, in all (a statistic for tests). */
  WORKER_TASKS: 13,
  /** Test hook: nonzero, the calling thread takes no task and waits while the workers run them all. */
  CALLER_WAITS: 14,
} as const;

export const CTRL_WORDS = 16;
export const ERROR_BYTES = 2048;
/** A closed job's task index: no task can be taken. */
export const CLOSED = 0xffff;
/** How long an idle thread spins before it sleeps (ms): short, so a busy core is not robbed. */
export const SPIN_MS = 0.05;
/** The calling thread's spin, in loads of the done counter (roughly SPIN_MS on a current core). */
export const SPIN_LOADS = 2000;
/** A job with no task finished for this long (ms) is taken for a dead worker. */
export const STALL_MS = 60_000;
