// dispose() gives a model's memory back (issue 7, item 2): a sweep that makes, trains, uses and
// disposes models one after another keeps using the same wasm memory instead of growing, and a
// disposed model refuses to be used. The arena's free list is tested directly too.
import { describe, expect, it } from 'vitest';
import { loadRuntime } from '../../src/runtime/load.js';
import { Arena } from '../../src/runtime/arena.js';
import { zooModel } from '../../src/model/zoo.js';
import { serialize, modelFromSerialized } from '../../src/io/index.js';
import { synthDataset } from './util.js';

describe('Arena free list', () => {
  it('reuses freed blocks first fit, coalesces neighbours, lowers the top, refuses double frees', () => {
    const a = new Arena();
    const x = a.alloc(100);
    const y = a.alloc(200);
    const z = a.alloc(50);
    const top = a.used;
    a.free(y);
    expect(a.used).toBe(top);
    expect(a.alloc(150), 'a smaller block goes into the hole').toBe(y);
    const w = a.alloc(48);
    expect(w, 'the rest of the hole (208 - 160 = 48 bytes) is used next').toBe(y + 160);
    a.free(x);
    a.free(y);
    a.free(w);
    expect(a.alloc(320), 'x, y and w coalesced into one hole of 112 + 160 + 48 bytes').toBe(x);
    a.free(z);
    expect(() => a.free(z)).toThrow(/not a live block of this arena \(freed twice\?\)/);
    expect(() => a.free(12345)).toThrow(/not a live block/);
  });

  it('a block freed at the top lowers the top; marks and releases still work around holes', () => {
    const a = new Arena();
    const base = a.used;
    const p = a.alloc(64);
    const q = a.alloc(64);
    a.free(q);
    expect(a.used).toBe(base + 64);
    a.free(p);
    expect(a.used).toBe(base);
    const r = a.alloc(32);
    const s = a.alloc(32);
    a.free(r); // a hole below the mark
    const m = a.mark();
    const t = a.alloc(16);
    expect(t, 'inside a mark, blocks come from the top').toBe(m);
    a.release(m);
    expect(a.used).toBe(m);
    expect(a.alloc(16), 'after the release the hole is used again').toBe(r);
    a.free(s);
  });
});

describe('Sequential.dispose', () => {
  it('a sweep of 12 train/predict/dispose cycles does not grow memory', async () => {
    const rt = await loadRuntime({});
    const data = synthDataset(96, [28, 28, 1], 10, 3);
    const cycle = async (seed: number) => {
      const m = await zooModel('lenet5', { runtime: rt, seed, threads: 2 });
      await m.fit(data, { epochs: 1, validationSplit: 0.25 });
      m.predict(data.images.subarray(0, 5 * 784));
      m.evaluate(data);
      const bytes = serialize(m);
      m.dispose();
      const loaded = await modelFromSerialized(bytes, { runtime: rt });
      loaded.predict(data.images.subarray(0, 3 * 784));
      loaded.dispose();
    };
    await cycle(0);
    const used = rt.arena.used;
    const capacity = rt.arena.capacity;
    const live = rt.arena.liveBytes;
    for (let i = 1; i < 12; i++) await cycle(i);
    expect(rt.arena.capacity, 'wasm memory size after 12 cycles').toBe(capacity);
    expect(rt.arena.used).toBeLessThanOrEqual(used);
    expect(rt.arena.liveBytes).toBe(live);
  });

  it('a disposed model says so when used; dispose twice is harmless', async () => {
    const rt = await loadRuntime({});
    const m = await zooModel('lenet5', { runtime: rt, seed: 1 });
    m.dispose();
    m.dispose();
    expect(m.isDisposed).toBe(true);
    expect(() => m.predict(new Float32Array(784))).toThrow(/Sequential '.*': disposed; it cannot be used for predict/);
    await expect(m.fit(synthDataset(8, [28, 28, 1], 10, 1))).rejects.toThrow(/disposed/);
    expect(() => m.getWeights()).toThrow(/disposed/);
  });
});
