// Gradient check, stage 1 (STYLE.md §6): the f64 reference's conv2d backward passes against
// central differences of its forward pass.
//
// Loss L(x, w, bias) = Σ_i r_i · y_i with fixed random r, so dL/dy = r and the analytic
// gradients are dx = backward_input(r, w), dw = backward_filter(r, x), db = Σ r per channel.
// Numeric gradient: (L(θ + h) − L(θ − h)) / 2h with h = 1e-6, every coordinate of x, w and bias.
// Bound: |a − n| / max(|a| + |n|, 1e-8) < 1e-6. L is linear in each coordinate, so the
// difference quotient has no truncation error; what is left is f64 rounding of L (≈ 1e-16·Σ|terms|
// ≈ 1e-15 here) divided by 2h, about 1e-9 absolute, so the check needs |a| ≳ 1e-3. Inputs are
// drawn from ±[0.5, 1) (no near-zero values) and the shapes are small, which keeps every
// gradient entry well above that; the test also asserts that the smallest |gradient| it checked
// is above 1e-3, so a lucky near-cancellation cannot quietly weaken it.

import { describe, expect, it } from 'vitest';
import { makeRng } from '../helpers/rng.js';
import {
  conv2dForwardRef, conv2dBackwardInputRef, conv2dBackwardFilterRef, xSize, ySize, wSize, type ConvGeom,
} from '../reference/conv2d.js';

/** Geometry as windowGeom would produce it, written out so the reference stands alone. */
function geom(B: number, H: number, W: number, C: number, OC: number, KH: number, KW: number,
  SH: number, SW: number, pad: 'valid' | 'same' | number): ConvGeom {
  const axis = (n: number, k: number, s: number) => {
    if (pad === 'valid') return { out: Math.floor((n - k) / s) + 1, before: 0 };
    if (pad === 'same') {
      const out = Math.ceil(n / s);
      return { out, before: Math.floor(Math.max((out - 1) * s + k - n, 0) / 2) };
    }
    return { out: Math.floor((n + 2 * pad - k) / s) + 1, before: pad };
  };
  const h = axis(H, KH, SH), w = axis(W, KW, SW);
  return { B, H, W, C, OH: h.out, OW: w.out, OC, KH, KW, SH, SW, PT: h.before, PL: w.before };
}

/** Values in ±[0.5, 1): no entry near zero. */
function awayFromZero(rng: () => number, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (rng() < 0.5 ? -1 : 1) * (0.5 + 0.5 * rng());
  return out;
}

const H_STEP = 1e-6;
const BOUND = 1e-6;

const CASES: [string, ConvGeom][] = [
  ['B2 5x6x3 -> 4@3x3 valid', geom(2, 5, 6, 3, 4, 3, 3, 1, 1, 'valid')],
  ['B1 5x5x2 -> 3@2x2 same (extra pad bottom/right)', geom(1, 5, 5, 2, 3, 2, 2, 1, 1, 'same')],
  ['B2 7x6x2 -> 3@3x3 stride 2 pad 1', geom(2, 7, 6, 2, 3, 3, 3, 2, 2, 1)],
  ['B1 6x5x3 -> 2@3x2 stride (2,1) same', geom(1, 6, 5, 3, 2, 3, 2, 2, 1, 'same')],
  ['B1 4x4x1 -> 5@5x5 same (C = 1, kernel larger than the image)', geom(1, 4, 4, 1, 5, 5, 5, 1, 1, 'same')],
  ['B2 5x7x1 -> 6@5x5 same (C = 1, odd width: the shape class of the direct SIMD kernels)', geom(2, 5, 7, 1, 6, 5, 5, 1, 1, 'same')],
  ['B1 6x9x1 -> 3@3x3 stride (2,1) pad 1 (C = 1)', geom(1, 6, 9, 1, 3, 3, 3, 2, 1, 1)],
];

describe('conv2d reference gradients match central differences (h = 1e-6, rel err < 1e-6)', () => {
  CASES.forEach(([name, g], idx) => {
    it(name, () => {
      const rng = makeRng(4242 + idx);
      const x = awayFromZero(rng, xSize(g));
      const w = awayFromZero(rng, wSize(g));
      const bias = awayFromZero(rng, g.OC);
      const r = awayFromZero(rng, ySize(g));
      const loss = () => {
        const y = conv2dForwardRef(x, w, bias, g).value;
        let s = 0;
        for (let i = 0; i < y.length; i++) s += r[i]! * y[i]!;
        return s;
      };
      const dx = conv2dBackwardInputRef(r, w, g).value;
      const { dw, db } = conv2dBackwardFilterRef(r, x, g);

      let worst = 0;
      let smallest = Infinity;
      for (const [what, param, grad] of [['x', x, dx], ['w', w, dw.value], ['bias', bias, db.value]] as const) {
        for (let i = 0; i < param.length; i++) {
          const keep = param[i]!;
          param[i] = keep + H_STEP;
          const up = loss();
          param[i] = keep - H_STEP;
          const down = loss();
          param[i] = keep;
          const numeric = (up - down) / (2 * H_STEP);
          const analytic = grad[i]!;
          // An input no window reads (possible with stride > kernel) has gradient exactly 0.
          if (analytic === 0 && numeric === 0) continue;
          const rel = Math.abs(analytic - numeric) / Math.max(Math.abs(analytic) + Math.abs(numeric), 1e-8);
          if (!(rel < BOUND)) {
            throw new Error(`${name}: d${what}[${i}] analytic ${analytic} numeric ${numeric} rel err ${rel.toExponential(2)} ≥ ${BOUND}`);
          }
          worst = Math.max(worst, rel);
          smallest = Math.min(smallest, Math.abs(analytic));
        }
      }
      expect(smallest, 'smallest |gradient| checked (the bound needs ≳ 1e-3)').toBeGreaterThan(1e-3);
      console.log(`conv2d gradcheck ${name}: worst rel err ${worst.toExponential(2)}, smallest |grad| ${smallest.toExponential(2)}`);
    });
  });

  it('detects a wrong backward (sanity check of the check itself)', () => {
    // Same loss, but compare against a backward_input that uses the un-flipped window offset:
    // the test above would have to fail for it, so this must find a large error.
    const g = geom(1, 5, 5, 1, 1, 3, 3, 1, 1, 'same');
    const rng = makeRng(9);
    const x = awayFromZero(rng, xSize(g));
    const w = awayFromZero(rng, wSize(g));
    const r = awayFromZero(rng, ySize(g));
    const wFlipped = Float64Array.from({ length: 9 }, (_, i) => w[8 - i]!);
    const wrong = conv2dBackwardInputRef(r, wFlipped, g).value;
    const loss = () => conv2dForwardRef(x, w, undefined, g).value.reduce((s, y, i) => s + r[i]! * y, 0);
    let worst = 0;
    for (let i = 0; i < x.length; i++) {
      const keep = x[i]!;
      x[i] = keep + H_STEP; const up = loss();
      x[i] = keep - H_STEP; const down = loss();
      x[i] = keep;
      const numeric = (up - down) / (2 * H_STEP);
      worst = Math.max(worst, Math.abs(wrong[i]! - numeric) / Math.max(Math.abs(wrong[i]!) + Math.abs(numeric), 1e-8));
    }
    expect(worst).toBeGreaterThan(1e-2);
  });
});
