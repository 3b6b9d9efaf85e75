// Training-time augmentation: random shifts of whole pixels, computed in wasm while a batch is
// gathered (the gather_rows_shift kernel, assembly/data/naive.ts), so a step allocates nothing.
//
// Randomness is a pure function of (seed, epoch, sample): epoch e's key is shiftKey(seed, e) and
// sample s moves by sampleShift(key, s, maxShift). The same sample in the same epoch moves the
// same way however batches are cut, on any thread count, and in a resumed run (which restores
// the epoch count). Pixels shifted in from outside the image take the value a blank input pixel
// (0) has after the model's normalization. Browser-safe.

import { shown } from '../util/format.js';

export interface AugmentOptions {
  /** Largest shift in pixels along each axis (a shift is uniform in [−shift, shift]²); 0 = none. */
  shift?: number;
}

/** MurmurHash3's 32-bit finaliser, as the kernel has it. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The key of one epoch's shifts: a hash of the seed and the epoch number (0-based, across fit calls). */
export function shiftKey(seed: number, epoch: number): number {
  return fmix32(fmix32(seed >>> 0) ^ Math.imul(epoch + 1, 0x9e3779b9));
}

/** The shift (dy, dx) of sample `s` under `key`: the kernel's formula, for tests and inspection. */
export function sampleShift(key: number, s: number, maxShift: number): { dy: number; dx: number } {
  const h = fmix32((key ^ Math.imul(s, 0x9e3779b9)) >>> 0);
  const S = 2 * maxShift + 1;
  return { dx: Math.floor(((h & 0xffff) * S) / 65536) - maxShift, dy: Math.floor(((h >>> 16) * S) / 65536) - maxShift };
}

/** The checked maximum shift of `a` (0 when absent), for an image input of H×W. */
export function checkAugment(a: AugmentOptions | undefined, inputShape: readonly number[], where: string): number {
  if (a === undefined) return 0;
  if (a === null || typeof a !== 'object') throw new TypeError(`${where}: augment must be an object like { shift: 2 }, got ${shown(a)}`);
  for (const k of Object.keys(a)) {
    if (k !== 'shift') throw new RangeError(`${where}: augment has an unknown option '${k}'; the only one is 'shift'`);
  }
  const s = a.shift ?? 0;
  if (!Number.isInteger(s) || s < 0 || s > 64) throw new RangeError(`${where}: augment.shift must be an integer number of pixels in [0, 64], got ${shown(a.shift)}`);
  if (s > 0 && inputShape.length !== 3) {
    throw new RangeError(`${where}: augment.shift needs an image input [H, W, C]; this model takes [${inputShape.join(', ')}]`);
  }
  return s;
}
