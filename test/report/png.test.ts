// PNG encode/decode round trips and decodeToGray (resize, invert, alpha, fit) on small synthetic PNGs.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import pngjs from 'pngjs';
import { makeRng, randomArray } from '../helpers/rng.js';
import { decodePng, decodeToGray, encodePng } from '../../src/image/png.js';
import { toByte } from '../../src/image/image.js';

const { PNG } = pngjs;

// decodeToGray computes in f64 and stores f32; inputs are 8-bit, so the only error is the
// f32 rounding of a value in [0, 1] (≤ 2^-24), well under 1e-6.
const TOL = 1e-6;

/** An RGBA PNG written directly with pngjs (independent of encodePng). */
function rgbaPng(width: number, height: number, px: (x: number, y: number) => [number, number, number, number]): Uint8Array {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b, a] = px(x, y);
      png.data.set([r, g, b, a], (y * width + x) * 4);
    }
  }
  return new Uint8Array(PNG.sync.write(png));
}

describe('encodePng / decodePng', () => {
  it('round-trips a gray image exactly at 8 bits', () => {
    const rng = makeRng(21);
    const H = 5, W = 7;
    const data = Float32Array.from(randomArray(rng, H * W, 0, 1));
    const png = encodePng({ data, height: H, width: W, channels: 1 });
    // Independent decode with pngjs: the file says gray (colour type 0) and the stated size.
    const raw = PNG.sync.read(Buffer.from(png));
    expect([raw.width, raw.height, raw.colorType]).toEqual([W, H, 0]);
    const d = decodePng(png);
    for (let p = 0; p < H * W; p++) {
      const want = toByte(data[p]!);
      expect([d.rgba[p * 4], d.rgba[p * 4 + 1], d.rgba[p * 4 + 2], d.rgba[p * 4 + 3]], `pixel ${p}`).toEqual([want, want, want, 255]);
    }
  });

  it('round-trips RGB and upscales by nearest neighbour', () => {
    const H = 2, W = 3;
    const data = Float32Array.from({ length: H * W * 3 }, (_, i) => (i % 7) / 6);
    const d = decodePng(encodePng({ data, height: H, width: W, channels: 3 }, 4));
    expect([d.width, d.height]).toEqual([W * 4, H * 4]);
    for (let y = 0; y < H * 4; y++) {
      for (let x = 0; x < W * 4; x++) {
        const s = (Math.floor(y / 4) * W + Math.floor(x / 4)) * 3;
        const o = (y * W * 4 + x) * 4;
        expect(Array.from(d.rgba.subarray(o, o + 3)), `(${x},${y})`).toEqual([toByte(data[s]!), toByte(data[s + 1]!), toByte(data[s + 2]!)]);
      }
    }
  });

  it('rejects wrong sizes and non-PNG bytes with clear messages', () => {
    expect(() => encodePng({ data: new Float32Array(5), height: 2, width: 3, channels: 1 })).toThrow(/5 values, expected height·width·channels = 2·3·1 = 6/);
    expect(() => encodePng({ data: new Float32Array(8), height: 2, width: 2, channels: 2 as 1 })).toThrow(/channels must be 1 \(gray\) or 3 \(RGB\)/);
    expect(() => encodePng({ data: new Float32Array(4), height: 2, width: 2, channels: 1 }, 1.5)).toThrow(/scale must be a positive integer/);
    expect(() => decodePng(new Uint8Array([1, 2, 3, 4]))).toThrow(/not a readable PNG/);
  });
});

