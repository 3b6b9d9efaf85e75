// Fuzz: IDX files, plain (parseIdx, then idxToDataset) and gzipped (readIdxFile on a file).
// Seeded mutations of small valid files (truncations, bit flips, byte sets, insertions, deletions,
// duplications, and rewrites of the magic, type code, dimension count and sizes with boundary
// values such as 0, 2^31 and 2^32-1); each must parse to a consistent result or throw a clear
// error naming the file, fast, without allocating what a corrupt header claims, and silently.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeIdx, idxToDataset, parseIdx, type IdxArray, type IdxType } from '../../src/data/idx.js';
import { readIdxFile } from '../../src/data/idx-node.js';
import { DataFormatError } from '../../src/data/errors.js';
import { makeRng } from '../helpers/rng.js';
import { expectClearError, mutateCase, runAsync, runSync, Tally, watchStdout, type Field } from './harness.js';

const SEED_PLAIN = 0x1d0001;
const SEED_GZ_INNER = 0x1d0002;
const SEED_GZ_OUTER = 0x1d0003;
const PLAIN_CASES = 4000;
const GZ_CASES = 1200; // each of: mutate-then-gzip, gzip-then-mutate

/** Small valid files of every element type, 1 to 4 dimensions. */
function bases(): { name: string; bytes: Uint8Array }[] {
  const rng = makeRng(77);
  const make = (type: IdxType, dims: number[], lo: number, hi: number) => {
    const n = dims.reduce((a, b) => a * b, 1);
    const data = Array.from({ length: n }, () => (type === 'f32' || type === 'f64' ? lo + (hi - lo) * rng() : Math.floor(lo + (hi - lo) * rng())));
    return { name: `${type}[${dims.join(',')}]`, bytes: encodeIdx(type, dims, data) };
  };
  return [
    make('u8', [6, 5, 4], 0, 256), // images
    make('u8', [6], 0, 10), // labels
    make('u8', [3, 4, 4, 3], 0, 256), // colour images
    make('i8', [7], -128, 128),
    make('i16', [3, 4], -32768, 32768),
    make('i32', [6], 0, 10),
    make('f32', [2, 3, 2], -1, 1),
    make('f64', [5], -1e6, 1e6),
  ];
}

/** The header fields of an IDX file with `ndims` dimensions (as the base file has them). */
function fields(ndims: number): Field[] {
  const f: Field[] = [
    { name: 'magic0', offset: 0, size: 1 }, { name: 'magic1', offset: 1, size: 1 },
    { name: 'type', offset: 2, size: 1 }, { name: 'ndims', offset: 3, size: 1 },
  ];
  for (let k = 0; k < ndims + 1; k++) f.push({ name: `dim${k}`, offset: 4 + 4 * k, size: 4 });
  return f;
}

const SIZE: Record<IdxType, number> = { u8: 1, i8: 1, i16: 2, i32: 4, f32: 4, f64: 8 };

/** A parse result must describe exactly the bytes it came from. */
function checkParsed(label: string, a: IdxArray, bytes: Uint8Array): void {
  const count = a.dims.reduce((x, y) => x * y, 1);
  expect(a.dims.length, label).toBe(bytes[3]);
  expect(a.headerBytes, label).toBe(4 + 4 * a.dims.length);
  expect(a.data.length, label).toBe(count);
  expect(a.headerBytes + count * SIZE[a.type], label).toBe(bytes.length);
}

// Decoding may copy the data (up to 8 bytes per input byte for f64, 4 per pixel for a Dataset)
// plus a few MB of slack for the test's own garbage; a header taken at its word (2^31 images)
// would be far beyond.
const growthBound = (n: number) => 16 * n + 8 * 2 ** 20;

const goodImages = parseIdx(bases()[0]!.bytes, 'good-images');
const goodLabels = parseIdx(bases()[1]!.bytes, 'good-labels');

let out: ReturnType<typeof watchStdout>;
beforeAll(() => { out = watchStdout(); });
afterAll(() => out.restore());

