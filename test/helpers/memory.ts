// Putting test data into the shared wasm memory, and guard words that catch out-of-bounds writes.
import type { Runtime } from '../../src/runtime/load.js';

/** Copies `data` into a fresh f32 buffer (at least one slot) and returns its offset. */
export function putF32(rt: Runtime, data: ArrayLike<number>): number {
  const p = rt.arena.allocF32(Math.max(data.length, 1));
  rt.arena.f32(p, data.length).set(data);
  return p;
}

/** Copies `data` into a fresh i32 buffer (at least one slot) and returns its offset. */
export function putI32(rt: Runtime, data: ArrayLike<number>): number {
  const p = rt.arena.alloc(Math.max(data.length, 1) * 4);
  rt.arena.i32(p, data.length).set(data);
  return p;
}

/** Writes `values` as f32 at p and returns the f32-rounded copy (what the kernels see). */
export function writeF32(rt: Runtime, p: number, values: ArrayLike<number>): Float32Array {
  const view = rt.arena.f32(p, values.length);
  view.set(values);
  return Float32Array.from(view);
}

export const GUARD = 4; // u32 sentinels before and after every guarded region
export const SENTINEL = 0x7fc0dead; // a NaN bit pattern no kernel produces

/**
 * Allocates n 4-byte slots with GUARD sentinels on both sides, `skew` bytes past 16-alignment.
 * The default NaN sentinel catches stores of computed values, but not a stray accumulation
 * `guard += other guard`: NaN + NaN keeps the first NaN's payload. Accumulating kernels whose
 * inputs are guarded too pass finite, distinct sentinels (e.g. the bits of 1.5 and 0.25).
 */
export function allocGuarded(rt: Runtime, n: number, skew: number, sentinel = SENTINEL): number {
  const base = rt.arena.alloc((n + 2 * GUARD) * 4 + 16, 'guarded');
  const p = base + GUARD * 4 + skew;
  const u = new Uint32Array(rt.arena.memory.buffer, p - GUARD * 4, n + 2 * GUARD);
  u.fill(sentinel, 0, GUARD);
  u.fill(sentinel, GUARD + n);
  return p;
}

/** Throws, naming the slot, if anything was written into the guards around [p, p + 4n). */
export function expectGuardsIntact(rt: Runtime, p: number, n: number, label: string, sentinel = SENTINEL): void {
  const before = new Uint32Array(rt.arena.memory.buffer, p - GUARD * 4, GUARD);
  const after = new Uint32Array(rt.arena.memory.buffer, p + n * 4, GUARD);
  for (let i = 0; i < GUARD; i++) {
    if (before[i] !== sentinel) throw new Error(`${label}: wrote ${GUARD - i} slot(s) before the region`);
    if (after[i] !== sentinel) throw new Error(`${label}: wrote slot ${n + i} past the end of the region (${n} slots)`);
  }
}