describe('decodeToGray', () => {
  it('keeps a dark-background image as is (no inversion) at the same size', () => {
    const v = [0, 40, 200, 255];
    const png = rgbaPng(2, 2, (x, y) => { const g = v[y * 2 + x]!; return [g, g, g, 255]; });
    const out = decodeToGray(png, 2, 2);
    v.forEach((g, i) => expect(Math.abs(out[i]! - g / 255), `pixel ${i}`).toBeLessThanOrEqual(TOL));
  });

  it('auto-inverts black-on-white into white-on-black', () => {
    // 8×8 white page with a black 4×4 square in the middle.
    const ink = (x: number, y: number) => x >= 2 && x < 6 && y >= 2 && y < 6;
    const png = rgbaPng(8, 8, (x, y) => (ink(x, y) ? [0, 0, 0, 255] : [255, 255, 255, 255]));
    const out = decodeToGray(png, 8, 8);
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) {
      expect(out[y * 8 + x], `(${x},${y})`).toBe(ink(x, y) ? 1 : 0);
    }
    // Forcing invert off keeps the page white.
    expect(decodeToGray(png, 8, 8, { invert: false })[0]).toBe(1);
    // Forcing invert on a dark image inverts it anyway.
    const dark = rgbaPng(2, 2, () => [51, 51, 51, 255]);
    expect(Math.abs(decodeToGray(dark, 2, 2, { invert: true })[0]! - (1 - 51 / 255))).toBeLessThanOrEqual(TOL);
  });

  it('composites transparency over white, so a transparent canvas with black strokes reads as MNIST', () => {
    const png = rgbaPng(4, 4, (x) => (x === 1 ? [0, 0, 0, 255] : [0, 0, 0, 0]));
    const out = decodeToGray(png, 4, 4);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) expect(out[y * 4 + x]).toBe(x === 1 ? 1 : 0);
  });

  it('uses Rec. 601 luma for colour', () => {
    const png = rgbaPng(1, 1, () => [255, 0, 0, 255]);
    expect(Math.abs(decodeToGray(png, 1, 1, { invert: false })[0]! - 0.299)).toBeLessThanOrEqual(TOL);
  });

  it('area-averages when shrinking: a 56×56 1-pixel checkerboard becomes uniform 0.5 at 28×28', () => {
    const png = rgbaPng(56, 56, (x, y) => ((x + y) % 2 ? [255, 255, 255, 255] : [0, 0, 0, 255]));
    // Border mean is exactly 0.5, which is not "light" (> 0.5), so no inversion either way.
    const out = decodeToGray(png, 28, 28);
    expect(out.length).toBe(28 * 28);
    for (const v of out) expect(Math.abs(v - 0.5)).toBeLessThanOrEqual(TOL);
  });

  it("fit: 'mnist' crops the ink, scales it into 20 px and centres it by mass", () => {
    // A 100×100 white page with a black 30×10 bar in the top-left corner.
    const ink = (x: number, y: number) => x >= 5 && x < 35 && y >= 8 && y < 18;
    const png = rgbaPng(100, 100, (x, y) => (ink(x, y) ? [0, 0, 0, 255] : [255, 255, 255, 255]));
    const out = decodeToGray(png, 28, 28, { fit: 'mnist' });
    let mass = 0, my = 0, mx = 0, x0 = 28, x1 = -1, y0 = 28, y1 = -1;
    for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) {
      const v = out[y * 28 + x]!;
      if (v > 0) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
      mass += v; my += v * (y + 0.5); mx += v * (x + 0.5);
    }
    // 30×10 scaled by 20/30 → 20 wide, 7 high (10·2/3 = 6.67 rounds to 7), all ink = 1.
    expect([x1 - x0 + 1, y1 - y0 + 1]).toEqual([20, 7]);
    expect(Math.max(...out)).toBe(1);
    // Centre of mass within half a pixel of the frame centre (14, 14): integer placement.
    expect(Math.abs(mx / mass - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(my / mass - 14)).toBeLessThanOrEqual(0.5);
    // The plain stretch of the same page keeps the bar in the top-left corner.
    const plain = decodeToGray(png, 28, 28);
    expect(plain[3 * 28 + 3]).toBeGreaterThan(0.9);
    expect(plain[14 * 28 + 14]).toBe(0);
  });

  it("fit: 'mnist' recovers real MNIST digits drawn big, black on white, off-centre", () => {
    // Digits from the `mnist` package (already 20×20-boxed and mass-centred by MNIST itself),
    // upscaled 4× (nearest), inverted to black-on-white, pasted off-centre on a 160×150 page.
    const require = createRequire(import.meta.url);
    for (const d of [0, 1, 3, 7]) {
      const all: number[] = JSON.parse(readFileSync(require.resolve(`mnist/src/digits/${d}.json`), 'utf8')).data;
      for (const which of [0, 5]) {
        const digit = all.slice(which * 784, (which + 1) * 784);
        const page = rgbaPng(160, 150, (x, y) => {
          const [u, v] = [x - 30, y - 9];
          if (u < 0 || v < 0 || u >= 112 || v >= 112) return [255, 255, 255, 255];
          const g = Math.round(255 * (1 - digit[Math.floor(v / 4) * 28 + Math.floor(u / 4)]!));
          return [g, g, g, 255];
        });
        const out = decodeToGray(page, 28, 28, { fit: 'mnist' });
        // fit 'mnist' stretches contrast so the brightest ink is 1, so the target is digit/max.
        // Error bound: the page stores v as a byte, off by e ≤ 0.5/255; the stretch divides by
        // the page's max (maxv + e'), so |(v + e)/(maxv + e') − v/maxv| ≤ (0.5/255)(1 + v/maxv)/maxv
        // ≤ 1/(255·maxv) to first order; plus 1e-6 for f32 rounding.
        // MNIST rounded its own centring shift differently, so allow a one-pixel shift per axis.
        const maxv = Math.max(...digit);
        const tol = 1 / (255 * maxv) + 1e-6;
        let best = Infinity;
        for (const dy of [-1, 0, 1]) for (const dx of [-1, 0, 1]) {
          let worst = 0;
          for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) {
            const [yy, xx] = [y + dy, x + dx];
            const got = yy >= 0 && yy < 28 && xx >= 0 && xx < 28 ? out[yy * 28 + xx]! : 0;
            worst = Math.max(worst, Math.abs(got - digit[y * 28 + x]! / maxv));
          }
          best = Math.min(best, worst);
        }
        expect(best, `digit ${d} sample ${which}: max |diff| at the best ±1 px shift`).toBeLessThanOrEqual(tol);
      }
    }
  });

  it("fit: 'mnist' returns all zeros for a blank page", () => {
    const png = rgbaPng(10, 10, () => [250, 250, 250, 255]);
    expect(decodeToGray(png, 28, 28, { fit: 'mnist' }).every((v) => v === 0)).toBe(true);
  });

  it('rejects bad targets and options', () => {
    const png = rgbaPng(2, 2, () => [0, 0, 0, 255]);
    expect(() => decodeToGray(png, 0, 28)).toThrow(/target size must be positive integers, got 0x28/);
    expect(() => decodeToGray(png, 28, 28, { invert: 'yes' as unknown as boolean })).toThrow(/invert must be 'auto', true or false/);
    expect(() => decodeToGray(png, 28, 28, { fit: 'crop' as 'mnist' })).toThrow(/fit must be 'stretch' or 'mnist'/);
  });
});
