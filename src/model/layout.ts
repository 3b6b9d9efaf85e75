// A memory layout built from one list of named regions (STYLE.md §5 "plan from one table"):
// regions are added with their byte sizes, laid out 16-byte aligned, and the whole block is
// reserved from the arena with ONE alloc, so sizes and offsets can never get out of sync and
// memory grows at most once per plan.

import type { Arena } from '../runtime/arena.js';

export type RegionKind = 'params' | 'grads' | 'optimizer' | 'state' | 'input' | 'activations' | 'caches' |
  'gradients' | 'scratch' | 'io' | 'geometry' | 'data' | 'tape';

interface Region { name: string; kind: RegionKind; rel: number; bytes: number }

const ALIGN = 16;

export class Layout {
  private readonly regions: Region[] = [];
  private size = 0;
  private base = -1;

  /** Adds a region; returns its index (resolve with `offset(i)` after `commit`). 0 bytes is allowed. */
  add(name: string, kind: RegionKind, bytes: number): number {
    if (!Number.isInteger(bytes) || bytes < 0) throw new RangeError(`Layout: region ${name} needs a whole byte count, got ${bytes}`);
    this.regions.push({ name, kind, rel: this.size, bytes });
    this.size += Math.ceil(bytes / ALIGN) * ALIGN;
    return this.regions.length - 1;
  }

  /** Total bytes (aligned). */
  get bytes(): number { return this.size; }

  /** Bytes per kind, for summaries. */
  byKind(): Partial<Record<RegionKind, number>> {
    const out: Partial<Record<RegionKind, number>> = {};
    for (const r of this.regions) out[r.kind] = (out[r.kind] ?? 0) + Math.ceil(r.bytes / ALIGN) * ALIGN;
    return out;
  }

  /** Reserves the block (one arena alloc) and zeroes it. */
  commit(arena: Arena, what: string): number {
    if (this.base >= 0) throw new Error(`Layout ${what}: already committed`);
    this.base = arena.alloc(Math.max(this.size, ALIGN), what);
    new Uint8Array(arena.memory.buffer, this.base, this.size).fill(0);
    return this.base;
  }

  offset(i: number): number {
    if (this.base < 0) throw new Error('Layout: offset() before commit()');
    return this.base + this.regions[i]!.rel;
  }
}
