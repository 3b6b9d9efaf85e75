// buildReport: ReportInput → the files of a self-contained report folder (no I/O here).
//
//   index.html          summary table, every figure, per-class metrics; relative links only
//   loss.svg            loss per epoch (train, validation), plus per-batch train loss if given
//   accuracy.svg        accuracy per epoch (train, validation)
//   confusion.svg       heat map, when `confusion` is given
//   misclassified.png   tile grid (a sprite: index.html cuts it up and captions each tile)
//   filters.png         first-layer filters, one tile per output channel
//   feature-maps.png    one image's activations, one tile per channel
//   metrics.json        the numbers behind the figures, for replotting elsewhere
// Bad input throws a RangeError/TypeError naming the field and what was expected.

import { featureMapTiles, filterTiles, scaleToAtLeast } from '../image/tensor-tiles.js';
import { tileGrid, type Grid } from '../image/grid.js';
import { encodePng } from '../image/png.js';
import { isPositiveInt, normalizeMinMax, type ImageF32 } from '../image/image.js';
import { confusionMetrics, confusionSvg, checkConfusion, type ConfusionMetrics } from './confusion.js';
import { chartWidth, lineChartSvg, type Series } from './line-chart.js';
import { renderIndexHtml, type PageParts } from './html.js';
import type { ReportFiles, ReportInput, TrainingHistory } from './types.js';

/** At most this many misclassified tiles are drawn; the page says how many were left out. */
export const MAX_MISCLASSIFIED = 100;
/** Above this many per-batch points, consecutive batches are averaged into ~750 points. */
export const MAX_BATCH_POINTS = 1500;

const COLORS = { train: '#1f77b4', val: '#e6550d', batch: '#a6c8e6' };

export function buildReport(input: ReportInput): ReportFiles {
  validateReportInput(input);
  const files: ReportFiles = {};
  const h = input.history;
  const parts: PageParts = { title: input.title ?? 'simdnet training report', summary: input.summary, epochs: h.epoch.length };

  // Curves.
  const loss: Series[] = [];
  let batchNote: string | undefined;
  if (input.batchLoss && input.batchLoss.length > 0) {
    const b = batchSeries(input.batchLoss, h);
    loss.push({ name: b.name, x: b.x, y: b.y, color: COLORS.batch, strokeWidth: 1 });
    batchNote = b.note;
  }
  loss.push({ name: 'train loss', x: h.epoch, y: h.loss, color: COLORS.train, markers: true });
  if (h.valLoss) loss.push({ name: 'validation loss', x: h.epoch, y: h.valLoss, color: COLORS.val, markers: true, dash: '6 4' });
  const acc: Series[] = [{ name: 'train accuracy', x: h.epoch, y: h.accuracy, color: COLORS.train, markers: true }];
  if (h.valAccuracy) acc.push({ name: 'validation accuracy', x: h.epoch, y: h.valAccuracy, color: COLORS.val, markers: true, dash: '6 4' });
  // Both charts get the same width and the same epoch axis (the per-batch curve starts before
  // the first epoch's point), so they line up when shown side by side.
  const width = Math.max(chartWidth(loss), chartWidth(acc));
  const xDomain = xExtent([...loss, ...acc]);
  files['loss.svg'] = lineChartSvg({ title: 'Loss', xLabel: 'epoch', yLabel: 'loss (cross-entropy)', series: loss, xMinStep: 1, width, xDomain });
  files['accuracy.svg'] = lineChartSvg({ title: 'Accuracy', xLabel: 'epoch', yLabel: 'accuracy', series: acc, xMinStep: 1, yFormat: 'percent', yBounds: [0, 1], width, xDomain });
  parts.curves = { loss: 'loss.svg', accuracy: 'accuracy.svg', batchNote };

  // Confusion matrix and per-class metrics.
  let metrics: ConfusionMetrics | undefined;
  if (input.confusion) {
    const svg = confusionSvg(input.confusion, input.classNames);
    files['confusion.svg'] = svg;
    metrics = confusionMetrics(input.confusion, input.classNames);
    parts.confusion = { file: 'confusion.svg', metrics, ...svgSize(svg) };
  }

  // Misclassified images.
  const mis = input.misclassified;
  if (mis && mis.predicted.length > 0) {
    const { height: h0, width: w0 } = mis;
    const ch = mis.channels as 1 | 3;
    const n = mis.predicted.length;
    const shown = Math.min(n, MAX_MISCLASSIFIED);
    const per = h0 * w0 * ch;
    const inRange = mis.images.every((v) => v >= 0 && v <= 1);
    const pixels = inRange ? mis.images : normalizeMinMax(mis.images, 0);
    const tiles: ImageF32[] = [];
    for (let i = 0; i < shown; i++) tiles.push({ data: pixels.subarray(i * per, (i + 1) * per), height: h0, width: w0, channels: ch });
    const grid = tileGrid(tiles, { columns: Math.min(shown, 10), scale: scaleToAtLeast(Math.max(h0, w0), 72), gap: 4 });
    files['misclassified.png'] = encodePng(grid.image);
    const name = (k: number) => input.classNames?.[k] ?? String(k);
    parts.misclassified = {
      file: 'misclassified.png',
      total: mis.total ?? n,
      normalised: !inRange,
      tiles: grid.rects.map((r, i) => ({
        ...r,
        pred: name(mis.predicted[i]!),
        truth: name(mis.actual[i]!),
        tip: mis.indices ? `test image #${mis.indices[i]}` : undefined,
      })),
    };
  }

  // First-layer filters.
  const f = input.filters;
  if (f) {
    const t = filterTiles(f.data, f.KH, f.KW, f.C, f.OC);
    const grid = tileGrid(t.tiles, { columns: t.columns ?? Math.min(t.tiles.length, 8), scale: scaleToAtLeast(Math.max(f.KH, f.KW), 64), gap: 3 });
    files['filters.png'] = encodePng(grid.image);
    parts.filters = { file: 'filters.png', ...f, ...gridSize(grid) };
  }

  // Feature maps.
  const fm = input.featureMaps;
  if (fm) {
    const t = featureMapTiles(fm.data, fm.H, fm.W, fm.C);
    const grid = tileGrid(t.tiles, { columns: Math.min(t.tiles.length, 8), scale: scaleToAtLeast(Math.max(fm.H, fm.W), 64), gap: 3 });
    files['feature-maps.png'] = encodePng(grid.image);
    parts.featureMaps = { file: 'feature-maps.png', H: fm.H, W: fm.W, C: fm.C, title: fm.title, ...gridSize(grid) };
  }

  files['metrics.json'] = JSON.stringify(
    { summary: input.summary, history: h, batchLoss: input.batchLoss, confusion: input.confusion, classNames: input.classNames, metrics },
    (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), // JSON has no NaN
    1,
  ) + '\n';
  parts.metricsFile = 'metrics.json';
  files['index.html'] = renderIndexHtml(parts);
  return files;
}

