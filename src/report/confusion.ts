// Confusion matrix: per-class metrics and an SVG heat map.
//
// matrix[t][p] = number of test samples whose true class is t and predicted class is p
// (rows true, columns predicted). Cell colour is the row-normalised fraction
// matrix[t][p] / Σ_p matrix[t][p], so each row shows where class t's samples went whatever
// the class sizes; the text in the cell is the raw count.
//   precision_k = M[k][k] / Σ_t M[t][k]   (of everything predicted k, the share that was k)
//   recall_k    = M[k][k] / Σ_p M[k][p]   (of everything truly k, the share predicted k)
//   F1_k        = 2·P·R / (P + R)
// A metric whose denominator is 0 is undefined and reported as null.

import { FONT } from './line-chart.js';
import { attrs, esc, n2 } from './svg.js';

export interface ClassMetrics {
  name: string;
  /** Row sum: how many test samples truly belong to the class. */
  support: number;
  /** Column sum: how many were predicted as the class. */
  predicted: number;
  correct: number;
  precision: number | null;
  recall: number | null;
  f1: number | null;
}

export interface ConfusionMetrics {
  perClass: ClassMetrics[];
  total: number;
  correct: number;
  accuracy: number | null;
  /** Unweighted means over the classes where the metric is defined. */
  macroPrecision: number | null;
  macroRecall: number | null;
  macroF1: number | null;
}

/** Throws unless m is a non-empty K×K matrix of non-negative integer counts. */
export function checkConfusion(m: readonly (readonly number[])[], classNames?: readonly string[]): void {
  if (!Array.isArray(m) || m.length === 0) throw new RangeError('confusion: expected a non-empty K×K array of counts');
  const K = m.length;
  m.forEach((row, t) => {
    if (!Array.isArray(row) || row.length !== K) {
      throw new RangeError(`confusion: row ${t} has ${Array.isArray(row) ? row.length : 'no'} entries, expected K = ${K} (the matrix must be square)`);
    }
    row.forEach((v, p) => {
      if (!(Number.isInteger(v) && v >= 0)) {
        throw new RangeError(`confusion[${t}][${p}] = ${v}: counts must be non-negative integers`);
      }
    });
  });
  if (classNames !== undefined && classNames.length !== K) {
    throw new RangeError(`classNames has ${classNames.length} names, expected one per confusion row (K = ${K})`);
  }
}

export function defaultClassNames(K: number): string[] {
  return Array.from({ length: K }, (_, i) => String(i));
}

function mean(vs: (number | null)[]): number | null {
  const d = vs.filter((v): v is number => v !== null);
  return d.length ? d.reduce((a, b) => a + b, 0) / d.length : null;
}

export function confusionMetrics(m: readonly (readonly number[])[], classNames?: readonly string[]): ConfusionMetrics {
  checkConfusion(m, classNames);
  const K = m.length;
  const names = classNames ?? defaultClassNames(K);
  let total = 0;
  let correct = 0;
  const perClass: ClassMetrics[] = [];
  for (let k = 0; k < K; k++) {
    let support = 0;
    let predicted = 0;
    for (let j = 0; j < K; j++) {
      support += m[k]![j]!;
      predicted += m[j]![k]!;
    }
    const c = m[k]![k]!;
    total += support;
    correct += c;
    const precision = predicted > 0 ? c / predicted : null;
    const recall = support > 0 ? c / support : null;
    const f1 = precision !== null && recall !== null ? (precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0) : null;
    perClass.push({ name: names[k]!, support, predicted, correct: c, precision, recall, f1 });
  }
  return {
    perClass,
    total,
    correct,
    accuracy: total > 0 ? correct / total : null,
    macroPrecision: mean(perClass.map((c) => c.precision)),
    macroRecall: mean(perClass.map((c) => c.recall)),
    macroF1: mean(perClass.map((c) => c.f1)),
  };
}

// Sequential blue scale (white → dark blue), linear between stops, t in [0, 1].
const STOPS: [number, number, number][] = [
  [0xf7, 0xfb, 0xff],
  [0x9e, 0xca, 0xe1],
  [0x31, 0x82, 0xbd],
  [0x08, 0x30, 0x6b],
];

export function heatColor(t: number): string {
  const u = Math.min(1, Math.max(0, t)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(u));
  const f = u - i;
  const a = STOPS[i]!;
  const b = STOPS[i + 1]!;
  const hex = (k: 0 | 1 | 2) => Math.round(a[k] + (b[k] - a[k]) * f).toString(16).padStart(2, '0');
  return `#${hex(0)}${hex(1)}${hex(2)}`;
}

/** Rough width in px of a label at the given font size (average glyph ≈ 0.6 em). */
function textWidth(s: string, size: number): number {
  return s.length * size * 0.6;
}

