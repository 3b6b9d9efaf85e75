// The demo's drawing -> MNIST digit pipeline (src/demo/preprocess.ts) and the dataset adaptation
// for zoo models that do not take 28x28x1 ten-class digits (src/demo/data.ts). Pure functions,
// checked in Node against hand-computable cases.

import { describe, expect, it } from 'vitest';
import { centreOfMass, digitForInput, DIGIT_BOX, DIGIT_SIDE, inkBox, resampleArea, toMnistDigit } from '../../src/demo/preprocess.js';
import { digitsForModel } from '../../src/demo/data.js';
import type { Dataset } from '../../src/data/dataset.js';

const PAD = 280;

/** A PAD x PAD ink map with a filled rectangle [x0, x1) x [y0, y1) of value v. */
function rect(x0: number, y0: number, x1: number, y1: number, v = 1): Float32Array {
  const ink = new Float32Array(PAD * PAD);
  for (let y = y0; y < y1; y++) ink.fill(v, y * PAD + x0, y * PAD + x1);
  return ink;
}

const sum = (a: Float32Array) => a.reduce((s, v) => s + v, 0);

describe('resampleArea', () => {
  it('averages whole blocks when the factor is an integer', () => {
    const src = Float32Array.from({ length: 16 }, (_, i) => i); // 4x4, rows 0..3
    // Each 2x2 block's mean: top-left (0+1+4+5)/4 = 2.5, top-right 4.5, bottom-left 10.5, bottom-right 12.5.
    expect(Array.from(resampleArea(src, 4, 4, 2, 2))).toEqual([2.5, 4.5, 10.5, 12.5]);
  });

  it('is the identity at the same size, and keeps the mean at a fractional factor (7x5 -> 3x2)', () => {
    const src = Float32Array.from({ length: 35 }, (_, i) => Math.sin(i) + 1);
    expect(Array.from(resampleArea(src, 7, 5, 7, 5))).toEqual(Array.from(src));
    const out = resampleArea(src, 7, 5, 3, 2);
    // Area weights sum to one per target cell, so the image mean is kept (up to f32 rounding, ~1e-6 here).
    expect(sum(out) / 6).toBeCloseTo(sum(src) / 35, 5);
  });
});

describe('toMnistDigit', () => {
  it('gives undefined for a blank pad (and for ink below the threshold)', () => {
    expect(toMnistDigit(new Float32Array(PAD * PAD), PAD, PAD)).toBeUndefined();
    expect(toMnistDigit(rect(10, 10, 50, 50, 0.04), PAD, PAD)).toBeUndefined();
  });

  it('scales a 40x200 bar to a 4x20 box centred by mass on (14, 14), keeping its ink per area', () => {
    const d = toMnistDigit(rect(30, 50, 70, 250), PAD, PAD)!;
    expect(d.length).toBe(DIGIT_SIDE * DIGIT_SIDE);
    expect(inkBox(d, DIGIT_SIDE, DIGIT_SIDE)).toEqual({ x0: 12, y0: 4, x1: 16, y1: 24 });
    const com = centreOfMass(d, DIGIT_SIDE, DIGIT_SIDE)!;
    expect(com.x).toBeCloseTo(14, 6);
    expect(com.y).toBeCloseTo(14, 6);
    // Scale 20/200 = 0.1: 40x200 source pixels of ink 1 become exactly 4x20 target pixels of ink 1.
    expect(Math.min(...d.filter((v) => v > 0))).toBeCloseTo(1, 6);
    expect(sum(d)).toBeCloseTo(80, 4);
  });

  it('does not depend on where the digit is drawn, nor on how large', () => {
    const a = toMnistDigit(rect(20, 20, 60, 120), PAD, PAD)!;
    const b = toMnistDigit(rect(200, 150, 240, 250), PAD, PAD)!; // the same shape elsewhere
    expect(Array.from(b)).toEqual(Array.from(a));
    const big = toMnistDigit(rect(0, 0, 80, 200), PAD, PAD)!; // twice as large: the same 20-pixel box
    expect(Array.from(big)).toEqual(Array.from(a));
  });

  it('fits the longer side to 20 pixels for a wide stroke too, and keeps values in [0, 1]', () => {
    const d = toMnistDigit(rect(10, 100, 270, 131, 0.8), PAD, PAD)!; // 260 x 31
    const box = inkBox(d, DIGIT_SIDE, DIGIT_SIDE)!;
    expect(box.x1 - box.x0).toBe(DIGIT_BOX);
    expect(box.y1 - box.y0).toBeLessThanOrEqual(3); // 31 * 20/260 = 2.4 rows, partly covered
    expect(Math.max(...d)).toBeLessThanOrEqual(1);
    expect(Math.min(...d)).toBeGreaterThanOrEqual(0);
  });

  it('refuses an ink map of the wrong size', () => {
    expect(() => toMnistDigit(new Float32Array(10), 4, 4)).toThrow(/10 values for a 4x4 image/);
  });
});

describe('digitForInput and digitsForModel', () => {
  const digit = Float32Array.from({ length: 784 }, (_, i) => (i % 29) / 28);

  it('passes a 28x28x1 digit through and pads a 32x32x3 one by 2 pixels, the value in every channel', () => {
    expect(digitForInput(digit, [28, 28, 1])).toBe(digit);
    const rgb = digitForInput(digit, [32, 32, 3]);
    expect(rgb.length).toBe(32 * 32 * 3);
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) {
        const inside = y >= 2 && y < 30 && x >= 2 && x < 30;
        const want = inside ? digit[(y - 2) * 28 + (x - 2)]! : 0;
        for (let c = 0; c < 3; c++) expect(rgb[(y * 32 + x) * 3 + c]).toBe(want);
      }
    }
    expect(() => digitForInput(digit, [24, 24, 1])).toThrow(/cannot read them/);
  });

  const set: Dataset = {
    name: 'digits', images: Float32Array.from({ length: 5 * 784 }, (_, i) => (i % 7) / 7),
    labels: Int32Array.from([3, 0, 1, 1, 9]), count: 5, height: 28, width: 28, channels: 1, numClasses: 10,
  };

  it('keeps only the listed classes, relabelled 0..k-1 (tanh-binary: 0 and 1)', () => {
    const d = digitsForModel(set, [28, 28, 1], [0, 1]);
    expect(d.count).toBe(3);
    expect(Array.from(d.labels)).toEqual([0, 1, 1]);
    expect(d.numClasses).toBe(2);
    expect(Array.from(d.images.subarray(0, 784))).toEqual(Array.from(set.images.subarray(784, 1568)));
  });

  it('pads every image for a 32x32x3 model, as digitForInput does', () => {
    const d = digitsForModel(set, [32, 32, 3]);
    expect([d.count, d.height, d.width, d.channels]).toEqual([5, 32, 32, 3]);
    expect(Array.from(d.images.subarray(4 * 3072))).toEqual(Array.from(digitForInput(set.images.subarray(4 * 784), [32, 32, 3])));
    expect(Array.from(d.labels)).toEqual(Array.from(set.labels));
  });
});
