// Live loss and accuracy charts on canvases. Training curves get a point per progress event (x:
// epochs as a fraction, e.g. 1.5 halfway through epoch 2; y: the mean over the batches since the
// previous event, see main.ts); validation curves a marked point per epoch. Redraws are
// coalesced: at most one per REDRAW_MS, in an animation frame, however often progress arrives.
//
// Why canvas and not the training report's SVG chart (src/report/line-chart.ts): replacing an SVG
// of a hundred elements ten times a second made Chromium re-layerize and repaint it on the page's
// main thread, 30-40 ms a time on the busy 2-core development machine, enough to drop frames while
// training. A canvas is one paint chunk. The axes use the report's tick rule (niceTicks), so both
// kinds of chart label their axes alike.

import { niceTicks } from '../report/svg.js';

const TRAIN = '#2f6fed';
const VALIDATION = '#e8590c';
/**
 * Redraw at most this often. The page's main thread shares the cores with training; on the busy
 * 2-core development machine a redraw could take tens of ms of wall time, so fewer of them keep
 * frames coming. Four a second still looks live.
 */
const REDRAW_MS = 250;
const FONT = 'system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif';

interface Curve { x: number[]; y: number[] }
const curve = (): Curve => ({ x: [], y: [] });

interface ChartSpec {
  canvas: HTMLCanvasElement;
  title: string;
  percent: boolean;
  train: Curve;
  validation: Curve;
}

/** Decimals that show a tick step exactly (0.25 -> 2). */
function decimals(step: number): number {
  for (let d = 0; d < 6; d++) if (Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) < 1e-6) return d;
  return 6;
}

function draw(c: ChartSpec, epochs: number): void {
  const { canvas } = c;
  const dpr = Math.max(1, Math.min(3, globalThis.devicePixelRatio || 1));
  const cssW = canvas.clientWidth || 480;
  const cssH = canvas.clientHeight || 280;
  if (canvas.width !== Math.round(cssW * dpr) || canvas.height !== Math.round(cssH * dpr)) {
    canvas.width = Math.round(cssW * dpr);
    canvas.height = Math.round(cssH * dpr);
  }
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, cssW, cssH);
  const L = 52, R = cssW - 12, T = 34, B = cssH - 40;

  const ys = [...c.train.y, ...c.validation.y].filter(Number.isFinite);
  const xt = niceTicks(0, Math.max(epochs, ...c.train.x, ...c.validation.x), 8, 1);
  let yt = ys.length > 0 ? niceTicks(Math.min(...ys), Math.max(...ys), 6) : niceTicks(0, 1, 6);
  if (c.percent) {
    const lo = Math.max(0, yt.lo), hi = Math.min(1, yt.hi);
    yt = { ...yt, lo, hi, ticks: yt.ticks.filter((t) => t >= lo - 1e-12 && t <= hi + 1e-12) };
  }
  const sx = (x: number) => L + ((x - xt.lo) / (xt.hi - xt.lo)) * (R - L);
  const sy = (y: number) => B - ((y - yt.lo) / (yt.hi - yt.lo)) * (B - T);

  ctx.font = `bold 14px ${FONT}`;
  ctx.fillStyle = '#222';
  ctx.textAlign = 'left';
  ctx.textBaseline = 'alphabetic';
  ctx.fillText(c.title, L, 20);

  // Legend, top right.
  ctx.font = `12px ${FONT}`;
  let lx = R;
  for (const [name, color, dashed] of [['validation', VALIDATION, true], ['train', TRAIN, false]] as const) {
    const w = ctx.measureText(name).width;
    lx -= w;
    ctx.fillStyle = '#333';
    ctx.fillText(name, lx, 20);
    lx -= 26;
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.setLineDash(dashed ? [5, 3] : []);
    ctx.beginPath(); ctx.moveTo(lx, 16); ctx.lineTo(lx + 20, 16); ctx.stroke();
    lx -= 14;
  }
  ctx.setLineDash([]);

  // Grid and ticks.
  ctx.strokeStyle = '#e4e4e4';
  ctx.lineWidth = 1;
  ctx.fillStyle = '#555';
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  const yd = decimals(c.percent ? yt.step * 100 : yt.step);
  for (const t of yt.ticks) {
    const y = Math.round(sy(t)) + 0.5;
    ctx.beginPath(); ctx.moveTo(L, y); ctx.lineTo(R, y); ctx.stroke();
    ctx.fillText(c.percent ? `${(t * 100).toFixed(yd)}%` : t.toFixed(yd), L - 6, y);
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const t of xt.ticks) {
    const x = Math.round(sx(t)) + 0.5;
    ctx.beginPath(); ctx.moveTo(x, T); ctx.lineTo(x, B); ctx.stroke();
    ctx.fillText(String(t), x, B + 6);
  }
  ctx.fillText('epoch', (L + R) / 2, B + 22);
  ctx.strokeStyle = '#999';
  ctx.strokeRect(L + 0.5, T + 0.5, R - L, B - T);

  // Series: training as a line, validation as a dashed line with a dot per epoch.
  const line = (cv: Curve, color: string, dashed: boolean) => {
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.lineJoin = 'round';
    ctx.setLineDash(dashed ? [5, 3] : []);
    ctx.beginPath();
    let open = false;
    for (let i = 0; i < cv.x.length; i++) {
      if (!Number.isFinite(cv.y[i])) { open = false; continue; } // a diverged NaN breaks the line
      const x = sx(cv.x[i]!), y = sy(cv.y[i]!);
      if (open) ctx.lineTo(x, y); else ctx.moveTo(x, y);
      open = true;
    }
    ctx.stroke();
    ctx.setLineDash([]);
  };
  line(c.train, TRAIN, false);
  line(c.validation, VALIDATION, true);
  ctx.fillStyle = VALIDATION;
  for (let i = 0; i < c.validation.x.length; i++) {
    if (!Number.isFinite(c.validation.y[i])) continue;
    ctx.beginPath(); ctx.arc(sx(c.validation.x[i]!), sy(c.validation.y[i]!), 3.5, 0, 2 * Math.PI); ctx.fill();
  }
}

