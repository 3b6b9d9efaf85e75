// Fuzz: PNG input, through the library's decodePng and through the CLI's pngInput (the path
// `predict image.png` takes, which must name the file). Small images are encoded with the
// library's own writer (gray, RGB) and with pngjs (RGBA), then mutated: truncations, bit flips,
// byte sets, insertions, deletions, duplications, and edits of the signature and the IHDR fields
// (width, height, bit depth, colour type, compression, filter, interlace, the IHDR CRC, the first
// IDAT length). Half the cases then recompute every chunk's CRC, so the damage gets past the
// checksum into the header checks and the zlib data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pngjs from 'pngjs';
import { decodePng, encodePng, type DecodedPng } from '../../src/image/png.js';
import { crc32 } from '../../src/io/format.js';
import { pngInput } from '../../src/cli/predict.js';
import { makeRng } from '../helpers/rng.js';
import { expectClearError, mutateCase, runAsync, runSync, Tally, watchStdout, type Field, type Outcome } from './harness.js';

const SEED = 0x9e60001;
const CASES = 3000;
/** Every CLI_EVERY-th case also goes through pngInput on a file. */
const CLI_EVERY = 3;

function bases(): { name: string; bytes: Uint8Array }[] {
  const rng = makeRng(3);
  const img = (h: number, w: number, c: 1 | 3) => ({ height: h, width: w, channels: c, data: Float32Array.from({ length: h * w * c }, () => rng()) });
  const rgba = new pngjs.PNG({ width: 5, height: 4 });
  for (let i = 0; i < rgba.data.length; i++) rgba.data[i] = Math.floor(rng() * 256);
  return [
    { name: 'gray 7x5', bytes: encodePng(img(7, 5, 1)) },
    { name: 'rgb 4x6 x2', bytes: encodePng(img(4, 6, 3), 2) },
    { name: 'rgba 5x4', bytes: new Uint8Array(pngjs.PNG.sync.write(rgba)) },
  ];
}

const FIELDS: Field[] = [
  { name: 'sig0', offset: 0, size: 1 }, { name: 'sig1', offset: 1, size: 1 }, { name: 'sig7', offset: 7, size: 1 },
  { name: 'ihdrLength', offset: 8, size: 4 }, { name: 'ihdrType', offset: 12, size: 1 },
  { name: 'width', offset: 16, size: 4 }, { name: 'height', offset: 20, size: 4 },
  { name: 'bitDepth', offset: 24, size: 1 }, { name: 'colorType', offset: 25, size: 1 },
  { name: 'compression', offset: 26, size: 1 }, { name: 'filter', offset: 27, size: 1 }, { name: 'interlace', offset: 28, size: 1 },
  { name: 'ihdrCrc', offset: 29, size: 4 }, { name: 'idatLength', offset: 33, size: 4 },
];

/** Recomputes the CRC of every complete chunk, walking the chunk lengths as they now stand. */
function fixCrcs(b: Uint8Array): void {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let at = 8;
  while (at + 12 <= b.length) {
    const len = dv.getUint32(at, false);
    const end = at + 8 + len;
    if (end + 4 > b.length) break;
    dv.setUint32(end, crc32(b, at + 4, end), false);
    at = end + 4;
  }
}

/** A decode's outcome as a string: the pixels, or the error message. */
function outcome(r: Outcome<DecodedPng>): string {
  return r.ok ? `${r.value.width}x${r.value.height} ${Buffer.from(r.value.rgba).toString('hex')}` : String((r.error as Error).message);
}

let out: ReturnType<typeof watchStdout>;
let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simdnet-fuzz-png-'));
  out = watchStdout();
});
afterAll(async () => {
  out?.restore();
  if (dir) await rm(dir, { recursive: true, force: true });
});

// Decoded RGBA is 4 bytes per pixel; a valid PNG of n bytes holds at most ~1032·8·n pixels
// (deflate's best ratio, 1-bit pixels), but the images here are tiny, so a few MB is plenty
// for any honest result. A decoder that believes a corrupt width x height allocates far more.
const GROWTH_BOUND = 16 * 2 ** 20;

