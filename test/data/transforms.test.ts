// Pure dataset transforms: standardize (train stats applied to test), oneHot, subsetByClasses,
// stratified splitValidation (exact counts), shuffle, take/slice, concat, classCounts, and that no
// transform mutates its input.
import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/data/dataset.js';
import {
  applyStandardize, channelStats, checkDataset, classCounts, concat, oneHot, select, shuffle, slice,
  splitValidation, standardize, subsetByClasses, take,
} from '../../src/data/transforms.js';
import { makeRng } from '../helpers/rng.js';

/** n images h×w×c; channel k of image i is uniform in [lo_k, lo_k + span_k) (seeded). */
function randomSet(n: number, h: number, w: number, c: number, seed: number, lo: number[], span: number[], labels?: number[], numClasses = 10): Dataset {
  const rng = makeRng(seed);
  const images = new Float32Array(n * h * w * c);
  for (let i = 0; i < images.length; i++) images[i] = lo[i % c]! + span[i % c]! * rng();
  const lab = Int32Array.from(labels ?? Array.from({ length: n }, () => Math.floor(rng() * numClasses)));
  return { name: `random-${seed}`, images, labels: lab, count: n, height: h, width: w, channels: c, numClasses };
}

/**
 * A 1x1x1 set whose single pixel is the sample's own index, so any output sample can be traced
 * back to the input sample it came from. Labels as given.
 */
function indexedSet(labels: number[], numClasses: number): Dataset {
  return {
    name: 'indexed', images: Float32Array.from(labels, (_, i) => i), labels: Int32Array.from(labels),
    count: labels.length, height: 1, width: 1, channels: 1, numClasses,
  };
}

function snapshot(d: Dataset) {
  return { images: d.images.slice(), labels: d.labels.slice(), meta: JSON.stringify({ ...d, images: 0, labels: 0 }) };
}
function expectUnchanged(d: Dataset, s: ReturnType<typeof snapshot>): void {
  expect(d.images).toEqual(s.images);
  expect(d.labels).toEqual(s.labels);
  expect(JSON.stringify({ ...d, images: 0, labels: 0 })).toBe(s.meta);
}

/** Per-channel mean and population std of a dataset, in f64, written independently of src. */
function stats(d: Dataset): { mean: number[]; std: number[] } {
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < d.channels; c++) {
    let s = 0; let n = 0;
    for (let i = c; i < d.images.length; i += d.channels) { s += d.images[i]!; n++; }
    const m = s / n;
    let q = 0;
    for (let i = c; i < d.images.length; i += d.channels) q += (d.images[i]! - m) ** 2;
    mean.push(m); std.push(Math.sqrt(q / n));
  }
  return { mean, std };
}

