// The browser data loaders, run in Node (which has fetch, Blob, File and DecompressionStream):
// the embedded-digits asset gives exactly the DataSplit of the Node loader, and IDX / CIFAR
// files load from every kind of source to the same Dataset as the pure parsers give.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { loadEmbeddedDigits, loadIdxFrom, loadCifarFrom } from '../../src/browser/data.js';
import { decodeEmbeddedDigits, encodeEmbeddedDigits } from '../../src/data/mnist-embedded.js';
import { loadEmbeddedDigitBytes, loadEmbeddedMnist } from '../../src/data/mnist-node.js';
import { encodeIdx, idxToDataset, parseIdx } from '../../src/data/idx.js';
import { parseCifarBatch } from '../../src/data/cifar.js';
import { DataFormatError } from '../../src/data/errors.js';
import { buildAssets, DIGITS_FILE } from '../../src/tools/assets.js';
import type { Dataset } from '../../src/data/dataset.js';
import { makeRng } from '../helpers/rng.js';

const ASSET = new URL(`../../build/lib/browser/${DIGITS_FILE}`, import.meta.url);
let server: Server;
let base = '';
const files = new Map<string, Uint8Array>();

const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);
/** Index of the first element where a and b differ, or -1 when they are equal (length included). */
function firstDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}
function expectSameDataset(got: Dataset, want: Dataset): void {
  expect({ ...got, images: undefined, labels: undefined }).toEqual({ ...want, images: undefined, labels: undefined });
  expect(firstDiff(bits(got.images), bits(want.images)), 'first image value whose bits differ').toBe(-1);
  expect(firstDiff(got.labels, want.labels), 'first label that differs').toBe(-1);
}

