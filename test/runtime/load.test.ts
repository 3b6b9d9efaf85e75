import { describe, expect, it } from 'vitest';
import { getRuntime } from '../helpers/runtime.js';
import { KERNEL_NAMES } from '../../src/runtime/abi.js';
import { simdSupported } from '../../src/runtime/features.js';

describe('runtime', () => {
  it('detects wasm SIMD in Node 20', () => {
    expect(simdSupported()).toBe(true);
  });

  it('loads both builds over one memory, each exporting the whole ABI', async () => {
    const rt = await getRuntime();
    expect(rt.build).toBe('simd');
    expect(rt.simd).toBeDefined();
    expect(rt.naive.build_is_simd()).toBe(0);
    expect(rt.simd!.build_is_simd()).toBe(1);
    for (const name of KERNEL_NAMES) {
      expect(typeof rt.naive[name], name).toBe('function');
      expect(typeof rt.simd![name], name).toBe('function');
    }
  });

  it('both builds write the same shared memory', async () => {
    const rt = await getRuntime();
    const p = rt.arena.allocF32(7);
    rt.naive.fill(p, 7, 2.5);
    rt.simd!.scale(p, 7, 2);
    expect(Array.from(rt.arena.f32(p, 7))).toEqual([5, 5, 5, 5, 5, 5, 5]);
  });
});
