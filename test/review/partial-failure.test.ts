// Review: failures part-way through compile or planning must not strand arena blocks
// (no model or plan owns them afterwards, so no dispose() can return them).
import { beforeAll, expect, it } from 'vitest';
import { loadRuntime, type Runtime } from '../../src/runtime/load.js';
import { Sequential } from '../../src/model/sequential.js';
import { Dense, Flatten } from '../../src/layers/index.js';

let rt: Runtime;
beforeAll(async () => { rt = await loadRuntime({}); });

const layers = () => [new Flatten(), new Dense({ units: 32 }), new Dense({ units: 3 })];

it('compileWith with a bad threads option keeps no memory', () => {
  const before = rt.arena.liveBytes;
  const m = new Sequential(layers());
  expect(() => m.compileWith(rt, { inputShape: [10], threads: 0 })).toThrow(/threads/);
  m.dispose();
  expect(rt.arena.liveBytes - before, 'bytes left live by the failed compile').toBe(0);
});

it('a plan whose tape allocation fails keeps no memory', () => {
  const m = new Sequential(layers()).compileWith(rt, { inputShape: [10], threads: 1 });
  const before = rt.arena.liveBytes;
  const alloc = rt.arena.alloc.bind(rt.arena);
  rt.arena.alloc = (bytes: number, what?: string) => {
    if (what?.includes('tapes')) throw new RangeError('simulated: memory.grow refused');
    return alloc(bytes, what);
  };
  try {
    expect(() => m.plan(32, 'train')).toThrow(/simulated/);
  } finally {
    rt.arena.alloc = alloc;
  }
  const leaked = rt.arena.liveBytes - before;
  m.dispose();
  expect(leaked, 'bytes of the failed plan left live (dispose cannot find them)').toBe(0);
});