describe('fuzz: IDX (plain)', () => {
  it(`${PLAIN_CASES} mutated files parse consistently or fail with a DataFormatError naming the file`, () => {
    const all = bases();
    const tally = new Tally();
    for (let i = 0; i < PLAIN_CASES; i++) {
      const base = all[i % all.length]!;
      const { bytes, what } = mutateCase(base.bytes, SEED_PLAIN, i, fields(base.bytes[3]!));
      const label = `seed ${SEED_PLAIN.toString(16)} case ${i} (${base.name}: ${what})`;
      const file = `fuzz-${i}.idx`;
      const r = runSync(label, () => parseIdx(bytes, file), growthBound(bytes.length));
      out.check(label);
      if (!r.ok) {
        expectClearError(label, r.error, file, DataFormatError);
        tally.add('error');
        continue;
      }
      checkParsed(label, r.value, bytes);
      tally.add('parsed');
      // Pair what parsed with a good partner, as loadIdxDir would: images with good labels, or
      // good images with these as labels.
      const asImages = r.value.dims.length >= 3;
      const d = runSync(`${label} idxToDataset`, () => asImages
        ? idxToDataset(r.value, goodLabels, 'fuzz')
        : idxToDataset(goodImages, r.value, 'fuzz'), growthBound(bytes.length + goodImages.data.length));
      out.check(label);
      if (!d.ok) {
        expectClearError(`${label} idxToDataset`, d.error, asImages ? file : file, DataFormatError);
        tally.add('dataset error');
      } else {
        const ds = d.value;
        expect(ds.images.length, label).toBe(ds.count * ds.height * ds.width * ds.channels);
        for (const l of ds.labels) expect(l >= 0 && l < ds.numClasses, label).toBe(true);
        for (const v of ds.images) if (!(v >= 0 && v <= 1)) expect.fail(`${label}: pixel ${v} outside [0, 1]`);
        tally.add('dataset');
      }
    }
    // Both outcomes must occur, or the mutations are too gentle (or too harsh) to test anything.
    expect(tally.get('error')).toBeGreaterThan(PLAIN_CASES / 4);
    expect(tally.get('parsed')).toBeGreaterThan(50);
    expect(tally.get('dataset')).toBeGreaterThan(10);
    expect(tally.get('dataset error')).toBeGreaterThan(10);
  });
});

describe('fuzz: IDX (gzip, through readIdxFile)', () => {
  let dir = '';
  beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'simdnet-fuzz-idx-')); });
  afterAll(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

  /** Writes `bytes`, reads them back through readIdxFile, and checks the outcome. */
  async function one(label: string, bytes: Uint8Array, i: number, tally: Tally): Promise<void> {
    const path = join(dir, `fuzz-${i}-images-idx3-ubyte.gz`);
    await writeFile(path, bytes);
    // The decompressed data may be up to ~1000x the compressed size.
    const r = await runAsync(label, () => readIdxFile(path), 1100 * bytes.length + 8 * 2 ** 20);
    out.check(label);
    await rm(path);
    if (r.ok) {
      expect(r.value.data.length, label).toBe(r.value.dims.reduce((a, b) => a * b, 1));
      tally.add('parsed');
    } else {
      expectClearError(label, r.error, path);
      tally.add(r.error instanceof DataFormatError ? 'format error' : 'gzip error');
    }
  }

  it(`${GZ_CASES} files mutated before gzip (header edits inside) parse or fail naming the file`, async () => {
    const all = bases();
    const tally = new Tally();
    for (let i = 0; i < GZ_CASES; i++) {
      const base = all[i % all.length]!;
      const { bytes, what } = mutateCase(base.bytes, SEED_GZ_INNER, i, fields(base.bytes[3]!));
      await one(`seed ${SEED_GZ_INNER.toString(16)} case ${i} (${base.name}, then gzip: ${what})`, new Uint8Array(gzipSync(bytes)), i, tally);
    }
    expect(tally.get('format error')).toBeGreaterThan(GZ_CASES / 4);
    expect(tally.get('parsed')).toBeGreaterThan(20);
  });

  it(`${GZ_CASES} gzip streams mutated (header, deflate data, CRC-32, ISIZE) parse or fail naming the file`, async () => {
    const all = bases().map((b) => ({ name: b.name, bytes: new Uint8Array(gzipSync(b.bytes)) }));
    const tally = new Tally();
    for (let i = 0; i < GZ_CASES; i++) {
      const base = all[i % all.length]!;
      const n = base.bytes.length;
      const gzFields: Field[] = [
        { name: 'id1', offset: 0, size: 1 }, { name: 'id2', offset: 1, size: 1 }, { name: 'cm', offset: 2, size: 1 },
        { name: 'flg', offset: 3, size: 1 }, { name: 'mtime', offset: 4, size: 4, le: true }, { name: 'xfl', offset: 8, size: 1 },
        { name: 'crc32', offset: n - 8, size: 4, le: true }, { name: 'isize', offset: n - 4, size: 4, le: true },
      ];
      const { bytes, what } = mutateCase(base.bytes, SEED_GZ_OUTER, i, gzFields);
      await one(`seed ${SEED_GZ_OUTER.toString(16)} case ${i} (gzip of ${base.name}: ${what})`, bytes, i, tally);
    }
    expect(tally.get('gzip error')).toBeGreaterThan(GZ_CASES / 4);
    expect(tally.get('parsed')).toBeGreaterThan(20);
  });
});
