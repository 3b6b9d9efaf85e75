// Seeded PRNG and epoch permutations: the generator matches the reference mulberry32, integers
// are unbiased, Fisher–Yates reaches every permutation equally often, EpochOrder reuses its array.
import { describe, expect, it } from 'vitest';
import { EpochOrder, Mulberry32, gatherBatch, permutation, shuffleInPlace } from '../../src/data/batcher.js';
import type { Dataset } from '../../src/data/dataset.js';
import { makeRng } from '../helpers/rng.js';

function isPermutation(a: Int32Array): boolean {
  const seen = new Uint8Array(a.length);
  for (const v of a) {
    if (v < 0 || v >= a.length || seen[v]) return false;
    seen[v] = 1;
  }
  return true;
}

/** Draws counted into `k` bins must each be within 5 standard deviations of n/k (binomial). */
function expectUniform(counts: number[], n: number, what: string): void {
  const p = 1 / counts.length;
  const sigma = Math.sqrt(n * p * (1 - p));
  // 5σ: with a fixed seed this is deterministic; a fair generator sits within it with probability
  // > 1 − 1e-5 per bin, while a biased one (e.g. Sattolo's j < i, which never leaves an element in
  // place, or modulo bias on small n) lands tens of σ away.
  counts.forEach((c, i) => {
    if (Math.abs(c - n * p) > 5 * sigma) throw new Error(`${what}: bin ${i} has ${c}, want ${n * p} ± ${(5 * sigma).toFixed(0)}`);
  });
}

describe('Mulberry32', () => {
  it('produces the same stream as the reference mulberry32 in test/helpers/rng.ts', () => {
    for (const seed of [0, 1, 42, 0xdeadbeef]) {
      const a = new Mulberry32(seed);
      const b = makeRng(seed);
      for (let i = 0; i < 1000; i++) expect(a.nextFloat()).toBe(b());
    }
  });

  it('below(n) stays in range and is uniform (n = 6, 60000 draws; n = 3·2^30 to expose modulo bias)', () => {
    const r = new Mulberry32(7);
    const counts = [0, 0, 0, 0, 0, 0];
    for (let i = 0; i < 60000; i++) counts[r.below(6)]!++;
    expectUniform(counts, 60000, 'below(6)');
    // n = 3·2^30: 2^32 mod n = 2^30, so plain (u32 % n) would put values < 2^30 twice as often
    // (half of all draws instead of a third). Count draws below 2^30.
    const n = 3 * 2 ** 30;
    const low = [0, 0];
    for (let i = 0; i < 30000; i++) {
      const v = r.below(n);
      expect(v).toBeLessThan(n);
      low[v < 2 ** 30 ? 0 : 1]!++;
    }
    expect(Math.abs(low[0]! - 10000)).toBeLessThan(5 * Math.sqrt(30000 * (1 / 3) * (2 / 3)));
    expect(() => r.below(0)).toThrow('n must be an integer in [1, 2^32], got 0');
  });
});

