// Ops before init() throw a clear error; init() is idempotent, also when called concurrently,
// and a later init() without `build` keeps the build chosen before.
import { describe, expect, it } from 'vitest';
import { convForward, init, isReady, matmul, memoryStats, poolForward, zeros } from '../../src/ops/index.js';
import { relaxedSimdSupported } from '../../src/runtime/features.js';

// What 'auto' picks here: relaxed SIMD on Node ≥ 22, SIMD on Node 20.
const AUTO = relaxedSimdSupported() ? 'relaxed' : 'simd';

describe('init', () => {
  it('every op throws a clear error before init, then works after it', async () => {
    expect(isReady()).toBe(false);
    const A = zeros([1, 4, 4, 1]);
    expect(() => convForward(A, zeros([3, 3, 1, 2]), zeros([2]))).toThrow(/convForward: the simdnet kernels are not loaded yet; call `await init\(\)`/);
    expect(() => poolForward(A, 2)).toThrow(/poolForward: .*call `await init\(\)`/);
    expect(() => matmul(zeros([1, 1]), zeros([1, 1]))).toThrow(/matmul: .*not loaded yet/);
    expect(() => memoryStats()).toThrow(/memoryStats: .*not loaded yet/);
    const [a, b] = await Promise.all([init(), init()]);
    expect(a.build).toBe(AUTO);
    expect(b.build).toBe(AUTO);
    expect(isReady()).toBe(true);
    expect(poolForward({ data: Float32Array.from([1, 5, 3, 2]), shape: [1, 2, 2, 1] }, 2).data[0]).toBe(5);
    // A second init is fine and can switch builds without reloading.
    expect((await init({ build: 'naive' })).build).toBe('naive');
    expect(poolForward({ data: Float32Array.from([1, 5, 3, 2]), shape: [1, 2, 2, 1] }, 2, 2, 'avg').data[0]).toBe(2.75);
    await expect(init({ build: 'fast' as 'simd' })).rejects.toThrow(/init: build must be 'auto', 'naive', 'simd' or 'relaxed', got "fast"/);
  });

  it('a later init without `build` keeps the current build (README: it only switches if you pass build)', async () => {
    // Runs after the test above (same module state): the ops are on a loaded runtime.
    expect((await init({ build: 'naive' })).build).toBe('naive');
    expect((await init()).build).toBe('naive');
    expect((await init({ warn: () => {} })).build).toBe('naive');
    expect((await init({ build: 'auto' })).build).toBe(AUTO); // 'auto' passed explicitly does switch
    expect((await init()).build).toBe(AUTO);
    expect((await init({ build: 'naive' })).build).toBe('naive');
    expect((await init({ build: 'simd' })).build).toBe('simd');
    expect((await init({})).build).toBe('simd');
  });
});