/** The width and height attributes of an SVG this module generated (always plain numbers). */
function svgSize(svg: string): { pxWidth: number; pxHeight: number } {
  const m = /^<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  if (!m) throw new Error('internal: generated SVG has no width/height');
  return { pxWidth: Number(m[1]), pxHeight: Number(m[2]) };
}

function gridSize(g: Grid): { pxWidth: number; pxHeight: number } {
  return { pxWidth: g.image.width, pxHeight: g.image.height };
}

/** The smallest and largest finite x of the series' drawable points, or undefined if there are none. */
function xExtent(series: readonly Series[]): [number, number] | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    s.x.forEach((x, i) => {
      if (Number.isFinite(x) && Number.isFinite(s.y[i])) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
    });
  }
  return lo <= hi ? [lo, hi] : undefined;
}

/** Places per-batch losses on the epoch axis (see ReportInput.batchLoss), averaging if there are many. */
function batchSeries(bl: readonly number[], h: TrainingHistory): { name: string; x: number[]; y: number[]; note?: string } {
  const E = Math.max(1, h.epoch.length);
  const e0 = h.epoch.length ? h.epoch[0]! : 1;
  const L = bl.length;
  const xAt = (i: number) => e0 - 1 + ((i + 1) * E) / L;
  if (L <= MAX_BATCH_POINTS) return { name: 'train loss (per batch)', x: bl.map((_, i) => xAt(i)), y: [...bl] };
  const k = Math.ceil(L / (MAX_BATCH_POINTS / 2));
  const x: number[] = [];
  const y: number[] = [];
  for (let s = 0; s < L; s += k) {
    const e = Math.min(L, s + k);
    let sum = 0;
    let cnt = 0;
    for (let i = s; i < e; i++) if (Number.isFinite(bl[i])) { sum += bl[i]!; cnt++; }
    x.push(xAt(e - 1));
    y.push(cnt ? sum / cnt : NaN);
  }
  return { name: `train loss (mean of ${k} batches)`, x, y, note: `${L} per-batch losses, averaged in groups of ${k} consecutive batches.` };
}

// ---------------------------------------------------------------------------------------------
// Validation: everything is checked before any file is built.

function isNumArray(a: unknown): a is number[] {
  return Array.isArray(a) && a.every((v) => typeof v === 'number');
}

function checkSeries(name: string, a: unknown, n: number): void {
  if (!isNumArray(a)) throw new TypeError(`history.${name} must be an array of numbers`);
  if (a.length !== n) throw new RangeError(`history.${name} has ${a.length} entries, expected ${n} (one per history.epoch entry)`);
}

function checkFractions(name: string, a: readonly number[], epochs: readonly number[]): void {
  a.forEach((v, i) => {
    if (Number.isFinite(v) && (v < 0 || v > 1)) {
      throw new RangeError(`history.${name}[${i}] (epoch ${epochs[i]}) = ${v}: accuracy must be a fraction in [0, 1], not a percentage`);
    }
  });
}

