// IDX parsing: round trips for every element type, hand-written big-endian bytes, every
// corruption case with its message (file name + byte offset), and loadIdxDir on tiny files
// written to a temp directory (plain, gzip, '.'-named, missing, ambiguous).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeIdx, idxToDataset, parseIdx, type IdxType } from '../../src/data/idx.js';
import { loadIdxDir, pickIdxFile, readIdxFile } from '../../src/data/idx-node.js';
import { DataFormatError } from '../../src/data/errors.js';
import { makeRng } from '../helpers/rng.js';

let dir = '';
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'simdnet-idx-')); });
afterAll(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

/** Expects fn to throw a DataFormatError whose message contains every fragment. */
function expectFormatError(fn: () => unknown, file: string, offset: number, ...fragments: string[]): void {
  let err: unknown;
  try { fn(); } catch (e) { err = e; }
  expect(err, 'should throw').toBeInstanceOf(DataFormatError);
  const e = err as DataFormatError;
  expect(e.file).toBe(file);
  expect(e.offset).toBe(offset);
  expect(e.message).toContain(`${file}: at byte offset ${offset}:`);
  for (const f of fragments) expect(e.message).toContain(f);
}

/** A tiny MNIST-like pair: n images h x w of seeded random bytes, labels 0..9. */
function tinyPair(n: number, h: number, w: number, seed: number) {
  const rng = makeRng(seed);
  const px = Uint8Array.from({ length: n * h * w }, () => Math.floor(rng() * 256));
  const lab = Uint8Array.from({ length: n }, () => Math.floor(rng() * 10));
  return { px, lab, images: encodeIdx('u8', [n, h, w], px), labels: encodeIdx('u8', [n], lab) };
}

describe('parseIdx', () => {
  it('reads hand-written big-endian bytes (u8 labels and i16 matrix)', () => {
    // magic 00 00 08 01, count 3 (00 00 00 03), then the labels 7 0 9
    const labels = parseIdx(new Uint8Array([0, 0, 0x08, 1, 0, 0, 0, 3, 7, 0, 9]), 'hand-labels');
    expect(labels).toMatchObject({ file: 'hand-labels', type: 'u8', dims: [3], headerBytes: 8 });
    expect(Array.from(labels.data)).toEqual([7, 0, 9]);
    // i16 [2, 2]: 0x0102 = 258, 0xFFFE = -2, 0x8000 = -32768, 0x7FFF = 32767
    const m = parseIdx(new Uint8Array([0, 0, 0x0b, 2, 0, 0, 0, 2, 0, 0, 0, 2, 0x01, 0x02, 0xff, 0xfe, 0x80, 0x00, 0x7f, 0xff]));
    expect(m.type).toBe('i16');
    expect(m.dims).toEqual([2, 2]);
    expect(Array.from(m.data)).toEqual([258, -2, -32768, 32767]);
  });

  it('writes what it reads: encodeIdx matches hand-written bytes', () => {
    expect(Array.from(encodeIdx('u8', [3], [7, 0, 9]))).toEqual([0, 0, 0x08, 1, 0, 0, 0, 3, 7, 0, 9]);
    // f32 1.5 = 0x3FC00000 big-endian
    expect(Array.from(encodeIdx('f32', [1], [1.5]))).toEqual([0, 0, 0x0d, 1, 0, 0, 0, 1, 0x3f, 0xc0, 0, 0]);
  });

  const cases: { type: IdxType; gen: (r: () => number) => number }[] = [
    { type: 'u8', gen: (r) => Math.floor(r() * 256) },
    { type: 'i8', gen: (r) => Math.floor(r() * 256) - 128 },
    { type: 'i16', gen: (r) => Math.floor(r() * 65536) - 32768 },
    { type: 'i32', gen: (r) => Math.floor(r() * 4294967296) - 2147483648 },
    { type: 'f32', gen: (r) => Math.fround((r() - 0.5) * 1e6) },
    { type: 'f64', gen: (r) => (r() - 0.5) * 1e300 },
  ];
  for (const { type, gen } of cases) {
    it(`round trip ${type} [3, 5, 7] (exact)`, () => {
      const rng = makeRng(11);
      const values = Array.from({ length: 3 * 5 * 7 }, () => gen(rng));
      const bytes = encodeIdx(type, [3, 5, 7], values);
      expect(bytes.length).toBe(16 + values.length * ({ u8: 1, i8: 1, i16: 2, i32: 4, f32: 4, f64: 8 } as const)[type]);
      const a = parseIdx(bytes, `rt.${type}`);
      expect(a.type).toBe(type);
      expect(a.dims).toEqual([3, 5, 7]);
      expect(Array.from(a.data)).toEqual(values); // integers and f32/f64 values survive exactly
    });
  }

  it('parses from a Uint8Array that sits at an odd offset in a larger buffer', () => {
    const inner = encodeIdx('i32', [2], [-5, 123456789]);
    const big = new Uint8Array(inner.length + 3);
    big.set(inner, 3);
    expect(Array.from(parseIdx(big.subarray(3), 'offset').data)).toEqual([-5, 123456789]);
  });

  describe('corrupt files name the file, the byte offset and what was expected', () => {
    const f = 'train-images-idx3-ubyte';
    it('shorter than the 4-byte magic', () => {
      expectFormatError(() => parseIdx(new Uint8Array([0, 0, 8]), f), f, 3, 'truncated header', 'expected at least 4');
    });
    it('gzip data', () => {
      expectFormatError(() => parseIdx(gzipSync(encodeIdx('u8', [1], [1])), f), f, 0, 'gzip', 'decompress');
    });
    it('non-zero magic bytes', () => {
      expectFormatError(() => parseIdx(new Uint8Array([0x01, 0, 8, 1, 0, 0, 0, 0]), f), f, 0, 'bad magic', 'expected 0x00 0x00', '0x01 0x00 0x08 0x01');
    });
    it('unknown element type', () => {
      expectFormatError(() => parseIdx(new Uint8Array([0, 0, 0x07, 1, 0, 0, 0, 0]), f), f, 2, 'unknown element type 0x07', '0x08 (u8)');
    });
    it('zero dimensions', () => {
      expectFormatError(() => parseIdx(new Uint8Array([0, 0, 8, 0]), f), f, 3, 'dimension count is 0');
    });
    it('header cut inside the dimension sizes', () => {
      const b = encodeIdx('u8', [2, 2, 2], new Array(8).fill(0)).subarray(0, 10);
      expectFormatError(() => parseIdx(b, f), f, 10, 'truncated header', '16-byte header', 'only 10 bytes');
    });
    it('data cut short', () => {
      const b = encodeIdx('u8', [2, 3, 3], new Array(18).fill(1)).subarray(0, 16 + 17);
      expectFormatError(() => parseIdx(b, f), f, 33, 'truncated data', 'needs 18 bytes', 'found 17');
    });
    it('wide types: data cut inside an element', () => {
      const b = encodeIdx('f64', [2], [1, 2]).subarray(0, 8 + 12);
      expectFormatError(() => parseIdx(b, f), f, 20, 'truncated data', 'f64 [2] needs 16 bytes');
    });
    it('trailing bytes after the data', () => {
      const ok = encodeIdx('u8', [2, 2], [1, 2, 3, 4]);
      const b = new Uint8Array(ok.length + 5);
      b.set(ok);
      expectFormatError(() => parseIdx(b, f), f, 16, '5 unexpected trailing bytes');
    });
  });
});

describe('idxToDataset', () => {
  it('pairs images and labels and scales pixels by 1/255', () => {
    const { px, lab, images, labels } = tinyPair(4, 3, 5, 1);
    const d = idxToDataset(parseIdx(images, 'im'), parseIdx(labels, 'lb'), 'tiny');
    expect(d).toMatchObject({ name: 'tiny', count: 4, height: 3, width: 5, channels: 1, numClasses: 10 });
    expect(Array.from(d.labels)).toEqual(Array.from(lab));
    // each value is the f32 nearest k/255 (exact: both sides round the same double once)
    expect(Array.from(d.images)).toEqual(Array.from(px, (k) => Math.fround(k / 255)));
    expect(d.images[0]).toBe(Math.fround(px[0]! / 255));
  });

  it('4-d images give channels; count option converts a prefix', () => {
    const px = Array.from({ length: 3 * 2 * 2 * 3 }, (_, i) => i);
    const d = idxToDataset(parseIdx(encodeIdx('u8', [3, 2, 2, 3], px)), parseIdx(encodeIdx('u8', [3], [0, 1, 2])), 'rgb', { count: 2 });
    expect(d).toMatchObject({ count: 2, height: 2, width: 2, channels: 3 });
    expect(d.images.length).toBe(24);
    expect(d.images[23]).toBe(Math.fround(23 / 255));
  });

  it('image and label counts that disagree', () => {
    const { images } = tinyPair(4, 2, 2, 2);
    const labels = encodeIdx('u8', [3], [1, 2, 3]);
    expectFormatError(() => idxToDataset(parseIdx(images, 'a-images'), parseIdx(labels, 'a-labels'), 'x'),
      'a-labels', 4, 'label count 3 disagrees with the image count 4 in a-images');
  });

  it('label ≥ numClasses names the label byte', () => {
    const { images } = tinyPair(4, 2, 2, 3);
    const labels = encodeIdx('u8', [4], [1, 2, 10, 3]);
    expectFormatError(() => idxToDataset(parseIdx(images, 'im'), parseIdx(labels, 'lb'), 'x'),
      'lb', 8 + 2, 'label 10 of sample 2', 'expected 0..9');
    // with numClasses 11 the same file is fine; i16 labels: offset counts 2 bytes per label
    expect(idxToDataset(parseIdx(images), parseIdx(labels), 'x', { numClasses: 11 }).labels[2]).toBe(10);
    const wide = encodeIdx('i16', [4], [0, 1, 2, -1]);
    expectFormatError(() => idxToDataset(parseIdx(images, 'im'), parseIdx(wide, 'wide'), 'x'), 'wide', 8 + 3 * 2, 'label -1 of sample 3');
  });

  it('wrong element types and dimension counts', () => {
    const lab = parseIdx(encodeIdx('u8', [2], [0, 1]), 'lb');
    expectFormatError(() => idxToDataset(parseIdx(encodeIdx('f32', [2, 1, 1], [0, 1]), 'fimg'), lab, 'x'), 'fimg', 2, 'images are f32, expected u8');
    expectFormatError(() => idxToDataset(parseIdx(encodeIdx('u8', [2, 4], new Array(8).fill(0)), 'flat'), lab, 'x'), 'flat', 3, 'images have 2 dimensions [2, 4], expected 3');
    const img = parseIdx(encodeIdx('u8', [2, 1, 1], [0, 1]), 'img');
    expectFormatError(() => idxToDataset(img, parseIdx(encodeIdx('u8', [2, 1], [0, 1]), 'lb2'), 'x'), 'lb2', 3, 'labels have 2 dimensions');
    expectFormatError(() => idxToDataset(img, parseIdx(encodeIdx('f64', [2], [0, 1]), 'lbf'), 'x'), 'lbf', 2, 'labels are f64, expected an integer type');
  });
});

describe('loadIdxDir', () => {
  async function writePair(sub: string, names: [string, string, string, string], gz = false) {
    const d = join(dir, sub);
    await mkdir(d, { recursive: true });
    const tr = tinyPair(6, 4, 3, 21);
    const te = tinyPair(2, 4, 3, 22);
    const data = [tr.images, tr.labels, te.images, te.labels];
    await Promise.all(names.map((n, i) => writeFile(join(d, n), gz ? gzipSync(data[i]!) : data[i]!)));
    return { d, tr, te };
  }

  it('MNIST names, uncompressed', async () => {
    const { d, tr, te } = await writePair('plain', ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']);
    const s = await loadIdxDir(d);
    expect(s.train).toMatchObject({ count: 6, height: 4, width: 3, channels: 1, name: `idx:${d} train` });
    expect(s.test.count).toBe(2);
    expect(Array.from(s.train.labels)).toEqual(Array.from(tr.lab));
    expect(Array.from(s.test.images)).toEqual(Array.from(te.px, (k) => Math.fround(k / 255)));
  });

  it("Fashion-MNIST .gz files and the '.' name variant", async () => {
    const a = await writePair('gz', ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'], true);
    const b = await writePair('dot', ['train-images.idx3-ubyte', 'train-labels.idx1-ubyte', 't10k-images.idx3-ubyte', 't10k-labels.idx1-ubyte']);
    const sa = await loadIdxDir(a.d, { trainCount: 5 });
    const sb = await loadIdxDir(b.d);
    expect(sa.train.count).toBe(5);
    expect(Array.from(sa.train.labels)).toEqual(Array.from(a.tr.lab.subarray(0, 5)));
    expect(Array.from(sb.test.labels)).toEqual(Array.from(b.te.lab));
  });

  it('errors in a gzipped file say "(decompressed)" and give the offset in the decompressed bytes', async () => {
    const p = join(dir, 'bad-idx1-ubyte.gz');
    await writeFile(p, gzipSync(encodeIdx('u8', [5], [1, 2, 3, 4, 5]).subarray(0, 11)));
    await expect(readIdxFile(p)).rejects.toThrow(`${p} (decompressed): at byte offset 11: truncated data`);
  });

  it('missing and ambiguous files', async () => {
    const d = join(dir, 'partial');
    await mkdir(d);
    await writeFile(join(d, 'train-images-idx3-ubyte'), encodeIdx('u8', [1, 1, 1], [0]));
    await expect(loadIdxDir(d)).rejects.toThrow(/no train labels file in .*partial; expected a name like train-labels-idx1-ubyte.*Files there: train-images-idx3-ubyte/);
    const names = ['train-images-idx3-ubyte', 'train-images-idx3-ubyte.gz', 'emnist-letters-train-images-idx3-ubyte'];
    expect(() => pickIdxFile('D', names, 'train images')).toThrow('more than one train images file in D: train-images-idx3-ubyte, emnist-letters-train-images-idx3-ubyte');
    expect(pickIdxFile('D', names.slice(0, 2), 'train images')).toBe('train-images-idx3-ubyte'); // plain beats .gz
    expect(pickIdxFile('D', ['emnist-digits-test-labels-idx1-ubyte'], 'test labels')).toBe('emnist-digits-test-labels-idx1-ubyte');
    expect(() => pickIdxFile('D', ['mytrain-images-idx3-ubyte'], 'train images')).toThrow('no train images file');
    await expect(loadIdxDir(join(dir, 'nope'))).rejects.toThrow('loadIdxDir: cannot read directory');
  });

  it('a corrupt file on disk: the error names its path', async () => {
    const { d } = await writePair('corrupt', ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']);
    await writeFile(join(d, 't10k-labels-idx1-ubyte'), encodeIdx('u8', [3], [1, 2, 3])); // 3 labels for 2 images
    await expect(loadIdxDir(d)).rejects.toThrow(`${join(d, 't10k-labels-idx1-ubyte')}: at byte offset 4: label count 3 disagrees with the image count 2`);
  });
});
