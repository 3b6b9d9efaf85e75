// fit gives the event loop a turn every `yieldEvery` ms (default 50), so timers, signal handlers
// and a page's input run in the middle of an epoch, and the results do not change.
import { describe, expect, it } from 'vitest';
import { getRuntime } from '../helpers/runtime.js';
import { zooModel } from '../../src/model/zoo.js';
import { synthDataset } from '../model/util.js';

describe('fit yields to the event loop', () => {
  const data = synthDataset(640, [28, 28, 1], 10, 9);

  it('a timer runs during a single epoch; yieldEvery 0 waits for the epoch end; same weights either way', async () => {
    const runOnce = async (yieldEvery: number) => {
      const m = await zooModel('lenet5', { runtime: await getRuntime(), seed: 4, threads: 1 });
      let ticks = 0;
      let steps = 0;
      let ticksAtLastBatch = -1;
      const timer = setInterval(() => { ticks++; }, 0);
      try {
        await m.fit(data, {
          epochs: 1, yieldEvery,
          onBatchEnd: (b) => { steps = b + 1; if (b === 19) ticksAtLastBatch = ticks; },
        });
      } finally {
        clearInterval(timer);
      }
      return { ticksAtLastBatch, steps, w: m.getWeights()[0]!.data };
    };
    const often = await runOnce(1);
    const never = await runOnce(0);
    expect(often.steps).toBe(20);
    expect(often.ticksAtLastBatch, 'the timer ran before the epoch ended').toBeGreaterThan(0);
    expect(never.ticksAtLastBatch, 'no turn for the event loop inside the epoch').toBe(0);
    expect(Array.from(often.w)).toEqual(Array.from(never.w));
  });

  it('an AbortSignal aborted from a timer stops fit before its next batch, with the history so far', async () => {
    const m = await zooModel('lenet5', { runtime: await getRuntime(), seed: 4, threads: 1 });
    const ac = new AbortController();
    let batches = 0;
    setTimeout(() => ac.abort(), 5);
    const h = await m.fit(data, { epochs: 3, yieldEvery: 1, signal: ac.signal, onBatchEnd: () => { batches++; } });
    expect(ac.signal.aborted).toBe(true);
    expect(batches, 'stopped inside the first epoch').toBeLessThan(20);
    expect(batches).toBeGreaterThan(0);
    expect(h.loss).toHaveLength(1);
    const before = new AbortController();
    before.abort();
    expect((await m.fit(data, { epochs: 2, signal: before.signal })).loss, 'already aborted: no epoch').toEqual([]);
  });

  it('refuses a bad yieldEvery', async () => {
    const m = await zooModel('lenet5', { runtime: await getRuntime(), seed: 4 });
    await expect(m.fit(data, { yieldEvery: -1 })).rejects.toThrow(/fit: yieldEvery must be a number of milliseconds ≥ 0, got -1/);
  });
});
