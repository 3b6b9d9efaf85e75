// Review: the arena's free list and marks. No two live blocks may overlap, and no hole may
// reach past the top, whatever the interleaving of alloc, free, mark and release.
import { describe, expect, it } from 'vitest';
import { Arena } from '../../src/runtime/arena.js';

function liveBlocks(a: Arena): [number, number][] {
  return [...(a as unknown as { live: Map<number, number> }).live.entries()].sort((x, y) => x[0] - y[0]);
}
function expectDisjoint(a: Arena): void {
  const b = liveBlocks(a);
  for (let i = 1; i < b.length; i++) expect(b[i - 1]![0] + b[i - 1]![1], `block at ${b[i]![0]} overlaps the one before`).toBeLessThanOrEqual(b[i]![0]);
  for (const [at, n] of b) expect(at + n).toBeLessThanOrEqual(a.used);
}

describe('arena free list with marks', () => {
  it('a block from before a mark and one from after it, both freed, then release: later allocations do not overlap', () => {
    const a = new Arena();
    const p = a.alloc(32, 'before the mark');
    const m = a.mark();
    const q = a.alloc(32, 'after the mark');
    a.free(p);
    a.free(q); // coalesced with p's hole: one hole [p, q + 32) that straddles the mark
    a.release(m);
    const x = a.alloc(64, 'x'); // first fit: the straddling hole, [p, p + 64)
    const y = a.alloc(32, 'y'); // from the top, which release set to the mark = p + 32
    expect({ x, y, overlap: y < x + 64 && x < y + 32 }).toEqual({ x, y, overlap: false });
    expectDisjoint(a);
  });

  it('random interleavings keep live blocks disjoint (pins the property)', () => {
    let seed = 7;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let trial = 0; trial < 200; trial++) {
      const a = new Arena();
      const live: number[] = [];
      const marks: number[] = [];
      for (let step = 0; step < 60; step++) {
        const r = rnd();
        if (r < 0.45) live.push(a.alloc(16 * (1 + Math.floor(rnd() * 8))));
        else if (r < 0.75 && live.length > 0) a.free(live.splice(Math.floor(rnd() * live.length), 1)[0]!);
        else if (r < 0.85) marks.push(a.mark());
        else if (marks.length > 0) {
          const m = marks.pop()!;
          a.release(m);
          for (let i = live.length - 1; i >= 0; i--) if (live[i]! >= m) live.splice(i, 1);
        }
        expectDisjoint(a);
      }
    }
  });
});