describe('standardize', () => {
  const train = randomSet(60, 5, 3, 3, 1, [0, 10, -4], [1, 4, 0.5]);
  const test = randomSet(20, 5, 3, 3, 2, [0.5, 12, -4], [1, 4, 0.5]); // shifted channels 0 and 1

  it('train becomes mean 0 / std 1 per channel; the returned stats are the training stats', () => {
    const before = snapshot(train);
    const out = standardize(train, test);
    const want = stats(train);
    // Stats in f64 from the same f32 inputs: only summation order could differ (it does not here);
    // 1e-12 relative covers any reordering of 900 terms.
    for (let c = 0; c < 3; c++) {
      expect(Math.abs(out.mean[c]! - want.mean[c]!)).toBeLessThanOrEqual(1e-12 * Math.abs(want.mean[c]!) + 1e-15);
      expect(Math.abs(out.std[c]! - want.std[c]!)).toBeLessThanOrEqual(1e-12 * want.std[c]!);
    }
    const got = stats(out.train);
    // Each output is the f64 value rounded once to f32: error ≤ 2^-24·|z| ≤ 6e-8·2 for |z| ≤ 2
    // (uniform data: |z| ≤ √3). So the mean is off by ≤ 1.2e-7 and the std by about as much;
    // 1e-6 leaves room without hiding a real bug (using the wrong stats moves them by ≥ 1e-2).
    for (let c = 0; c < 3; c++) {
      expect(Math.abs(got.mean[c]!)).toBeLessThan(1e-6);
      expect(Math.abs(got.std[c]! - 1)).toBeLessThan(1e-6);
    }
    expectUnchanged(train, before);
  });

  it('test is transformed with the TRAINING mean/std (elementwise, exactly)', () => {
    const before = snapshot(test);
    const out = standardize(train, test);
    const t = out.others[0]!;
    expect(out.others.length).toBe(1);
    for (let i = 0; i < t.images.length; i++) {
      const c = i % 3;
      const want = Math.fround((test.images[i]! - out.mean[c]!) / out.std[c]!);
      if (t.images[i] !== want) throw new Error(`index ${i}: got ${t.images[i]} want ${want}`);
    }
    // So the standardized test mean is (testMean − trainMean)/trainStd, not 0: the shifted channels
    // 0 and 1 sit well above 0 (shift 0.5 on std 1/√12 ≈ 0.29, shift 2 on std 4/√12 ≈ 1.15, both
    // ≈ +1.7, minus sampling noise of order 0.1). Same 1e-6 rounding argument as above.
    const m = stats(t).mean;
    const raw = stats(test).mean;
    for (let c = 0; c < 3; c++) expect(Math.abs(m[c]! - (raw[c]! - out.mean[c]!) / out.std[c]!)).toBeLessThan(1e-6);
    expect(m[0]!).toBeGreaterThan(1);
    expect(m[1]!).toBeGreaterThan(1);
    expect(Math.abs(m[2]!)).toBeLessThan(0.5); // channel 2 has the same distribution in both sets
    expect(t.labels).toEqual(test.labels);
    expectUnchanged(test, before);
  });

  it('a constant channel becomes zeros, not NaN; wrong channel counts are refused', () => {
    const d = randomSet(4, 2, 2, 2, 3, [0.25, 0], [0, 1]);
    const out = standardize(d);
    expect(out.std[0]).toBe(0);
    for (let i = 0; i < out.train.images.length; i += 2) expect(out.train.images[i]).toBe(0);
    const gray = randomSet(4, 2, 2, 1, 4, [0], [1]);
    expect(() => standardize(d, gray)).toThrow("standardize: dataset 1 'random-4' has 1 channels, the training set 'random-3' has 2");
    expect(() => applyStandardize(gray, channelStats(d))).toThrow('has 1 channels, stats have 2 means');
  });
});

describe('oneHot', () => {
  it('sets one 1 per row', () => {
    expect(Array.from(oneHot(Int32Array.from([2, 0, 1]), 3))).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0]);
    expect(() => oneHot(Int32Array.from([0, 3]), 3)).toThrow('oneHot: label 3 at index 1 is outside 0..2');
  });
});

describe('subsetByClasses', () => {
  it('keeps the listed classes, in sample order, relabelled 0..k-1 in the order given', () => {
    const labels = [0, 1, 2, 3, 4, 3, 1, 0, 3];
    const d = indexedSet(labels, 5);
    const before = snapshot(d);
    const s = subsetByClasses(d, [3, 1]);
    expect(Array.from(s.images)).toEqual([1, 3, 5, 6, 8]); // the kept samples' original indices
    expect(Array.from(s.labels)).toEqual([1, 0, 0, 1, 0]); // 3 → 0, 1 → 1
    expect(s).toMatchObject({ count: 5, numClasses: 2, classNames: ['3', '1'], name: 'indexed classes [3, 1]' });
    checkDataset(s);
    expectUnchanged(d, before);
  });

  it('digits [0, 1] → a 2-class set; original class names carried over', () => {
    const d = { ...indexedSet([5, 0, 1, 1, 7, 0], 10), classNames: 'zero one two three four five six seven eight nine'.split(' ') };
    const s = subsetByClasses(d, [0, 1]);
    expect(Array.from(s.labels)).toEqual([0, 1, 1, 0]);
    expect(s.classNames).toEqual(['zero', 'one']);
    expect(d.classNames.length).toBe(10);
  });

  it('refuses duplicates, out-of-range and empty class lists', () => {
    const d = indexedSet([0, 1], 3);
    expect(() => subsetByClasses(d, [1, 1])).toThrow('class 1 is listed twice in [1, 1]');
    expect(() => subsetByClasses(d, [3])).toThrow("class 3 is outside 0..2 of 'indexed'");
    expect(() => subsetByClasses(d, [])).toThrow('expected at least one class');
  });
});

