// predict on PNG files that are not what they should be (issue 7, item 6):
//   - a corrupt or truncated file, or one that is not a PNG at all: exit 1 with one line that names
//     the file and says it is not a valid PNG (the decoder's detail may follow);
//   - a blank picture (one colour everywhere, a single pixel, fully transparent): classified as
//     usual, with a one-line warning on stderr naming the file.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { main as trainMain } from '../../src/cli/train.js';
import { main as predictMain } from '../../src/cli/predict.js';
import { loadData } from '../../src/data/load-node.js';
import { encodePng } from '../../src/image/png.js';
import { runCli, scratchDir } from './util.js';

let dir = '';
let cleanup: () => Promise<void> = async () => {};
let model = '';
let digit = '';
let digitBytes: Uint8Array;

beforeAll(async () => {
  ({ dir, cleanup } = await scratchDir('predict-png'));
  model = join(dir, 'm.simdnet');
  const r = await runCli(trainMain, ['--train-count', '60', '--test-count', '10', '--epochs', '1', '--save', model]);
  expect(r.code, r.err).toBe(0);
  const { test } = await loadData('mnist', { trainCount: 1, testCount: 1 });
  digitBytes = encodePng({ data: test.images.slice(0, 784), height: 28, width: 28, channels: 1 }, 2);
  digit = join(dir, 'digit.png');
  await writeFile(digit, digitBytes);
});
afterAll(() => cleanup());

describe('predict: a file that is not a valid PNG is named in a one-line error', () => {
  const cases: [string, () => Uint8Array, string][] = [
    ['truncated.png', () => digitBytes.subarray(0, Math.floor(digitBytes.length / 2)), 'the data ends early'],
    ['header-only.png', () => digitBytes.subarray(0, 33), 'the data ends early'],
    ['text.png', () => new TextEncoder().encode('this is not a picture\n'), 'does not start with the PNG signature'],
    ['empty.png', () => new Uint8Array(0), 'the file is empty'],
    // A damaged chunk: the decoder's own words follow (a CRC or zlib complaint).
    ['flipped.png', () => { const b = digitBytes.slice(); b[b.length - 30]! ^= 0xff; b[60]! ^= 0x55; return b; }, 'decoder: '],
  ];
  for (const [name, bytes, why] of cases) {
    it(name, async () => {
      const file = join(dir, name);
      await writeFile(file, bytes());
      // A good input first: the error must say which of several inputs is bad.
      const r = await runCli(predictMain, ['--model', model, digit, file]);
      expect(r.code, r.err).toBe(1);
      const lines = r.err.trim().split('\n');
      expect(lines, r.err).toHaveLength(1);
      expect(lines[0]).toContain(`input '${file}': not a valid PNG file (`);
      expect(lines[0]).toContain(why);
      expect(lines[0]).not.toContain(digit + "'");
      expect(r.err).not.toMatch(/\n\s+at /);
      expect(r.out).toBe('');
    });
  }
});

describe('predict: a blank picture is classified, with a warning naming it', () => {
  const gray = (h: number, w: number, v: number) => encodePng({ data: new Float32Array(h * w).fill(v), height: h, width: w, channels: 1 });
  const cases: [string, () => Uint8Array, RegExp][] = [
    ['white.png', () => gray(28, 28, 1), /is blank: all 784 pixels \(28x28\) are white/],
    ['black.png', () => gray(40, 30, 0), /is blank: all 1200 pixels \(30x40\) are black/],
    ['dot.png', () => gray(1, 1, 0.5), /is a single pixel \(gray 128\)/],
    ['red.png', () => encodePng({ data: new Float32Array(3 * 16).map((_, i) => (i % 3 === 0 ? 1 : 0)), height: 4, width: 4, channels: 3 }), /are rgb\(255, 0, 0\)/],
  ];
  for (const [name, bytes, what] of cases) {
    it(name, async () => {
      const file = join(dir, name);
      await writeFile(file, bytes());
      const r = await runCli(predictMain, ['--model', model, digit, file]);
      expect(r.code, r.err).toBe(0);
      const warnings = r.err.trim().split('\n');
      expect(warnings, r.err).toHaveLength(1);
      expect(warnings[0]).toMatch(/^predict: warning: input '.*' /);
      expect(warnings[0]).toContain(`'${file}'`);
      expect(warnings[0]).toMatch(what);
      // Both inputs are still classified.
      expect(r.out).toMatch(new RegExp(`^${digit.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: \\d`, 'm'));
      expect(r.out).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: \\d`, 'm'));
    });
  }

  it('a fully transparent picture counts as blank (it is white once composited)', async () => {
    // 2x2 RGBA written by hand through pngjs: different colours, alpha 0 everywhere.
    const { PNG } = (await import('pngjs')).default;
    const png = new PNG({ width: 2, height: 2 });
    png.data.set([255, 0, 0, 0, 0, 255, 0, 0, 0, 0, 255, 0, 9, 9, 9, 0]);
    const file = join(dir, 'clear.png');
    await writeFile(file, PNG.sync.write(png));
    const r = await runCli(predictMain, ['--model', model, file]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(`input '${file}' is blank: all 4 pixels (2x2) are white`);
  });

  it('an ordinary digit gives no warning', async () => {
    const r = await runCli(predictMain, ['--model', model, digit]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toBe('');
  });
});
