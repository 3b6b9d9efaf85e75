// Pure transforms over Datasets: standardise, one-hot, class subsets, slices, seeded shuffle,
// stratified validation split, class counts, concatenation.
//
// Every function returns NEW Datasets with their own arrays (copies, never views into the input)
// and never mutates its inputs, so a caller can keep using the original after any transform.
// Each checks its input Dataset first and throws a clear error for inconsistent fields.
// Browser-safe: no Node imports.

import { imageSize, type Dataset } from './dataset.js';
import { Mulberry32, permutation, shuffleInPlace } from './batcher.js';

/**
 * Throws if `d` is not self-consistent: positive integer sizes, images.length = count·H·W·C,
 * labels.length = count, every label in [0, numClasses), classNames (if any) numClasses long.
 * `where` names the caller in the message.
 */
export function checkDataset(d: Dataset, where = 'dataset'): void {
  const tag = `${where}: dataset '${d?.name}'`;
  if (!d || !(d.images instanceof Float32Array) || !(d.labels instanceof Int32Array)) {
    throw new TypeError(`${where}: expected a Dataset with images: Float32Array and labels: Int32Array`);
  }
  for (const k of ['height', 'width', 'channels', 'numClasses'] as const) {
    if (!Number.isInteger(d[k]) || d[k] < 1) throw new RangeError(`${tag}: ${k} must be a positive integer, got ${d[k]}`);
  }
  if (!Number.isInteger(d.count) || d.count < 0) throw new RangeError(`${tag}: count must be a non-negative integer, got ${d.count}`);
  const size = imageSize(d);
  if (d.images.length !== d.count * size) {
    throw new RangeError(`${tag}: images has ${d.images.length} values, expected count·H·W·C = ${d.count}·${d.height}·${d.width}·${d.channels} = ${d.count * size}`);
  }
  if (d.labels.length !== d.count) throw new RangeError(`${tag}: labels has ${d.labels.length} entries, expected count = ${d.count}`);
  for (let i = 0; i < d.count; i++) {
    const y = d.labels[i]!;
    if (y < 0 || y >= d.numClasses) throw new RangeError(`${tag}: label ${y} of sample ${i} is outside 0..${d.numClasses - 1}`);
  }
  if (d.classNames && d.classNames.length !== d.numClasses) {
    throw new RangeError(`${tag}: ${d.classNames.length} class names for ${d.numClasses} classes`);
  }
}

/** Same metadata as `d`, with new images/labels/count (and optionally other overrides). */
function withData(d: Dataset, images: Float32Array, labels: Int32Array, over: Partial<Dataset> = {}): Dataset {
  const out: Dataset = {
    name: d.name, images, labels, count: labels.length, height: d.height, width: d.width,
    channels: d.channels, numClasses: d.numClasses,
  };
  if (d.classNames) out.classNames = d.classNames.slice();
  return Object.assign(out, over);
}

/** The samples at `indices` (in that order), copied into a new Dataset. */
export function select(d: Dataset, indices: ArrayLike<number>, name = d.name): Dataset {
  checkDataset(d, 'select');
  const size = imageSize(d);
  const n = indices.length;
  const images = new Float32Array(n * size);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const s = indices[i]!;
    if (!Number.isInteger(s) || s < 0 || s >= d.count) {
      throw new RangeError(`select: index ${s} at position ${i} is outside 0..${d.count - 1} of '${d.name}'`);
    }
    images.set(d.images.subarray(s * size, (s + 1) * size), i * size);
    labels[i] = d.labels[s]!;
  }
  return withData(d, images, labels, { name });
}

/** Samples [start, end), clamped to the dataset like Array.prototype.slice (no negative indices). */
export function slice(d: Dataset, start: number, end = d.count): Dataset {
  checkDataset(d, 'slice');
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < 0) {
    throw new RangeError(`slice: expected non-negative integers start and end, got start ${start}, end ${end}`);
  }
  const a = Math.min(start, d.count);
  const b = Math.max(a, Math.min(end, d.count));
  const size = imageSize(d);
  return withData(d, d.images.slice(a * size, b * size), d.labels.slice(a, b));
}

/** The first n samples. Throws if the dataset has fewer than n (asking for more is usually a bug). */
export function take(d: Dataset, n: number): Dataset {
  checkDataset(d, 'take');
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`take: n must be a non-negative integer, got ${n}`);
  if (n > d.count) throw new RangeError(`take: asked for ${n} samples but '${d.name}' has only ${d.count}`);
  return slice(d, 0, n);
}

/** A copy of `d` in a random order determined by `seed` (mulberry32 + Fisher–Yates). */
export function shuffle(d: Dataset, seed: number): Dataset {
  checkDataset(d, 'shuffle');
  return select(d, permutation(d.count, seed));
}

