// A static SVG line chart: frame, grid, ticks, axis labels, title, legend to the right.
// Non-finite y values (a diverged NaN loss) break the line instead of bending it to 0.
// Output is deterministic for the same input, so tests can compare strings.

import { attrs, decimalsFor, esc, n2, niceTicks } from './svg.js';

export interface Series {
  name: string;
  x: readonly number[];
  y: readonly number[];
  color: string;
  /** SVG stroke-dasharray, e.g. "6 4"; solid when absent. */
  dash?: string;
  /** Draw a dot at every point (for per-epoch series, so a single epoch still shows). */
  markers?: boolean;
  strokeWidth?: number;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  /** 'percent' prints y ticks as percentages (values are fractions in [0, 1]). */
  yFormat?: 'number' | 'percent';
  /** Never let the y axis leave this range (e.g. [0, 1] for accuracy). */
  yBounds?: readonly [number, number];
  /** Smallest x tick step (1 for epochs). */
  xMinStep?: number;
  /** The x axis covers at least this range (e.g. the same range for charts shown side by side). */
  xDomain?: readonly [number, number];
  width?: number;
  height?: number;
}

export const FONT = 'system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif';

/** The legend column is as wide as its longest name (about 0.6 em per character at 12 px). */
function legendWidth(series: readonly Series[]): number {
  return 56 + Math.ceil(Math.max(0, ...series.map((s) => s.name.length)) * 7.2);
}

/** The default chart width: 72 px of y axis, a 380 px plot, then the legend. */
export function chartWidth(series: readonly Series[]): number {
  return 72 + 380 + legendWidth(series);
}