describe('browser data loaders', () => {
  beforeAll(async () => {
    await buildAssets(); // the asset as `npm run build` makes it
    files.set('/digits.bin', new Uint8Array(await readFile(ASSET)));
    server = createServer((req, res) => {
      const body = files.get(req.url ?? '');
      if (body === undefined) res.writeHead(404, 'Not Found').end();
      else res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('the embedded-digits asset, fetched and gunzipped, is bit-equal to the Node loader (full split and subsets)', async () => {
    const asset = files.get('/digits.bin')!;
    expect([asset[0], asset[1]], 'gzipped').toEqual([0x1f, 0x8b]);
    expect(asset.length, 'compact: well under the 7.85 MB of raw pixels').toBeLessThan(2_000_000);
    const got = await loadEmbeddedDigits({ url: `${base}/digits.bin` });
    const want = await loadEmbeddedMnist();
    expect(got.train.count).toBe(7996);
    expect(got.test.count).toBe(2004);
    expectSameDataset(got.train, want.train);
    expectSameDataset(got.test, want.test);
    const some = await loadEmbeddedDigits({ url: ASSET, trainCount: 100, testCount: 7 }); // a file: URL, read from disk in Node
    const wantSome = await loadEmbeddedMnist({ trainCount: 100, testCount: 7 });
    expectSameDataset(some.train, wantSome.train);
    expectSameDataset(some.test, wantSome.test);
  });

  it('encodes and decodes the per-digit bytes exactly, and names what is wrong with a bad asset', async () => {
    const digits = await loadEmbeddedDigitBytes();
    const enc = encodeEmbeddedDigits(digits);
    expect(enc.length).toBe(24 + 10000 * 785);
    const dec = decodeEmbeddedDigits(enc);
    expect(dec).toHaveLength(10);
    dec.forEach((d, i) => expect(firstDiff(d, digits[i]!), `digit ${i}`).toBe(-1));
    const badMagic = enc.slice(0, 100);
    badMagic[0] = 0x41;
    expect(() => decodeEmbeddedDigits(badMagic, 'x.bin')).toThrow(DataFormatError);
    expect(() => decodeEmbeddedDigits(badMagic, 'x.bin')).toThrow(/x.bin: at byte offset 0: bad magic "ADNDIGIT", expected "SDNDIGIT"/);
    expect(() => decodeEmbeddedDigits(enc.subarray(0, enc.length - 1), 'x.bin')).toThrow(/x.bin: at byte offset 7850023: 7850023 bytes, expected 7850024 for 10000 samples/);
    const badLabel = enc.slice();
    badLabel[24 + 5] = 12;
    expect(() => decodeEmbeddedDigits(badLabel, 'x.bin')).toThrow(/at byte offset 29: label 12 of sample 5, expected 0..9/);
    await expect(loadEmbeddedDigits({ url: `${base}/missing.bin` })).rejects.toThrow(/loadEmbeddedDigits: fetching http:\/\/127.0.0.1:\d+\/missing.bin failed with HTTP 404 Not Found/);
    await expect(loadEmbeddedDigits({ url: new URL('file:///nonexistent/d.bin') })).rejects.toThrow(/loadEmbeddedDigits: reading file:\/\/\/nonexistent\/d.bin failed: ENOENT/);
    files.set('/corrupt.bin', gzipSync(badMagic));
    await expect(loadEmbeddedDigits({ url: `${base}/corrupt.bin` })).rejects.toThrow(/\/corrupt.bin \(decompressed\): at byte offset 0: bad magic/);
    await expect(loadEmbeddedDigits({ url: `${base}/digits.bin`, trainCount: 9000 })).rejects.toThrow(/loadEmbeddedDigits: trainCount 9000 is more than the 7996 samples/);
  });

  it('loadIdxFrom reads IDX images and labels from bytes, Blob, File, URL, gzipped or not', async () => {
    const rng = makeRng(3);
    const n = 12;
    const imgBytes = encodeIdx('u8', [n, 5, 4], Array.from({ length: n * 20 }, () => Math.floor(rng() * 256))) as Uint8Array<ArrayBuffer>;
    const lblBytes = encodeIdx('u8', [n], Array.from({ length: n }, (_, i) => i % 3)) as Uint8Array<ArrayBuffer>;
    const want = idxToDataset(parseIdx(imgBytes), parseIdx(lblBytes), 'set', { numClasses: 3 });
    files.set('/img.idx.gz', gzipSync(imgBytes));
    files.set('/lbl.idx', lblBytes);
    const sources: [unknown, unknown][] = [
      [imgBytes, lblBytes],
      [imgBytes.buffer, lblBytes.buffer],
      [new Blob([imgBytes]), new Blob([gzipSync(lblBytes)])],
      [new File([gzipSync(imgBytes)], 'img.gz'), new File([lblBytes], 'lbl')],
      [`${base}/img.idx.gz`, new URL(`${base}/lbl.idx`)],
    ];
    for (const [im, lb] of sources) {
      expectSameDataset(await loadIdxFrom(im as Blob, lb as Blob, { name: 'set', numClasses: 3 }), want);
    }
    const first = await loadIdxFrom(imgBytes, lblBytes, { numClasses: 3, count: 4 });
    expect(first.count).toBe(4);
    expect(first.name).toBe('Uint8Array');
    // Errors name the file, and say when the offsets count in decompressed data.
    const cut = new Uint8Array(gzipSync(imgBytes.subarray(0, 30)));
    await expect(loadIdxFrom(new File([cut], 'train-images.gz'), lblBytes)).rejects.toThrow(/train-images.gz \(decompressed\): at byte offset/);
    await expect(loadIdxFrom(new File([new Uint8Array([0x1f, 0x8b, 1, 2, 3])], 'bad.gz'), lblBytes))
      .rejects.toThrow(/bad.gz: starts with the gzip magic 1f 8b but does not decompress/);
    await expect(loadIdxFrom(42 as never, lblBytes)).rejects.toThrow(/loadIdxFrom \(images\): expected a File, Blob, ArrayBuffer, Uint8Array or URL, got 42/);
  });

  it('loadCifarFrom concatenates CIFAR-10 batches from any source, and stops reading once it has `count` images', async () => {
    const rng = makeRng(8);
    const batch = (n: number) => Uint8Array.from({ length: n * 3073 }, (_, i) => (i % 3073 === 0 ? Math.floor(rng() * 10) : Math.floor(rng() * 256)));
    const a = batch(3);
    const b = batch(2);
    const pa = parseCifarBatch(a);
    const pb = parseCifarBatch(b);
    const both = await loadCifarFrom([new Blob([a]), b.buffer], { name: 'c' });
    expect(both.count).toBe(5);
    expect(both.name).toBe('c');
    expect(firstDiff(bits(both.images), new Uint32Array([...bits(pa.images), ...bits(pb.images)]))).toBe(-1);
    expect(Array.from(both.labels)).toEqual([...pa.labels, ...pb.labels]);
    const two = await loadCifarFrom([a, 'http://127.0.0.1:1/never-fetched'], { count: 2 });
    expect(two.count).toBe(2);
    expect(Array.from(two.labels)).toEqual(Array.from(pa.labels.subarray(0, 2)));
    await expect(loadCifarFrom([new File([a.slice(0, 3000)], 'data_batch_1.bin')])).rejects.toThrow(/data_batch_1.bin: at byte offset 0: size 3000 bytes/);
    await expect(loadCifarFrom([])).rejects.toThrow(/loadCifarFrom: expected a non-empty array/);
    await expect(loadCifarFrom([a], { count: 9 })).rejects.toThrow(/take: asked for 9 samples but 'cifar' has only 3/);
  });
});