/** How many samples each class has: Int32Array of length numClasses. */
export function classCounts(d: Dataset): Int32Array {
  checkDataset(d, 'classCounts');
  const c = new Int32Array(d.numClasses);
  for (let i = 0; i < d.count; i++) c[d.labels[i]!]!++;
  return c;
}

/**
 * Keeps only the samples whose label is in `classes` and relabels them 0..k-1 in the order given:
 * subsetByClasses(mnist, [3, 8]) has label 0 for the 3s and 1 for the 8s, numClasses 2, and class
 * names ['3', '8'] (or the original names, when the input has them). Sample order is kept.
 */
export function subsetByClasses(d: Dataset, classes: readonly number[]): Dataset {
  checkDataset(d, 'subsetByClasses');
  if (classes.length < 1) throw new RangeError('subsetByClasses: expected at least one class');
  const map = new Int32Array(d.numClasses).fill(-1);
  classes.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 0 || c >= d.numClasses) {
      throw new RangeError(`subsetByClasses: class ${c} is outside 0..${d.numClasses - 1} of '${d.name}'`);
    }
    if (map[c] !== -1) throw new RangeError(`subsetByClasses: class ${c} is listed twice in [${classes.join(', ')}]`);
    map[c] = i;
  });
  const keep: number[] = [];
  for (let i = 0; i < d.count; i++) if (map[d.labels[i]!] !== -1) keep.push(i);
  const out = select(d, keep, `${d.name} classes [${classes.join(', ')}]`);
  for (let i = 0; i < out.count; i++) out.labels[i] = map[out.labels[i]!]!;
  out.numClasses = classes.length;
  out.classNames = classes.map((c) => d.classNames?.[c] ?? String(c));
  return out;
}

/**
 * Stratified split. round(fraction·count) samples in total go to `validation`, spread over the
 * classes by the largest-remainder method: class c with n_c samples first gets floor(fraction·n_c),
 * then the slots still missing go one each to the classes with the largest fractional parts
 * fraction·n_c − floor(fraction·n_c) (equal parts: lower class index first). So the total is what
 * was asked for (rounding each class on its own can drift by up to half a sample per class), and
 * every class is within one sample of its exact share. Which members of a class are held out is
 * chosen at random (seeded, one shuffle per class in class order). Both parts keep the input's
 * relative order. Throws when either part would be empty.
 */
export function splitValidation(d: Dataset, fraction: number, seed: number): { train: Dataset; validation: Dataset } {
  checkDataset(d, 'splitValidation');
  if (typeof fraction !== 'number' || !(fraction > 0 && fraction < 1)) {
    throw new RangeError(`splitValidation: fraction must be in (0, 1), got ${fraction}`);
  }
  const byClass: number[][] = Array.from({ length: d.numClasses }, () => []);
  for (let i = 0; i < d.count; i++) byClass[d.labels[i]!]!.push(i);
  const nVal = validationQuotas(byClass.map((m) => m.length), fraction);
  const total = nVal.reduce((a, b) => a + b, 0);
  if (total === 0 || total === d.count) {
    throw new RangeError(`splitValidation: fraction ${fraction} of the ${d.count} samples of '${d.name}' would hold out ` +
      `${total} for validation and leave ${d.count - total} for training; both parts must be non-empty`);
  }
  const rng = new Mulberry32(seed);
  const isVal = new Uint8Array(d.count);
  byClass.forEach((members, c) => {
    const order = Int32Array.from(members);
    shuffleInPlace(order, rng);
    for (let k = 0; k < nVal[c]!; k++) isVal[order[k]!] = 1;
  });
  const tr: number[] = [];
  const va: number[] = [];
  for (let i = 0; i < d.count; i++) (isVal[i] ? va : tr).push(i);
  return {
    train: select(d, tr, `${d.name} (train part)`),
    validation: select(d, va, `${d.name} (validation ${+(fraction * 100).toFixed(2)}%)`),
  };
}

/**
 * Largest-remainder apportionment of round(fraction·Σn) slots over classes of sizes `sizes`.
 * fraction·n_c is a float product, so a floor and a remainder comparison each allow 1e-9 of
 * rounding error (0.29·100 = 28.999999999999996 floors to 29; 0.7·45 = 31.499999999999996 ties with 0.7·5).
 */
function validationQuotas(sizes: readonly number[], fraction: number): number[] {
  const EPS = 1e-9;
  const count = sizes.reduce((a, b) => a + b, 0);
  const quota = sizes.map((n) => Math.min(n, Math.floor(fraction * n + EPS)));
  const rem = sizes.map((n, c) => fraction * n - quota[c]!);
  let missing = Math.round(fraction * count) - quota.reduce((a, b) => a + b, 0);
  const order = sizes.map((_, c) => c)
    .filter((c) => quota[c]! < sizes[c]!)
    .sort((a, b) => (Math.abs(rem[a]! - rem[b]!) > EPS ? rem[b]! - rem[a]! : a - b));
  for (const c of order) {
    if (missing <= 0) break;
    quota[c]!++;
    missing--;
  }
  return quota;
}