describe('permutations', () => {
  it('Fisher–Yates reaches all 6 orders of 3 items equally often (60000 shuffles)', () => {
    const rng = new Mulberry32(2024);
    const a = new Int32Array(3);
    const counts = new Map<string, number>();
    for (let t = 0; t < 60000; t++) {
      a.set([0, 1, 2]);
      shuffleInPlace(a, rng);
      counts.set(a.join(''), (counts.get(a.join('')) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(['012', '021', '102', '120', '201', '210']);
    expectUniform([...counts.values()], 60000, 'permutations of 3');
  });

  it('permutation(n, seed) is a true permutation and deterministic by seed', () => {
    const p = permutation(1000, 3);
    expect(isPermutation(p)).toBe(true);
    expect(permutation(1000, 3)).toEqual(p);
    expect(permutation(1000, 4)).not.toEqual(p);
    expect(permutation(0, 1).length).toBe(0);
    expect(Array.from(permutation(1, 1))).toEqual([0]);
  });
});

describe('EpochOrder', () => {
  it('reshuffles the same Int32Array every epoch; every epoch is a permutation; epochs differ', () => {
    const o = new EpochOrder(100, 11);
    const first = o.next();
    const copy1 = first.slice();
    const second = o.next();
    expect(second).toBe(first); // same object: no allocation per epoch
    expect(o.indices).toBe(first);
    expect(isPermutation(copy1)).toBe(true);
    expect(isPermutation(second)).toBe(true);
    expect(Array.from(second)).not.toEqual(Array.from(copy1));
    expect(o.epoch).toBe(2);
  });

  it('two orders with the same seed give the same epochs; shuffle:false keeps identity', () => {
    const a = new EpochOrder(57, 5);
    const b = new EpochOrder(57, 5);
    for (let e = 0; e < 4; e++) expect(Array.from(a.next())).toEqual(Array.from(b.next()));
    const id = new EpochOrder(5, 5, { shuffle: false });
    expect(Array.from(id.next())).toEqual([0, 1, 2, 3, 4]);
  });

  it('batchCount with and without the last partial batch', () => {
    const o = new EpochOrder(10, 1);
    expect(o.batchCount(3)).toBe(4);
    expect(o.batchCount(3, true)).toBe(3);
    expect(o.batchCount(10)).toBe(1);
    expect(() => o.batchCount(0)).toThrow('batchSize must be a positive integer, got 0');
    expect(() => new EpochOrder(-1, 1)).toThrow('EpochOrder: count must be an integer');
  });
});

describe('gatherBatch', () => {
  const d: Dataset = {
    name: 'g', images: Float32Array.from({ length: 5 * 2 }, (_, i) => i), labels: Int32Array.from([0, 1, 2, 0, 1]),
    count: 5, height: 1, width: 2, channels: 1, numClasses: 3,
  };

  it('copies the images and labels of indices[start..start+size) to the given offsets', () => {
    const x = new Float32Array(8).fill(-1);
    const y = new Int32Array(4).fill(-1);
    gatherBatch(d, Int32Array.from([4, 0, 3, 2]), 1, 3, x, 2, y, 1);
    expect(Array.from(x)).toEqual([-1, -1, 0, 1, 6, 7, 4, 5]);
    expect(Array.from(y)).toEqual([-1, 0, 0, 2]);
  });

  it('refuses batches or outputs that do not fit', () => {
    const idx = Int32Array.from([0, 1, 9]);
    expect(() => gatherBatch(d, idx, 2, 2, new Float32Array(4), 0, new Int32Array(2), 0)).toThrow('batch [2, 4) is outside the 3 indices');
    expect(() => gatherBatch(d, idx, 0, 2, new Float32Array(3), 0, new Int32Array(2), 0)).toThrow('x needs 4 floats from offset 0, has 3');
    expect(() => gatherBatch(d, idx, 2, 1, new Float32Array(2), 0, new Int32Array(1), 0)).toThrow('index 9 at position 2 is outside 0..4');
  });
});

describe('browser-safe files', () => {
  it('src/data files not named *-node.ts import nothing from Node', async () => {
    const { readdir, readFile } = await import('node:fs/promises');
    const dir = new URL('../../src/data/', import.meta.url);
    const files = (await readdir(dir)).filter((f) => f.endsWith('.ts') && !f.endsWith('-node.ts'));
    expect(files).toContain('idx.ts');
    expect(files).toContain('transforms.ts');
    for (const f of files) {
      const src = await readFile(new URL(f, dir), 'utf8');
      const imports = [...src.matchAll(/from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)|require\(/g)].map((m) => m[1] ?? m[2] ?? 'require(');
      for (const spec of imports) {
        // only relative imports of other browser-safe files are allowed
        if (!spec.startsWith('./') || spec.endsWith('-node.js')) throw new Error(`${f} imports '${spec}', which is not browser-safe`);
      }
      expect(src, f).not.toMatch(/\bprocess\.|\bBuffer\b/);
    }
  });
});
