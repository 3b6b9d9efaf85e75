// Running a call on a thread count of its own (the `threads` option of fit, evaluate, predict).

import type { Sequential } from '../model/sequential.js';
import type { ThreadsOption } from '../pool/pool.js';

/**
 * Runs `f` with the model on `threads` (when given), then puts the model's own count back:
 * when `f` returns, or, if it returns a promise (fit), when that settles.
 */
export function withThreads<T>(model: Sequential, threads: ThreadsOption | undefined, f: () => T): T {
  if (threads === undefined) return f();
  const before = model.threads;
  model.setThreads(threads);
  let result: T;
  try {
    result = f();
  } catch (e) {
    model.setThreads(before);
    throw e;
  }
  if (result instanceof Promise) return result.finally(() => model.setThreads(before)) as T;
  model.setThreads(before);
  return result;
}
