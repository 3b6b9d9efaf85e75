// Review: the pool's error paths and disposeRuntime.
import { expect, it } from 'vitest';
import { loadRuntime, type Runtime } from '../../src/runtime/load.js';
import { disposeRuntime, poolOf } from '../../src/pool/pool.js';
import { Sequential } from '../../src/model/sequential.js';
import { Dense, Flatten } from '../../src/layers/index.js';
import { synthDataset } from '../model/util.js';

async function ready(rt: Runtime, n: number): Promise<void> {
  for (let i = 0; i < 500 && poolOf(rt).ready < n; i++) await new Promise((r) => setTimeout(r, 10));
  expect(poolOf(rt).ready).toBeGreaterThanOrEqual(n);
}

/** A task table of n tasks at `table`; bad tasks hold one call with 13 arguments (runTape throws). */
function tasks(rt: Runtime, n: number, bad: boolean): number {
  const table = rt.arena.alloc(16 * n + 32);
  const tape = table + 16 * n;
  const f64 = new Float64Array(rt.arena.memory.buffer);
  f64.set([0, 13, 0], tape / 8);
  for (let i = 0; i < n; i++) { f64[table / 8 + 2 * i] = tape / 8; f64[table / 8 + 2 * i + 1] = bad ? tape / 8 + 3 : tape / 8; }
  return table;
}

it('a job where the calling thread and a worker both fail does not leave the worker error for the next job', async () => {
  const rt = await loadRuntime({});
  const pool = poolOf(rt);
  pool.ensure(1);
  await ready(rt, 1);
  const n = 20000;
  const bad = tasks(rt, n, true);
  const good = tasks(rt, n, false);
  const before = pool.workerTasks;
  expect(() => pool.run(bad, n, 1, 1)).toThrow(/13 arguments/);
  expect(pool.workerTasks - before, 'the worker took part (else the test proves nothing)').toBeGreaterThan(0);
  // Nothing fails in this job; it must not report the previous job's worker error.
  let second: unknown;
  try { pool.run(good, n, 1, 1); } catch (e) { second = (e as Error).message; }
  disposeRuntime(rt);
  expect(second).toBeUndefined();
});

it('after disposeRuntime a model given threads earlier still trains (on one thread) to the same bits', async () => {
  const rt = await loadRuntime({});
  const data = synthDataset(96, [8, 8, 1], 4, 3);
  const make = (threads: number) => new Sequential([new Flatten(), new Dense({ units: 512, activation: 'relu' }), new Dense({ units: 4 })])
    .compileWith(rt, { inputShape: [8, 8, 1], threads, seed: 2 });
  const ref = make(1);
  await ref.fit(data, { epochs: 1, batchSize: 48});
  await ref.fit(data, { epochs: 1, batchSize: 48});
  const m = make(3);
  await ready(rt, 2);
  await m.fit(data, { epochs: 1, batchSize: 48});
  disposeRuntime(rt);
  await new Promise((r) => setTimeout(r, 300)); // let the workers go
  let err: string | undefined;
  try { await m.fit(data, { epochs: 1, batchSize: 48}); } catch (e) { err = (e as Error).message; }
  expect(err).toBeUndefined();
  expect(m.getWeights().map((w) => Array.from(w.data))).toEqual(ref.getWeights().map((w) => Array.from(w.data)));
});

it('after a worker exits, disposeRuntime lets the models on the runtime go on (on one thread), as its doc says', async () => {
  const rt = await loadRuntime({});
  const data = synthDataset(96, [8, 8, 1], 4, 3);
  const m = new Sequential([new Flatten(), new Dense({ units: 512, activation: 'relu' }), new Dense({ units: 4 })])
    .compileWith(rt, { inputShape: [8, 8, 1], threads: 2, seed: 2 });
  await ready(rt, 1);
  poolOf(rt).injectFault(0, 'exit');
  await expect(m.fit(data, { epochs: 20, batchSize: 48 })).rejects.toThrow(/thread pool is broken/);
  disposeRuntime(rt);
  let err: string | undefined;
  try { await m.fit(data, { epochs: 1, batchSize: 48 }); } catch (e) { err = (e as Error).message; }
  expect(err).toBeUndefined();
});