function checkClassIndices(name: string, a: unknown, n: number, K: number | undefined): void {
  if (!isNumArray(a) || a.length !== n) throw new RangeError(`misclassified.${name} must be an array of ${n} class indices (one per image)`);
  a.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0 || (K !== undefined && v >= K)) {
      throw new RangeError(`misclassified.${name}[${i}] = ${v}: expected an integer class index in [0, ${K === undefined ? '∞' : K - 1}]`);
    }
  });
}

export function validateReportInput(input: ReportInput): void {
  if (typeof input !== 'object' || input === null) throw new TypeError('buildReport: expected a ReportInput object');
  if (typeof input.summary !== 'object' || input.summary === null || Array.isArray(input.summary)) {
    throw new TypeError('summary must be a record of string or number values');
  }
  for (const [k, v] of Object.entries(input.summary)) {
    if (typeof v !== 'string' && typeof v !== 'number') throw new TypeError(`summary["${k}"] must be a string or a number, got ${typeof v}`);
  }
  const h = input.history;
  if (typeof h !== 'object' || h === null) throw new TypeError('history is required: { epoch, loss, accuracy, valLoss?, valAccuracy? }');
  if (!isNumArray(h.epoch) || !h.epoch.every(Number.isFinite)) throw new TypeError('history.epoch must be an array of finite numbers');
  const n = h.epoch.length;
  checkSeries('loss', h.loss, n);
  checkSeries('accuracy', h.accuracy, n);
  checkFractions('accuracy', h.accuracy, h.epoch);
  if (h.valLoss !== undefined) checkSeries('valLoss', h.valLoss, n);
  if (h.valAccuracy !== undefined) {
    checkSeries('valAccuracy', h.valAccuracy, n);
    checkFractions('valAccuracy', h.valAccuracy, h.epoch);
  }
  if (input.batchLoss !== undefined && !isNumArray(input.batchLoss)) throw new TypeError('batchLoss must be an array of numbers');

  let K: number | undefined;
  if (input.confusion !== undefined) {
    checkConfusion(input.confusion, input.classNames);
    K = input.confusion.length;
  }
  if (input.classNames !== undefined) {
    if (!Array.isArray(input.classNames) || !input.classNames.every((s) => typeof s === 'string')) {
      throw new TypeError('classNames must be an array of strings');
    }
    K ??= input.classNames.length;
  }

  const m = input.misclassified;
  if (m) {
    if (!(m.images instanceof Float32Array)) throw new TypeError('misclassified.images must be a Float32Array (NHWC)');
    if (!isPositiveInt(m.height) || !isPositiveInt(m.width)) throw new RangeError(`misclassified: height and width must be positive integers, got ${m.height}x${m.width}`);
    if (m.channels !== 1 && m.channels !== 3) throw new RangeError(`misclassified.channels must be 1 (gray) or 3 (RGB), got ${m.channels}`);
    if (!Array.isArray(m.predicted)) throw new TypeError('misclassified.predicted must be an array of class indices');
    const N = m.predicted.length;
    const want = N * m.height * m.width * m.channels;
    if (m.images.length !== want) {
      throw new RangeError(`misclassified.images has ${m.images.length} values, expected N·height·width·channels = ${N}·${m.height}·${m.width}·${m.channels} = ${want} (N = predicted.length)`);
    }
    checkClassIndices('predicted', m.predicted, N, K);
    checkClassIndices('actual', m.actual, N, K);
    if (m.total !== undefined && !(Number.isSafeInteger(m.total) && m.total >= N)) {
      throw new RangeError(`misclassified.total = ${m.total}: expected an integer ≥ ${N} (the number of images passed)`);
    }
    if (m.indices !== undefined && (!isNumArray(m.indices) || m.indices.length !== N)) {
      throw new RangeError(`misclassified.indices must be an array of ${N} numbers (one per image)`);
    }
  }
  const f = input.filters;
  if (f && !(f.data instanceof Float32Array)) throw new TypeError('filters.data must be a Float32Array (HWIO)');
  const fm = input.featureMaps;
  if (fm && !(fm.data instanceof Float32Array)) throw new TypeError('featureMaps.data must be a Float32Array (HWC)');
  // filterTiles / featureMapTiles check sizes too, but only midway through the build.
  if (f) checkDimsProduct('filters', f.data.length, { KH: f.KH, KW: f.KW, C: f.C, OC: f.OC }, 'KH·KW·C·OC (HWIO)');
  if (fm) checkDimsProduct('featureMaps', fm.data.length, { H: fm.H, W: fm.W, C: fm.C }, 'H·W·C (HWC)');
}

function checkDimsProduct(what: string, len: number, dims: Record<string, number>, layout: string): void {
  let n = 1;
  for (const [k, v] of Object.entries(dims)) {
    if (!isPositiveInt(v)) throw new RangeError(`${what}.${k} must be a positive integer, got ${v}`);
    n *= v;
  }
  if (len !== n) throw new RangeError(`${what}.data has ${len} values, expected ${layout} = ${Object.values(dims).join('·')} = ${n}`);
}
