// CIFAR-10 binary batches: exact R,G,B plane → NHWC mapping on 3 hand-built records, size and
// label errors with file name + byte offset, and loadCifarDir on tiny batches in a temp dir.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CIFAR10_CLASSES, CIFAR_RECORD_BYTES, parseCifarBatch } from '../../src/data/cifar.js';
import { loadCifarDir } from '../../src/data/cifar-node.js';
import { DataFormatError } from '../../src/data/errors.js';

/** The byte the test puts at record r, channel c, row y, column x; it changes if channels, records or x and y are swapped. */
function pixel(r: number, c: number, y: number, x: number): number {
  return (r * 50 + c * 85 + y * 7 + x * 3) % 256;
}

/** Builds records by the spec: label byte, then the R plane, G plane, B plane, each 32x32 row-major. */
function buildBatch(labels: number[], pix = pixel): Uint8Array {
  const out = new Uint8Array(labels.length * 3073);
  labels.forEach((label, r) => {
    const rec = r * 3073;
    out[rec] = label;
    for (let c = 0; c < 3; c++) for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) {
      out[rec + 1 + c * 1024 + y * 32 + x] = pix(r, c, y, x);
    }
  });
  return out;
}

function caught(fn: () => unknown): DataFormatError {
  try { fn(); } catch (e) { expect(e).toBeInstanceOf(DataFormatError); return e as DataFormatError; }
  throw new Error('expected a DataFormatError');
}

describe('parseCifarBatch', () => {
  it('3 records: labels, and R,G,B planes land in NHWC [n,32,32,3] exactly (value/255)', () => {
    const bytes = buildBatch([3, 0, 9]);
    expect(CIFAR_RECORD_BYTES).toBe(3073);
    const d = parseCifarBatch(bytes, 'three.bin');
    expect(d).toMatchObject({ count: 3, height: 32, width: 32, channels: 3, numClasses: 10, name: 'three.bin' });
    expect(d.classNames).toEqual(CIFAR10_CLASSES);
    expect(d.classNames![3]).toBe('cat');
    expect(Array.from(d.labels)).toEqual([3, 0, 9]);
    expect(d.images.length).toBe(3 * 32 * 32 * 3);
    let checked = 0;
    for (let r = 0; r < 3; r++) for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) for (let c = 0; c < 3; c++) {
      const got = d.images[((r * 32 + y) * 32 + x) * 3 + c];
      if (got !== Math.fround(pixel(r, c, y, x) / 255)) {
        throw new Error(`record ${r} (y ${y}, x ${x}, c ${c}): got ${got} want ${pixel(r, c, y, x)}/255`);
      }
      checked++;
    }
    expect(checked).toBe(9216);
    // Spot checks by hand: record 1's red byte at (y 0, x 1) is file byte 3073+1+1 and must be NHWC
    // element (1·1024 + 1)·3 + 0; its blue byte at (y 2, x 0) is 3073+1+2048+64 → (1·1024 + 64)·3 + 2.
    expect(d.images[(1 * 1024 + 1) * 3]).toBe(Math.fround(bytes[3073 + 2]! / 255));
    expect(d.images[(1 * 1024 + 64) * 3 + 2]).toBe(Math.fround(bytes[3073 + 1 + 2048 + 64]! / 255));
  });

  it('a pure red, a pure green and a pure blue image decode to the right channel', () => {
    // record k has 255 in plane k and 0 elsewhere
    const d = parseCifarBatch(buildBatch([0, 1, 2], (r, c) => (r === c ? 255 : 0)));
    for (let r = 0; r < 3; r++) {
      const sums = [0, 0, 0];
      for (let p = 0; p < 1024; p++) for (let c = 0; c < 3; c++) sums[c]! += d.images[(r * 1024 + p) * 3 + c]!;
      expect(sums).toEqual([0, 1, 2].map((c) => (c === r ? 1024 : 0)));
    }
  });

  it('a size that is not a whole number of records names the offset of the leftover bytes', () => {
    const b = new Uint8Array(2 * 3073 + 5);
    const e = caught(() => parseCifarBatch(b, 'data_batch_1.bin'));
    expect(e.message).toBe('data_batch_1.bin: at byte offset 6146: size 6151 bytes is not a whole number of 3073-byte records ' +
      '(1 label + 3x1024 pixels): 2 whole records then 5 bytes left over');
    expect(caught(() => parseCifarBatch(new Uint8Array(100), 'short.bin')).message).toContain('short.bin: at byte offset 0: size 100 bytes');
    expect(caught(() => parseCifarBatch(new Uint8Array(0), 'empty.bin')).message).toContain('empty.bin: at byte offset 0: empty file');
  });

  it('labels above 9 name the record and its byte offset', () => {
    const b = buildBatch([1, 9, 10]);
    const e = caught(() => parseCifarBatch(b, 'test_batch.bin'));
    expect(e.offset).toBe(2 * 3073);
    expect(e.message).toBe('test_batch.bin: at byte offset 6146: record 2 has label 10, expected 0..9');
  });
});

describe('loadCifarDir', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'simdnet-cifar-'));
    // the tarball's layout: <dir>/cifar-10-batches-bin/*.bin; 2 records per train batch, 3 in test
    const sub = join(dir, 'cifar-10-batches-bin');
    await mkdir(sub);
    for (let i = 1; i <= 5; i++) await writeFile(join(sub, `data_batch_${i}.bin`), buildBatch([i, (i + 5) % 10]));
    await writeFile(join(sub, 'test_batch.bin'), buildBatch([7, 8, 9]));
  });
  afterAll(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

  it('reads the five train batches in order and the test batch (finds the tarball subfolder)', async () => {
    const s = await loadCifarDir(dir);
    expect(s.train.count).toBe(10);
    expect(Array.from(s.train.labels)).toEqual([1, 6, 2, 7, 3, 8, 4, 9, 5, 0]);
    expect(Array.from(s.test.labels)).toEqual([7, 8, 9]);
    expect(s.train.name).toBe(`cifar:${dir} train`);
    expect(s.train.classNames).toEqual(CIFAR10_CLASSES);
  });

  it('trainCount / testCount take a prefix', async () => {
    const s = await loadCifarDir(join(dir, 'cifar-10-batches-bin'), { trainCount: 3, testCount: 1 });
    expect(Array.from(s.train.labels)).toEqual([1, 6, 2]);
    expect(Array.from(s.test.labels)).toEqual([7]);
    await expect(loadCifarDir(dir, { trainCount: 11 })).rejects.toThrow('take: asked for 11 samples');
  });

  it('missing files are listed', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'simdnet-cifar-empty-'));
    try {
      await writeFile(join(empty, 'data_batch_1.bin'), buildBatch([0]));
      await expect(loadCifarDir(empty)).rejects.toThrow(`${empty} is missing data_batch_2.bin, data_batch_3.bin, data_batch_4.bin, data_batch_5.bin, test_batch.bin`);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