describe('fuzz: PNG', () => {
  it(`${CASES} mutated PNGs decode consistently or fail with a clear error (decodePng, and the CLI's pngInput naming the file)`, async () => {
    const all = bases();
    const tally = new Tally();
    for (let i = 0; i < CASES; i++) {
      const base = all[i % all.length]!;
      const { bytes, what } = mutateCase(base.bytes, SEED, i, FIELDS);
      const fixed = i % 2 === 1;
      if (fixed) fixCrcs(bytes);
      const label = `seed ${SEED.toString(16)} case ${i} (${base.name}: ${what}${fixed ? '; CRCs fixed' : ''})`;
      const r = runSync(label, () => decodePng(bytes), GROWTH_BOUND);
      out.check(label);
      // The same bytes must decode the same way whatever is in memory: dirty Node's Buffer pool
      // (where small allocUnsafe buffers come from) and decode again.
      Buffer.allocUnsafe(2048).fill(i & 0xff);
      expect(outcome(runSync(label, () => decodePng(bytes), GROWTH_BOUND)), `${label}: decoded differently the second time`).toBe(outcome(r));
      if (r.ok) {
        expect(r.value.rgba.length, label).toBe(r.value.width * r.value.height * 4);
        tally.add('decoded');
      } else {
        expectClearError(label, r.error, 'decodePng: not a readable PNG');
        tally.add('error');
      }
      if (i % CLI_EVERY !== 0) continue;
      const path = join(dir, `fuzz-${i}.png`);
      await writeFile(path, bytes);
      const c = await runAsync(`${label} pngInput`, () => pngInput(path, 28, 28, i % 2 === 0 ? 1 : 3), GROWTH_BOUND);
      out.check(label);
      await rm(path);
      if (c.ok) {
        expect(r.ok, `${label}: pngInput accepted what decodePng refused`).toBe(true);
        expect(c.value.x.length, label).toBe(28 * 28 * (i % 2 === 0 ? 1 : 3));
        for (const v of c.value.x) if (!(v >= 0 && v <= 1)) expect.fail(`${label}: input value ${v} outside [0, 1]`);
        tally.add('cli ok');
      } else {
        expectClearError(`${label} pngInput`, c.error, `input '${path}'`);
        tally.add('cli error');
      }
    }
    expect(tally.get('error')).toBeGreaterThan(CASES / 4);
    expect(tally.get('decoded')).toBeGreaterThan(50);
    expect(tally.get('cli ok')).toBeGreaterThan(10);
    expect(tally.get('cli error')).toBeGreaterThan(CASES / CLI_EVERY / 4);
  });
});

// Defects the fuzzer found, replayed exactly from seed + case index, and the same faults built
// by hand so that each message is pinned down.
describe('PNG fuzz regressions', () => {
  const replay = (i: number): Uint8Array => {
    const { bytes } = mutateCase(bases()[i % 3]!.bytes, SEED, i, FIELDS);
    if (i % 2 === 1) fixCrcs(bytes);
    return bytes;
  };
  const twice = (bytes: Uint8Array): [string, string] => {
    const a = outcome(runSync('first', () => decodePng(bytes), GROWTH_BOUND));
    Buffer.allocUnsafe(2048).fill(0x5a);
    return [a, outcome(runSync('second', () => decodePng(bytes), GROWTH_BOUND))];
  };

  it('case 97: a width of 8.4 million pixels in a 400-byte file is refused before pngjs allocates (was 200 MB and 3 s)', () => {
    const r = runSync('case 97', () => decodePng(replay(97)), 2 ** 20);
    expect(r.ok).toBe(false);
    expect((r as { error: Error }).error.message).toMatch(
      /^decodePng: not a readable PNG \(the header \(IHDR, byte offset 16\) declares 8388620x8 pixels, \d+ bytes of image data, but the file holds only \d+ bytes of compressed data/);
  });

  it('cases 23, 129, 165, 635: short or corrupt zlib data is an error, the same every time (pngjs filled rows from uninitialised memory)', () => {
    for (const i of [23, 129, 165, 635]) {
      const [a, b] = twice(replay(i));
      expect(a, `case ${i}`).toMatch(/^decodePng: not a readable PNG \((the compressed image data \(IDAT\)|no image data)/);
      expect(b, `case ${i}`).toBe(a);
    }
  });

  it('by hand: a bad Adler-32, a taller header than the data, and no IDAT chunk', () => {
    const good = bases()[0]!.bytes; // gray 7x5: IHDR, one IDAT at 33, IEND
    const idatLen = new DataView(good.buffer, good.byteOffset).getUint32(33, false);
    const adler = good.slice();
    adler[41 + idatLen - 1]! ^= 0x01; // last byte of the zlib stream: its Adler-32
    fixCrcs(adler);
    expect(() => decodePng(adler)).toThrow(/IDAT\) is damaged: zlib says incorrect data check\)$/);
    const taller = good.slice();
    taller[23] = 9; // height 7 → 9
    fixCrcs(taller);
    expect(() => decodePng(taller)).toThrow(/IDAT\) inflates to 42 bytes, but the 5x9 image the header declares needs 54; /);
    const noIdat = good.slice();
    noIdat[37] = 0x69; // 'IDAT' → 'iDAT', an ancillary chunk pngjs skips
    fixCrcs(noIdat);
    expect(() => decodePng(noIdat)).toThrow(/no image data: the file has no IDAT chunk for its 5x7 image\)$/);
    // The originals still decode.
    expect(decodePng(good).width).toBe(5);
  });
});
