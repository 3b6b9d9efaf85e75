// The memory check on LeNet-5 (SIMD, B = 32), at each thread count: gc, heapUsed, N steps,
// heapUsed, gc, heapUsed (what was allocated, and what stayed live), twice, for the bare step
// loop (1,000 steps) and for model.fit() (4 epochs of 7,996 images = 1,000 steps); and whether
// memory.buffer.byteLength changed from before the first measurement to after the last.

import { zooModel } from '../../src/model/zoo.js';
import { loadData } from '../../src/data/load-node.js';
import { take } from '../../src/data/transforms.js';
import type { Runtime } from '../../src/runtime/load.js';
import { Staged, Stepper } from './data.js';

export interface HeapFigures {
  steps: number;
  /** heapUsed after gc before the steps, right after the steps (no gc), and after gc. */
  heapBefore: number;
  heapAfterNoGc: number;
  heapAfter: number;
  /** (heapAfterNoGc − heapBefore) / steps: bytes allocated per step, if no GC ran in between. */
  allocatedPerStep: number;
  /** (heapAfter − heapBefore) / steps: bytes still live after a full GC, per step (the growth). */
  retainedPerStep: number;
}

export interface MemoryAtThreads {
  threads: number;
  /** One entry per round; the last round is the steady state (V8 compiles during the first). */
  loop: HeapFigures[];
  fit: HeapFigures[];
}

export interface MemoryResult {
  byThreads: MemoryAtThreads[];
  memoryBytesBefore: number;
  memoryBytesAfter: number;
  memoryUnchanged: boolean;
}

function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc!;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

async function measureHeap(steps: number, body: () => unknown): Promise<HeapFigures> {
  const heapBefore = heapAfterGc();
  await body();
  const heapAfterNoGc = process.memoryUsage().heapUsed;
  const heapAfter = heapAfterGc();
  return {
    steps, heapBefore, heapAfterNoGc, heapAfter,
    allocatedPerStep: (heapAfterNoGc - heapBefore) / steps, retainedPerStep: (heapAfter - heapBefore) / steps,
  };
}

export async function memoryCheck(rt: Runtime, threads: number[], seed: number, quick: boolean): Promise<MemoryResult | string> {
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') {
    return 'skipped: run with node --expose-gc (npm run bench:train does)';
  }
  const model = await zooModel('lenet5', { build: 'simd', seed, runtime: rt, threads: threads[0]! });
  const { train } = await loadData('mnist');
  // fit over `images` with B = 32: ceil(images / 32) steps per epoch, 4 epochs (1,000 steps).
  const images = quick ? 2000 : 7996;
  const data = take(train, images);
  const steps = quick ? 250 : 1000;
  const st = new Stepper(model, new Staged(model, data, 'memory'), 32, 'train');
  const run = (n: number) => { for (let i = 0; i < n; i++) st.step(); };
  // Warm-up with the same loop at every thread count: V8 keeps compiling (and allocating code
  // and feedback on the heap) for a few hundred steps; measured right away that shows up as
  // ~100 bytes/step. Each measurement is also repeated: the second round is the steady state.
  for (const t of threads) {
    model.setThreads(t);
    run(quick ? 150 : 400);
    await model.fit(data, { epochs: 1, batchSize: 32 }); // plans fit's data slots before measuring
  }
  const mem0 = rt.arena.memory.buffer.byteLength;
  const fitSteps = 4 * Math.ceil(images / 32);
  const byThreads: MemoryAtThreads[] = [];
  for (const t of threads) {
    model.setThreads(t);
    const loop: HeapFigures[] = [];
    const fit: HeapFigures[] = [];
    for (let round = 0; round < 2; round++) {
      loop.push(await measureHeap(steps, () => run(steps)));
      fit.push(await measureHeap(fitSteps, () => model.fit(data, { epochs: 4, batchSize: 32 })));
    }
    byThreads.push({ threads: t, loop, fit });
  }
  const mem1 = rt.arena.memory.buffer.byteLength;
  return { byThreads, memoryBytesBefore: mem0, memoryBytesAfter: mem1, memoryUnchanged: mem0 === mem1 };
}
