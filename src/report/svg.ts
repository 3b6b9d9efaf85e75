// Tiny helpers for writing SVG and HTML as strings: escaping, number formatting, axis ticks.

/** Escapes text for XML/HTML element content and double-quoted attribute values. */
export function esc(s: string | number): string {
  return String(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A coordinate with at most 2 decimals, so SVG files stay short and stable. */
export function n2(v: number): string {
  return String(Math.round(v * 100) / 100);
}

/** `<tag a="1" b="x">` attributes from a record; undefined values are skipped, values escaped. */
export function attrs(a: Record<string, string | number | undefined>): string {
  let s = '';
  for (const [k, v] of Object.entries(a)) {
    if (v === undefined) continue;
    s += ` ${k}="${esc(typeof v === 'number' ? n2(v) : v)}"`;
  }
  return s;
}

/**
 * "Nice" axis ticks covering [lo, hi]: the step is 1, 2 or 5 times a power of ten, chosen so
 * there are at most maxTicks ticks, and the domain is widened outwards to whole steps.
 * minStep floors the step (1 for an epoch axis, so ticks stay on whole epochs).
 * A zero-width range is widened by one step each way.
 */
export function niceTicks(lo: number, hi: number, maxTicks = 6, minStep = 0): { lo: number; hi: number; step: number; ticks: number[] } {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) { lo = 0; hi = 1; }
  if (hi < lo) [lo, hi] = [hi, lo];
  let span = hi - lo;
  if (span === 0) span = Math.max(Math.abs(lo), minStep, 1e-9) * 0.2;
  let step = Math.max(niceStep(span / Math.max(1, maxTicks - 1)), minStep);
  let a = Math.floor(lo / step + 1e-9) * step;
  let b = Math.ceil(hi / step - 1e-9) * step;
  if (a === b) { a -= step; b += step; }
  // Rounding up the step can still leave too many ticks after widening; step up once more.
  while ((b - a) / step + 1 > maxTicks + 0.5) {
    step = niceStep(step * 1.01);
    a = Math.floor(lo / step + 1e-9) * step;
    b = Math.ceil(hi / step - 1e-9) * step;
  }
  const ticks: number[] = [];
  const count = Math.round((b - a) / step);
  for (let i = 0; i <= count; i++) ticks.push(roundTo(a + i * step, step));
  return { lo: ticks[0]!, hi: ticks[ticks.length - 1]!, step, ticks };
}

/** The smallest of 1, 2, 5 × 10^k that is ≥ raw. */
function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw * (1 - 1e-9)) return m * p;
  return 10 * p;
}

/** Removes float noise such as 0.30000000000000004 by rounding to the step's decimals. */
function roundTo(v: number, step: number): number {
  const d = decimalsFor(step);
  return Number(v.toFixed(d));
}

/** Decimals needed to print multiples of step exactly (0 for steps ≥ 1). */
export function decimalsFor(step: number): number {
  return Math.max(0, Math.min(10, -Math.floor(Math.log10(step) + 1e-9)));
}

/**
 * Formats a summary or table value: integers as they are, other numbers to about four
 * significant digits without switching to exponent notation for ordinary magnitudes.
 */
export function fmtValue(v: string | number): string {
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1000) return v.toFixed(0);
  if (a >= 100) return v.toFixed(1);
  if (a >= 1e-3) return String(Number(v.toPrecision(4)));
  return v.toExponential(2);
}

/** A value in [0, 1] as a percentage with the given decimals, e.g. 0.98765 → "98.77%". */
export function pct(v: number, decimals = 2): string {
  return `${(v * 100).toFixed(decimals)}%`;
}