export function lineChartSvg(o: LineChartOptions): string {
  const legendW = legendWidth(o.series);
  const W = o.width ?? chartWidth(o.series);
  const H = o.height ?? 330;
  const L = 72;
  const R = W - legendW;
  const T = 40;
  const B = H - 52;

  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of o.series) {
    if (s.x.length !== s.y.length) {
      throw new RangeError(`series "${s.name}": ${s.x.length} x values but ${s.y.length} y values`);
    }
    for (let i = 0; i < s.x.length; i++) {
      if (Number.isFinite(s.x[i]) && Number.isFinite(s.y[i])) { xs.push(s.x[i]!); ys.push(s.y[i]!); }
    }
  }
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg"${attrs({ width: W, height: H, viewBox: `0 0 ${W} ${H}`, 'font-family': FONT, 'font-size': 12 })}>`);
  out.push(`<title>${esc(o.title)}</title>`);
  out.push(`<rect${attrs({ x: 0, y: 0, width: W, height: H, fill: '#ffffff' })}/>`);
  out.push(`<text${attrs({ class: 'chart-title', x: (L + R) / 2, y: 24, 'text-anchor': 'middle', 'font-size': 15, 'font-weight': 'bold', fill: '#222' })}>${esc(o.title)}</text>`);

  if (xs.length === 0) {
    out.push(`<rect${attrs({ x: L, y: T, width: R - L, height: B - T, fill: 'none', stroke: '#999' })}/>`);
    out.push(`<text${attrs({ x: (L + R) / 2, y: (T + B) / 2, 'text-anchor': 'middle', fill: '#777' })}>no data</text>`);
    out.push(axisLabels(o, L, R, T, B, H));
    out.push('</svg>');
    return out.join('\n') + '\n';
  }

  const xd = o.xDomain?.filter(Number.isFinite) ?? [];
  const xt = niceTicks(Math.min(...xs, ...xd), Math.max(...xs, ...xd), 8, o.xMinStep ?? 0);
  let yt = niceTicks(Math.min(...ys), Math.max(...ys), 6);
  if (o.yBounds) {
    const [blo, bhi] = o.yBounds;
    const lo = Math.max(yt.lo, blo);
    const hi = Math.min(yt.hi, bhi);
    yt = { ...yt, lo, hi, ticks: yt.ticks.filter((t) => t >= lo - 1e-12 && t <= hi + 1e-12) };
  }
  const sx = (x: number) => L + ((x - xt.lo) / (xt.hi - xt.lo)) * (R - L);
  const sy = (y: number) => B - ((y - yt.lo) / (yt.hi - yt.lo)) * (B - T);
  const xDec = decimalsFor(xt.step);
  const yLabel = (v: number) =>
    o.yFormat === 'percent' ? `${(v * 100).toFixed(decimalsFor(yt.step * 100))}%` : v.toFixed(decimalsFor(yt.step));

  // Grid and ticks.
  out.push('<g class="grid" stroke="#e4e4e4" stroke-width="1">');
  for (const t of yt.ticks) out.push(`<line${attrs({ x1: L, x2: R, y1: sy(t), y2: sy(t) })}/>`);
  for (const t of xt.ticks) out.push(`<line${attrs({ x1: sx(t), x2: sx(t), y1: T, y2: B })}/>`);
  out.push('</g>');
  out.push('<g class="y-ticks" fill="#444" text-anchor="end">');
  for (const t of yt.ticks) out.push(`<text${attrs({ x: L - 8, y: sy(t), dy: '0.32em' })}>${esc(yLabel(t))}</text>`);
  out.push('</g>');
  out.push('<g class="x-ticks" fill="#444" text-anchor="middle">');
  for (const t of xt.ticks) out.push(`<text${attrs({ x: sx(t), y: B + 18 })}>${esc(t.toFixed(xDec))}</text>`);
  out.push('</g>');
  out.push(`<rect${attrs({ x: L, y: T, width: R - L, height: B - T, fill: 'none', stroke: '#888' })}/>`);

  // Series, in the order given (the first is drawn underneath).
  for (const s of o.series) {
    out.push(`<g${attrs({ class: 'series', 'data-series': s.name, fill: 'none', stroke: s.color, 'stroke-width': s.strokeWidth ?? 2, 'stroke-dasharray': s.dash, 'stroke-linejoin': 'round' })}>`);
    let run: string[] = [];
    const flush = () => {
      if (run.length > 1) out.push(`<polyline points="${run.join(' ')}"/>`);
      run = [];
    };
    for (let i = 0; i < s.x.length; i++) {
      if (Number.isFinite(s.x[i]) && Number.isFinite(s.y[i])) run.push(`${n2(sx(s.x[i]!))},${n2(sy(s.y[i]!))}`);
      else flush();
    }
    flush();
    if (s.markers) {
      for (let i = 0; i < s.x.length; i++) {
        if (Number.isFinite(s.x[i]) && Number.isFinite(s.y[i])) {
          out.push(`<circle${attrs({ cx: sx(s.x[i]!), cy: sy(s.y[i]!), r: 3, fill: s.color, stroke: 'none' })}/>`);
        }
      }
    }
    out.push('</g>');
  }

  // Legend, right of the plot.
  out.push('<g class="legend">');
  o.series.forEach((s, i) => {
    const y = T + 8 + i * 22;
    const x = R + 16;
    out.push(`<g class="legend-entry">`);
    out.push(`<line${attrs({ x1: x, x2: x + 26, y1: y, y2: y, stroke: s.color, 'stroke-width': s.strokeWidth ?? 2, 'stroke-dasharray': s.dash })}/>`);
    if (s.markers) out.push(`<circle${attrs({ cx: x + 13, cy: y, r: 3, fill: s.color })}/>`);
    out.push(`<text${attrs({ x: x + 34, y, dy: '0.32em', fill: '#222' })}>${esc(s.name)}</text>`);
    out.push('</g>');
  });
  out.push('</g>');
  out.push(axisLabels(o, L, R, T, B, H));
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function axisLabels(o: LineChartOptions, L: number, R: number, T: number, B: number, H: number): string {
  const cy = (T + B) / 2;
  return [
    `<text${attrs({ class: 'x-label', x: (L + R) / 2, y: H - 12, 'text-anchor': 'middle', 'font-size': 13, fill: '#222' })}>${esc(o.xLabel)}</text>`,
    `<text${attrs({ class: 'y-label', x: 18, y: cy, 'text-anchor': 'middle', 'font-size': 13, fill: '#222', transform: `rotate(-90 18 ${n2(cy)})` })}>${esc(o.yLabel)}</text>`,
  ].join('\n');
}
