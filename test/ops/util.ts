// Shared bits of the ops tests: seeded f32 inputs, and comparing an op's f32 result against
// the f64 reference with the per-element bound factor · K · 2^-23 · S (STYLE.md §6).
import { expect } from 'vitest';
import { expectWithin } from '../helpers/compare.js';
import { makeRng, randomArray } from '../helpers/rng.js';
import type { NdArray } from '../../src/ops/index.js';
import type { Ref, RefWithBound } from './reference.js';

export const EPS = 2 ** -23;

/** A seeded random NdArray with values in [lo, hi), rounded to f32. */
export function rand(seed: number, shape: number[], lo = -1, hi = 1): NdArray {
  const n = shape.reduce((a, b) => a * b, 1);
  return { data: Float32Array.from(randomArray(makeRng(seed), n, lo, hi)), shape: [...shape] };
}

/** The exact f64 copy of an f32 array, for the reference. */
export function ref(x: NdArray): Ref {
  return { data: Float64Array.from(x.data), shape: [...x.shape] };
}

/** Rounding bound per element: factor · K_i · 2^-23 · S_i (+1e-30 so an exact zero row is not a 0 bound). */
export function roundingTol(want: RefWithBound, factor = 1): Float64Array {
  const t = new Float64Array(want.data.length);
  for (let i = 0; i < t.length; i++) t[i] = factor * want.terms[i]! * EPS * want.absSum[i]! + 1e-30;
  return t;
}

const worst: Record<string, number> = {};

/** Checks got's shape and values against the reference with the rounding bound; records err/tol. */
export function expectMatchesRef(got: NdArray, want: RefWithBound, label: string, extraTol?: Float64Array): number {
  expect(got.shape, `${label}: shape`).toEqual(want.shape);
  const tol = roundingTol(want);
  if (extraTol) for (let i = 0; i < tol.length; i++) tol[i]! += extraTol[i]!;
  const ratio = expectWithin(got.data, want.data, tol, label);
  const key = label.split(':')[0]!;
  worst[key] = Math.max(worst[key] ?? 0, ratio);
  return ratio;
}

/** Logs the largest err/tol ratio per test group, so drift toward a bound gets noticed. */
export function logWorstRatios(file: string): void {
  const parts = Object.entries(worst).map(([k, v]) => `${k} ${v.toFixed(3)}`);
  console.log(`${file}: worst err/tol: ${parts.join(', ')}`);
}

/** A copy of x with element i set to v (rounded to f32); returns the copy and the value actually stored. */
export function withValue(x: NdArray, i: number, v: number): [NdArray, number] {
  const data = x.data.slice();
  data[i] = v;
  return [{ data, shape: [...x.shape] }, data[i]!];
}

/** A few distinct seeded indices below n (all of them when n ≤ count). */
export function sampleIndices(seed: number, n: number, count: number): number[] {
  if (n <= count) return Array.from({ length: n }, (_, i) => i);
  const rng = makeRng(seed);
  const set = new Set<number>();
  while (set.size < count) set.add(Math.floor(rng() * n));
  return [...set].sort((a, b) => a - b);
}

export interface FdCheck {
  label: string;
  /** The argument being perturbed. */
  x: NdArray;
  /** The op's analytic gradient of L = Σ R·y with respect to x. */
  grad: NdArray;
  /** Rounding bound of each element of `grad` (from the reference backward). */
  gradTol: Float64Array;
  /** The op's output y with x replaced. */
  forward: (x: NdArray) => NdArray;
  /** Rounding bound of each element of y for a given x (from the reference forward). */
  outTol: (x: NdArray) => Float64Array;
  /** The loss weights R (f32 values, held as f64). */
  R: Float64Array;
  h: number;
  rel: number;
  indices: number[];
}

/**
 * Central differences of L = Σ_j R_j·y_j(x) for ops LINEAR in x between x − h and x + h (conv,
 * avg pool, max pool away from ties), so there is no truncation error and what separates the
 * numeric from the analytic gradient is float32 rounding only. Allowed per coordinate i:
 *   rel·(|a| + |n|)
 *   + Σ over outputs j that changed of |R_j|·(bound of y_j at x+h + at x−h) / (x+h − x−h)
 *   + the analytic gradient's own rounding bound.
 * Outputs that did not change are bit-identical in both runs and cancel exactly in the f64 loss.
 * Returns the worst |a − n| / allowed.
 */
export function fdCheck(c: FdCheck): number {
  let worstRatio = 0;
  for (const i of c.indices) {
    const [plus, vp] = withValue(c.x, i, c.x.data[i]! + c.h);
    const [minus, vm] = withValue(c.x, i, c.x.data[i]! - c.h);
    const yp = c.forward(plus);
    const ym = c.forward(minus);
    const tp = c.outTol(plus);
    const tm = c.outTol(minus);
    const step = vp - vm;
    let diff = 0;
    let noise = 0;
    for (let j = 0; j < yp.data.length; j++) {
      if (yp.data[j] === ym.data[j]) continue;
      diff += c.R[j]! * (yp.data[j]! - ym.data[j]!);
      noise += Math.abs(c.R[j]!) * (tp[j]! + tm[j]!);
    }
    const numeric = diff / step;
    const analytic = c.grad.data[i]!;
    const allowed = c.rel * (Math.abs(analytic) + Math.abs(numeric)) + noise / step + c.gradTol[i]!;
    const err = Math.abs(analytic - numeric);
    if (!(err <= allowed)) {
      throw new Error(`${c.label}[${i}]: analytic ${analytic} numeric ${numeric} (|diff| ${err.toExponential(3)} > allowed ${allowed.toExponential(3)})`);
    }
    worstRatio = Math.max(worstRatio, err / allowed);
  }
  return worstRatio;
}
