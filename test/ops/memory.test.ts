// Every op releases what it allocated: 100 repeated calls leave the arena's use where it was
// and do not grow the wasm memory past what the first call needed.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  activationBackward, convBackward, convForward, convForwardWithZ, init, matmul, memoryStats, poolBackward, poolForward,
} from '../../src/ops/index.js';
import { rand } from './util.js';

beforeAll(async () => { await init(); });

describe('memory', () => {
  const A = rand(1, [4, 12, 12, 3]);
  const W = rand(2, [3, 3, 3, 8]);
  const b = rand(3, [8]);
  const dZ = rand(4, [4, 6, 6, 8]);
  const dP = rand(5, [4, 6, 6, 3]);
  const M = rand(6, [20, 30]);
  const N = rand(7, [30, 10]);
  const ops: Record<string, () => unknown> = {
    convForward: () => convForward(A, W, b, 'relu', 'same', 2),
    convForwardWithZ: () => convForwardWithZ(A, W, b, 'tanh', 'same', 2),
    convBackward: () => convBackward(dZ, A, W, b, 'same', 2),
    poolForward: () => poolForward(A, 2, 2, 'max'),
    poolBackwardMax: () => poolBackward(dP, A, 2, 2, 'max'),
    poolBackwardAvg: () => poolBackward(dP, A, 2, 2, 'avg'),
    matmul: () => matmul(M, N),
    activationBackward: () => activationBackward(dZ, dZ, 'sigmoid'),
  };
  for (const [name, op] of Object.entries(ops)) {
    it(`${name}: 100 calls, no growth`, () => {
      const before = memoryStats();
      op();
      const afterFirst = memoryStats();
      expect(afterFirst.usedBytes, 'the first call releases everything').toBe(before.usedBytes);
      for (let i = 0; i < 100; i++) op();
      expect(memoryStats()).toEqual(afterFirst);
    });
  }

  it('a call that throws after allocating still releases its allocations', () => {
    const before = memoryStats();
    // An array whose data getter throws once the op has started allocating in the arena (so
    // the failure happens inside the op's scope, after the mark): 'boom' proves we got there.
    const real = rand(8, [1, 4, 4, 3]);
    const evil = {
      shape: real.shape,
      get data() {
        if (memoryStats().usedBytes > before.usedBytes) throw new Error('boom');
        return real.data;
      },
    };
    expect(() => convForward(evil as unknown as typeof real, W, b)).toThrow('boom');
    expect(memoryStats().usedBytes).toBe(before.usedBytes);
  });
});
