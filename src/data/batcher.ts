// Seeded shuffling for training: a small PRNG and an epoch permutation that reuses one Int32Array.
//
// PRNG: mulberry32 (Tommy Ettinger's 32-bit generator: add 0x6D2B79F5 to the state, then two
// xor-shift-multiply rounds). Period 2^32, passes the usual small-state statistical tests, one
// u32 of state, so a seed fully determines every later draw. It is for shuffling data, not for
// anything security related. Integers in [0, n) are drawn by rejection (no modulo bias).
//
// EpochOrder keeps `indices` (0..count-1) and Fisher–Yates shuffles it IN PLACE at the start of
// each epoch, continuing from the previous epoch's order. It allocates only in its constructor,
// so calling it every epoch (or reading batches out of it) creates no garbage.
//
// Browser-safe: no Node imports.

import { imageSize, type Dataset } from './dataset.js';

/** mulberry32: a seeded 32-bit generator. Same seed ⇒ same sequence. */
export class Mulberry32 {
  private state: number;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`Mulberry32: seed must be a finite number, got ${seed}`);
    this.state = seed >>> 0;
  }

  /** Next uniform u32 in [0, 2^32). */
  nextU32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Next uniform float in [0, 1) with 32 random bits. */
  nextFloat(): number {
    return this.nextU32() / 4294967296;
  }

  /**
   * Uniform integer in [0, n), 1 ≤ n ≤ 2^32. Rejects the top `2^32 mod n` values of the u32 range
   * so every result is exactly equally likely.
   */
  below(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 4294967296) {
      throw new RangeError(`Mulberry32.below: n must be an integer in [1, 2^32], got ${n}`);
    }
    const limit = 4294967296 - (4294967296 % n); // a multiple of n
    for (;;) {
      const r = this.nextU32();
      if (r < limit) return r % n;
    }
  }
}

/** Fisher–Yates (Durstenfeld) shuffle of `a` in place, using `rng`. Allocates nothing. */
export function shuffleInPlace(a: Int32Array, rng: Mulberry32): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

/** A fresh random permutation of 0..n-1, determined by `seed`. */
export function permutation(n: number, seed: number): Int32Array {
  checkCount(n, 'permutation');
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  shuffleInPlace(a, new Mulberry32(seed));
  return a;
}

/**
 * The sample order for each epoch. `next()` reshuffles `indices` in place and returns that same
 * array, so the caller can copy it (or slices of it) into wasm memory once per epoch.
 *
 *   const order = new EpochOrder(train.count, seed);
 *   for (let e = 0; e < epochs; e++) {
 *     const idx = order.next();                 // same Int32Array every epoch
 *     for (let b = 0; b < order.batchCount(B); b++) { ... idx[b*B .. min((b+1)*B, count)) ... }
 *   }
 */
export class EpochOrder {
  /** The current permutation of 0..count-1 (reused; contents change on every `next()`). */
  readonly indices: Int32Array;
  /** Epochs started so far (0 before the first `next()`). */
  epoch = 0;
  /** false: `next()` keeps the identity order (for evaluation or debugging). */
  readonly shuffle: boolean;
  private readonly rng: Mulberry32;

  constructor(readonly count: number, seed: number, options: { shuffle?: boolean } = {}) {
    checkCount(count, 'EpochOrder');
    this.indices = new Int32Array(count);
    for (let i = 0; i < count; i++) this.indices[i] = i;
    this.rng = new Mulberry32(seed);
    this.shuffle = options.shuffle ?? true;
  }

  /** Starts the next epoch: shuffles `indices` in place (unless shuffle is off) and returns it. */
  next(): Int32Array {
    if (this.shuffle) shuffleInPlace(this.indices, this.rng);
    this.epoch++;
    return this.indices;
  }

  /** Number of batches per epoch; with dropLast the final partial batch is skipped. */
  batchCount(batchSize: number, dropLast = false): number {
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`EpochOrder.batchCount: batchSize must be a positive integer, got ${batchSize}`);
    }
    return dropLast ? Math.floor(this.count / batchSize) : Math.ceil(this.count / batchSize);
  }
}

/**
 * Copies samples indices[start .. start+size) of `d` into `x` (at element offset xAt, NHWC rows
 * back to back) and their labels into `y` (at yAt). A plain copy loop: no views, no allocation.
 * For trainers that assemble batches in JS; the wasm `gather_rows` kernel does the same in memory.
 */
export function gatherBatch(
  d: Dataset, indices: Int32Array, start: number, size: number,
  x: Float32Array, xAt: number, y: Int32Array, yAt: number,
): void {
  const row = imageSize(d);
  if (!Number.isInteger(start) || !Number.isInteger(size) || start < 0 || size < 0 || start + size > indices.length) {
    throw new RangeError(`gatherBatch: batch [${start}, ${start + size}) is outside the ${indices.length} indices`);
  }
  if (xAt < 0 || xAt + size * row > x.length) {
    throw new RangeError(`gatherBatch: x needs ${size * row} floats from offset ${xAt}, has ${x.length}`);
  }
  if (yAt < 0 || yAt + size > y.length) {
    throw new RangeError(`gatherBatch: y needs ${size} labels from offset ${yAt}, has ${y.length}`);
  }
  const images = d.images;
  for (let b = 0; b < size; b++) {
    const s = indices[start + b]!;
    if (s < 0 || s >= d.count) throw new RangeError(`gatherBatch: index ${s} at position ${start + b} is outside 0..${d.count - 1}`);
    const src = s * row;
    const dst = xAt + b * row;
    for (let k = 0; k < row; k++) x[dst + k] = images[src + k]!;
    y[yAt + b] = d.labels[s]!;
  }
}

function checkCount(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) {
    throw new RangeError(`${what}: count must be an integer in [0, 2^31), got ${n}`);
  }
}