describe('splitValidation (stratified)', () => {
  // class sizes 10, 20, 30, 5, 0 (class 4 empty), labels interleaved
  const labels: number[] = [];
  const sizes = [10, 20, 30, 5, 0];
  for (let r = 0; r < 30; r++) sizes.forEach((n, c) => { if (r < n) labels.push(c); });
  const d = indexedSet(labels, 5);

  it('holds out round(fraction·count) in total, spread by largest remainder: exact counts', () => {
    const before = snapshot(d);
    // count 65; 0.2·65 = 13 = 2 + 4 + 6 + 1 + 0 exactly, no remainders to hand out.
    const { train, validation } = splitValidation(d, 0.2, 7);
    expect(Array.from(classCounts(validation))).toEqual([2, 4, 6, 1, 0]);
    expect(Array.from(classCounts(train))).toEqual([8, 16, 24, 4, 0]);
    // 0.3·65 = 19.5 → 20 in total. Floors 3, 6, 9, 1, 0 make 19; the one missing slot goes to the
    // only class with a fractional part (class 3: 0.3·5 = 1.5), so it gets 2.
    const v3 = splitValidation(d, 0.3, 7).validation;
    expect(Array.from(classCounts(v3))).toEqual([3, 6, 9, 2, 0]);
    expectUnchanged(d, before);
  });

  it('the total does not drift with many small classes (per-class rounding did)', () => {
    // 10 classes of 5 (n = 50), fraction 0.5: rounding each class gave round(2.5) = 3 each, 30 in
    // all. Now 25: floors of 2 each (20), and all ten remainders tie at 0.5, so the 5 missing
    // slots go to classes 0..4 (lowest index first).
    const d50 = indexedSet(Array.from({ length: 50 }, (_, i) => i % 10), 10);
    const s50 = splitValidation(d50, 0.5, 1);
    expect(s50.validation.count).toBe(25);
    expect(Array.from(classCounts(s50.validation))).toEqual([3, 3, 3, 3, 3, 2, 2, 2, 2, 2]);
    // 10 classes of 3 (n = 30), fraction 0.1: per class round(0.3) = 0 held out nothing. Now
    // round(3) = 3: floors 0, remainders all 0.3 (tied), so classes 0, 1, 2 give one each.
    const d30 = indexedSet(Array.from({ length: 30 }, (_, i) => i % 10), 10);
    const s30 = splitValidation(d30, 0.1, 1);
    expect(Array.from(classCounts(s30.validation))).toEqual([1, 1, 1, 0, 0, 0, 0, 0, 0, 0]);
    expect(s30.train.count).toBe(27);
    // Unequal remainders: classes 7, 3, 2 at fraction 0.5 → exact 3.5, 1.5, 1 → 6 in total;
    // floors 3, 1, 1 = 5, and the missing slot goes to class 0 (remainder 0.5 ties with class 1,
    // lower index wins; class 2 has none).
    const dU = indexedSet([...Array(7).fill(0), ...Array(3).fill(1), ...Array(2).fill(2)], 3);
    expect(Array.from(classCounts(splitValidation(dU, 0.5, 4).validation))).toEqual([4, 1, 1]);
    // A tie that floats hide: 0.7·45 = 31.5 and 0.7·5 = 3.5 tie at remainder 0.5, but in floats
    // 0.7·45 = 31.499999999999996. Total round(35) = 35, floors 31 + 3 = 34; the tie must still go
    // to class 0 by index (a plain float comparison would give [31, 4]).
    const dF = indexedSet([...Array(45).fill(0), ...Array(5).fill(1)], 2);
    expect(Array.from(classCounts(splitValidation(dF, 0.7, 4).validation))).toEqual([32, 3]);
  });

  it('throws, with the counts, when either part would be empty', () => {
    const d30 = indexedSet(Array.from({ length: 30 }, (_, i) => i % 10), 10);
    // round(0.01·30) = round(0.3) = 0
    expect(() => splitValidation(d30, 0.01, 1)).toThrow(
      "splitValidation: fraction 0.01 of the 30 samples of 'indexed' would hold out 0 for validation and leave 30 for training; both parts must be non-empty");
    // round(0.99·30) = round(29.7) = 30
    expect(() => splitValidation(d30, 0.99, 1)).toThrow('would hold out 30 for validation and leave 0 for training');
    expect(() => splitValidation(indexedSet([], 3), 0.5, 1)).toThrow('would hold out 0 for validation and leave 0 for training');
  });

  it('train and validation partition the input, keep its order, and keep each label with its image', () => {
    const { train, validation } = splitValidation(d, 0.25, 3);
    const ids = [...train.images, ...validation.images].sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: d.count }, (_, i) => i));
    for (const part of [train, validation]) {
      for (let i = 0; i < part.count; i++) {
        expect(part.labels[i]).toBe(d.labels[part.images[i]!]);
        if (i > 0) expect(part.images[i]!).toBeGreaterThan(part.images[i - 1]!);
      }
    }
  });

  it('is deterministic by seed, and the seed matters', () => {
    const a = splitValidation(d, 0.2, 99).validation.images;
    expect(splitValidation(d, 0.2, 99).validation.images).toEqual(a);
    expect(Array.from(splitValidation(d, 0.2, 100).validation.images)).not.toEqual(Array.from(a));
    // fraction 0 would leave the validation part empty, so it is now refused like 1.
    expect(() => splitValidation(d, 0, 1)).toThrow('fraction must be in (0, 1), got 0');
    expect(() => splitValidation(d, 1, 1)).toThrow('fraction must be in (0, 1), got 1');
  });
});