/**
 * Progress events carry the epoch's running mean loss and accuracy. Plotted as they are, the curve
 * would jump at every epoch start (a new mean over few batches) and flatten as an epoch goes on.
 * The chart shows the mean over the batches since the previous event instead: from running means
 * m1 over n1 batches and m2 over n2, (m2·n2 − m1·n1) / (n2 − n1). (Batches count alike; only an
 * epoch's last batch may be smaller, which this ignores.)
 */
export class RecentMeans {
  private epoch = -1;
  private batches = 0;
  private loss = 0;
  private accuracy = 0;

  next(p: { epoch: number; batch: number; loss: number; accuracy: number }): { loss: number; accuracy: number } | undefined {
    if (p.epoch !== this.epoch) { this.epoch = p.epoch; this.batches = 0; this.loss = 0; this.accuracy = 0; }
    const n = p.batch + 1;
    if (n <= this.batches) return undefined;
    const out = {
      loss: (p.loss * n - this.loss * this.batches) / (n - this.batches),
      accuracy: (p.accuracy * n - this.accuracy * this.batches) / (n - this.batches),
    };
    this.batches = n; this.loss = p.loss; this.accuracy = p.accuracy;
    return out;
  }
}

export class LiveCharts {
  private readonly loss: ChartSpec;
  private readonly accuracy: ChartSpec;
  private epochs = 1;
  private pending = false;
  private drawnAt = -Infinity;

  constructor(lossCanvas: HTMLCanvasElement, accuracyCanvas: HTMLCanvasElement) {
    this.loss = { canvas: lossCanvas, title: 'loss', percent: false, train: curve(), validation: curve() };
    this.accuracy = { canvas: accuracyCanvas, title: 'accuracy', percent: true, train: curve(), validation: curve() };
    // Redraw at the new size when the layout changes (a narrow screen, a rotated phone).
    new ResizeObserver(() => this.schedule()).observe(lossCanvas);
    this.schedule();
  }

  reset(epochs: number): void {
    for (const c of [this.loss, this.accuracy]) { c.train = curve(); c.validation = curve(); }
    this.epochs = epochs;
    this.schedule();
  }

  /** A running training loss and accuracy at `x` epochs. */
  addTrain(x: number, loss: number, accuracy: number): void {
    this.loss.train.x.push(x); this.loss.train.y.push(loss);
    this.accuracy.train.x.push(x); this.accuracy.train.y.push(accuracy);
    this.schedule();
  }

  /** Validation figures at the end of an epoch (1-based x). */
  addValidation(epoch: number, valLoss: number | undefined, valAccuracy: number | undefined): void {
    if (valLoss !== undefined && valAccuracy !== undefined) {
      this.loss.validation.x.push(epoch); this.loss.validation.y.push(valLoss);
      this.accuracy.validation.x.push(epoch); this.accuracy.validation.y.push(valAccuracy);
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.pending) return;
    this.pending = true;
    const wait = Math.max(0, this.drawnAt + REDRAW_MS - performance.now());
    setTimeout(() => requestAnimationFrame(() => {
      this.pending = false;
      this.drawnAt = performance.now();
      draw(this.loss, this.epochs);
      draw(this.accuracy, this.epochs);
    }), wait);
  }
}