export function confusionSvg(m: readonly (readonly number[])[], classNames?: readonly string[]): string {
  checkConfusion(m, classNames);
  const K = m.length;
  const names = classNames ?? defaultClassNames(K);
  // Cells shrink with K so the map stays about 440 px; counts are drawn only if they fit.
  const cell = Math.max(8, Math.min(48, Math.floor(440 / K)));
  const maxCount = Math.max(...m.map((r) => Math.max(...r)));
  const countSize = Math.min(13, Math.floor(cell * 0.34));
  const showCounts = countSize >= 8 && textWidth(String(maxCount), countSize) <= cell - 4;
  const labelSize = Math.min(12, Math.max(7, Math.floor(cell * 0.6)));
  const longest = Math.max(...names.map((s) => textWidth(s, labelSize)));
  const rotate = longest > cell - 4; // column labels turned 45° when they do not fit flat
  const left = 44 + Math.ceil(longest) + 8;
  const top = 44;
  const gridW = K * cell;
  const colLabelH = rotate ? Math.ceil(longest * Math.SQRT1_2) + 16 : labelSize + 10;
  const legendX = left + gridW + 24;
  const W = legendX + 70;
  const H = top + gridW + colLabelH + 34;

  const rowSums = m.map((r) => r.reduce((a, b) => a + b, 0));
  const o: string[] = [];
  o.push(`<svg xmlns="http://www.w3.org/2000/svg"${attrs({ width: W, height: H, viewBox: `0 0 ${W} ${H}`, 'font-family': FONT, 'font-size': 12 })}>`);
  o.push('<title>Confusion matrix</title>');
  o.push(`<rect${attrs({ x: 0, y: 0, width: W, height: H, fill: '#ffffff' })}/>`);
  o.push(`<text${attrs({ class: 'chart-title', x: left + gridW / 2, y: 24, 'text-anchor': 'middle', 'font-size': 15, 'font-weight': 'bold', fill: '#222' })}>Confusion matrix (colour: share of the true class)</text>`);

  o.push('<g class="cells">');
  for (let t = 0; t < K; t++) {
    for (let p = 0; p < K; p++) {
      const c = m[t]![p]!;
      const frac = rowSums[t]! > 0 ? c / rowSums[t]! : 0;
      const x = left + p * cell;
      const y = top + t * cell;
      const tip = `true ${names[t]}, predicted ${names[p]}: ${c}` + (rowSums[t]! > 0 ? ` (${(frac * 100).toFixed(1)}% of ${names[t]})` : '');
      o.push(`<rect${attrs({ x, y, width: cell, height: cell, fill: rowSums[t]! > 0 ? heatColor(frac) : '#eeeeee', stroke: '#ffffff', 'stroke-width': 1 })}><title>${esc(tip)}</title></rect>`);
      if (showCounts) {
        o.push(`<text${attrs({ class: 'count', 'data-true': t, 'data-pred': p, x: x + cell / 2, y: y + cell / 2, dy: '0.35em', 'text-anchor': 'middle', 'font-size': countSize, fill: frac > 0.5 ? '#ffffff' : '#222222', 'font-weight': t === p ? 'bold' : undefined })}>${c}</text>`);
      }
    }
  }
  o.push('</g>');
  o.push(`<rect${attrs({ x: left, y: top, width: gridW, height: gridW, fill: 'none', stroke: '#888' })}/>`);

  o.push(`<g class="row-labels" fill="#222" text-anchor="end" font-size="${labelSize}">`);
  names.forEach((s, t) => o.push(`<text${attrs({ x: left - 6, y: top + t * cell + cell / 2, dy: '0.35em' })}>${esc(s)}</text>`));
  o.push('</g>');
  o.push(`<g class="col-labels" fill="#222" font-size="${labelSize}">`);
  names.forEach((s, p) => {
    const x = left + p * cell + cell / 2;
    const y = top + gridW + 6;
    if (rotate) o.push(`<text${attrs({ x, y, dy: '0.7em', 'text-anchor': 'end', transform: `rotate(-45 ${n2(x)} ${n2(y)})` })}>${esc(s)}</text>`);
    else o.push(`<text${attrs({ x, y, dy: '0.9em', 'text-anchor': 'middle' })}>${esc(s)}</text>`);
  });
  o.push('</g>');

  const midY = top + gridW / 2;
  o.push(`<text${attrs({ class: 'x-label', x: left + gridW / 2, y: top + gridW + colLabelH + 20, 'text-anchor': 'middle', 'font-size': 13, 'font-weight': 'bold', fill: '#222' })}>Predicted class</text>`);
  o.push(`<text${attrs({ class: 'y-label', x: 18, y: midY, 'text-anchor': 'middle', 'font-size': 13, 'font-weight': 'bold', fill: '#222', transform: `rotate(-90 18 ${n2(midY)})` })}>True class</text>`);

  // Colour key: a vertical bar from 0% (bottom) to 100% (top), made of bands (no gradient defs).
  const bands = 20;
  const barH = Math.min(gridW, 200);
  const bandH = barH / bands;
  o.push('<g class="color-key">');
  for (let i = 0; i < bands; i++) {
    const t = (i + 0.5) / bands;
    o.push(`<rect${attrs({ x: legendX, y: top + barH - (i + 1) * bandH, width: 14, height: bandH + 0.5, fill: heatColor(t) })}/>`);
  }
  o.push(`<rect${attrs({ x: legendX, y: top, width: 14, height: barH, fill: 'none', stroke: '#888' })}/>`);
  o.push(`<text${attrs({ x: legendX + 20, y: top, dy: '0.35em', fill: '#444', 'font-size': 11 })}>100%</text>`);
  o.push(`<text${attrs({ x: legendX + 20, y: top + barH, dy: '0.35em', fill: '#444', 'font-size': 11 })}>0%</text>`);
  o.push('</g>');
  o.push('</svg>');
  return o.join('\n') + '\n';
}
