// Ops before init() throw a clear error; init() is idempotent, also when called concurrently.
import { describe, expect, it } from 'vitest';
import { convForward, init, isReady, matmul, memoryStats, poolForward, zeros } from '../../src/ops/index.js';

describe('init', () => {
  it('every op throws a clear error before init, then works after it', async () => {
    expect(isReady()).toBe(false);
    const A = zeros([1, 4, 4, 1]);
    expect(() => convForward(A, zeros([3, 3, 1, 2]), zeros([2]))).toThrow(/convForward: the simdnet kernels are not loaded yet; call `await init\(\)`/);
    expect(() => poolForward(A, 2)).toThrow(/poolForward: .*call `await init\(\)`/);
    expect(() => matmul(zeros([1, 1]), zeros([1, 1]))).toThrow(/matmul: .*not loaded yet/);
    expect(() => memoryStats()).toThrow(/memoryStats: .*not loaded yet/);
    const [a, b] = await Promise.all([init(), init()]);
    expect(a.build).toBe('simd'); // Node 20 has wasm SIMD; 'auto' picks it
    expect(b.build).toBe('simd');
    expect(isReady()).toBe(true);
    expect(poolForward({ data: Float32Array.from([1, 5, 3, 2]), shape: [1, 2, 2, 1] }, 2).data[0]).toBe(5);
    // A second init is fine and can switch builds without reloading.
    expect((await init({ build: 'naive' })).build).toBe('naive');
    expect(poolForward({ data: Float32Array.from([1, 5, 3, 2]), shape: [1, 2, 2, 1] }, 2, 2, 'avg').data[0]).toBe(2.75);
    await expect(init({ build: 'fast' as 'simd' })).rejects.toThrow(/init: build must be 'auto', 'naive' or 'simd', got "fast"/);
  });
});