export interface ChannelStats {
  /** Per-channel mean over every pixel of every image (length = channels). */
  mean: number[];
  /** Per-channel population standard deviation (divides by N). */
  std: number[];
}

/** Per-channel mean and standard deviation of `d`, accumulated in float64 (two passes). */
export function channelStats(d: Dataset): ChannelStats {
  checkDataset(d, 'channelStats');
  const C = d.channels;
  const n = d.images.length / C;
  if (n === 0) throw new RangeError(`channelStats: '${d.name}' is empty; cannot compute a mean`);
  const sum = new Float64Array(C);
  for (let i = 0; i < d.images.length; i++) sum[i % C]! += d.images[i]!;
  const mean = Array.from(sum, (s) => s / n);
  const sq = new Float64Array(C);
  for (let i = 0; i < d.images.length; i++) {
    const t = d.images[i]! - mean[i % C]!;
    sq[i % C]! += t * t;
  }
  return { mean, std: Array.from(sq, (s) => Math.sqrt(s / n)) };
}

/**
 * (x − mean[c]) / std[c] per channel c, computed in float64 and rounded to float32. A channel with
 * std 0 (constant) is only shifted (divided by 1), so it becomes all zeros rather than NaN.
 */
export function applyStandardize(d: Dataset, stats: ChannelStats): Dataset {
  checkDataset(d, 'applyStandardize');
  const C = d.channels;
  if (stats.mean.length !== C || stats.std.length !== C) {
    throw new RangeError(`applyStandardize: '${d.name}' has ${C} channels, stats have ${stats.mean.length} means and ${stats.std.length} stds`);
  }
  const div = stats.std.map((s, c) => {
    if (!(s >= 0) || !Number.isFinite(s)) throw new RangeError(`applyStandardize: std[${c}] = ${s}, expected a finite number ≥ 0`);
    return s === 0 ? 1 : s;
  });
  const out = new Float32Array(d.images.length);
  for (let i = 0; i < out.length; i++) {
    const c = i % C;
    out[i] = (d.images[i]! - stats.mean[c]!) / div[c]!;
  }
  return withData(d, out, d.labels.slice());
}

/**
 * Standardises `train` to per-channel mean 0 / std 1 and applies THE TRAINING statistics to every
 * dataset in `others` (validation, test), so no information leaks from them. Returns the new
 * datasets and the statistics (keep them to standardise inputs at inference time).
 */
export function standardize(train: Dataset, ...others: Dataset[]): { train: Dataset; others: Dataset[] } & ChannelStats {
  const stats = channelStats(train);
  others.forEach((o, i) => {
    if (o.channels !== train.channels) {
      throw new RangeError(`standardize: dataset ${i + 1} '${o.name}' has ${o.channels} channels, the training set '${train.name}' has ${train.channels}`);
    }
  });
  return {
    train: applyStandardize(train, stats),
    others: others.map((o) => applyStandardize(o, stats)),
    mean: stats.mean,
    std: stats.std,
  };
}

/** One-hot rows: out[i·numClasses + labels[i]] = 1, zeros elsewhere. */
export function oneHot(labels: Int32Array, numClasses: number): Float32Array {
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new RangeError(`oneHot: numClasses must be a positive integer, got ${numClasses}`);
  const out = new Float32Array(labels.length * numClasses);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    if (!Number.isInteger(y) || y < 0 || y >= numClasses) throw new RangeError(`oneHot: label ${y} at index ${i} is outside 0..${numClasses - 1}`);
    out[i * numClasses + y] = 1;
  }
  return out;
}

/** All samples of `parts`, in order, in one Dataset. They must agree on shape and classes. */
export function concat(parts: readonly Dataset[], name?: string): Dataset {
  const first = parts[0];
  if (!first) throw new RangeError('concat: expected at least one dataset');
  let n = 0;
  for (const p of parts) {
    checkDataset(p, 'concat');
    if (p.height !== first.height || p.width !== first.width || p.channels !== first.channels || p.numClasses !== first.numClasses) {
      throw new RangeError(`concat: '${p.name}' is ${p.height}x${p.width}x${p.channels} with ${p.numClasses} classes, ` +
        `'${first.name}' is ${first.height}x${first.width}x${first.channels} with ${first.numClasses}`);
    }
    n += p.count;
  }
  const size = imageSize(first);
  const images = new Float32Array(n * size);
  const labels = new Int32Array(n);
  let at = 0;
  for (const p of parts) {
    images.set(p.images, at * size);
    labels.set(p.labels, at);
    at += p.count;
  }
  return withData(first, images, labels, { name: name ?? parts.map((p) => p.name).join(' + ') });
}