describe('shuffle, take, slice, select, concat, classCounts', () => {
  const d = indexedSet(Array.from({ length: 50 }, (_, i) => i % 7), 7);

  it('shuffle is a true permutation, deterministic by seed, pairs labels with images, leaves input alone', () => {
    const before = snapshot(d);
    const a = shuffle(d, 5);
    expect([...a.images].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    for (let i = 0; i < a.count; i++) expect(a.labels[i]).toBe(d.labels[a.images[i]!]);
    expect(shuffle(d, 5).images).toEqual(a.images);
    expect(Array.from(shuffle(d, 6).images)).not.toEqual(Array.from(a.images));
    expect(Array.from(a.images)).not.toEqual(Array.from(d.images));
    expectUnchanged(d, before);
  });

  it('take / slice copy the right range (not views)', () => {
    const t = take(d, 3);
    expect(Array.from(t.images)).toEqual([0, 1, 2]);
    t.images[0] = 99;
    expect(d.images[0]).toBe(0);
    expect(Array.from(slice(d, 48).images)).toEqual([48, 49]);
    expect(Array.from(slice(d, 10, 12).labels)).toEqual([3, 4]);
    expect(slice(d, 60).count).toBe(0);
    expect(slice(d, 10, 5).count).toBe(0);
    expect(() => slice(d, -1)).toThrow('slice: expected non-negative integers');
    expect(() => take(d, 51)).toThrow("take: asked for 51 samples but 'indexed' has only 50");
    expect(Array.from(select(d, [4, 4, 0]).images)).toEqual([4, 4, 0]);
    expect(() => select(d, [50])).toThrow('select: index 50 at position 0 is outside 0..49');
  });

  it('concat joins in order; classCounts counts', () => {
    const c = concat([take(d, 2), slice(d, 49)], 'joined');
    expect(Array.from(c.images)).toEqual([0, 1, 49]);
    expect(c.name).toBe('joined');
    expect(Array.from(classCounts(d))).toEqual([8, 7, 7, 7, 7, 7, 7]);
    expect(() => concat([d, indexedSet([0], 3)])).toThrow("concat: 'indexed' is 1x1x1 with 3 classes");
  });

  it('checkDataset names what is inconsistent', () => {
    expect(() => checkDataset({ ...d, count: 49 }, 'fit')).toThrow("fit: dataset 'indexed': images has 50 values, expected count·H·W·C = 49·1·1·1 = 49");
    expect(() => checkDataset({ ...d, labels: Int32Array.from(d.labels, (y) => (y === 6 ? 7 : y)) })).toThrow('label 7 of sample 6 is outside 0..6');
    expect(() => take({ ...d, numClasses: 0 }, 1)).toThrow("take: dataset 'indexed': numClasses must be a positive integer, got 0");
  });
});
