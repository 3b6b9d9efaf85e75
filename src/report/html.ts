// index.html for the report folder: one static page, inline CSS, no scripts, no network,
// every figure referenced by a relative file name that buildReport also produces.

import type { ConfusionMetrics } from './confusion.js';
import { esc, fmtValue, pct } from './svg.js';
import type { TileRect } from '../image/grid.js';

export interface PageParts {
  title: string;
  summary: Record<string, string | number>;
  epochs: number;
  curves?: { loss: string; accuracy: string; batchNote?: string };
  confusion?: { file: string; metrics: ConfusionMetrics; pxWidth: number; pxHeight: number };
  misclassified?: {
    file: string;
    /** How many misclassified images the caller passed (tiles may be fewer). */
    total: number;
    normalised: boolean;
    /** Where each tile sits in the sprite, its class names, and an optional tooltip. */
    tiles: (TileRect & { pred: string; truth: string; tip?: string })[];
  };
  filters?: { file: string; KH: number; KW: number; C: number; OC: number; pxWidth: number; pxHeight: number };
  featureMaps?: { file: string; H: number; W: number; C: number; title?: string; pxWidth: number; pxHeight: number };
  metricsFile?: string;
}

const CSS = `
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0; background: #f5f6f8; color: #222; }
main { max-width: 1180px; margin: 0 auto; padding: 20px 24px 48px; }
h1 { font-size: 24px; margin: 8px 0 4px; }
h2 { font-size: 18px; margin: 0 0 10px; }
section { background: #fff; border: 1px solid #dde1e6; border-radius: 6px; padding: 16px 18px; margin: 16px 0; }
p.note, figcaption { color: #555; font-size: 13px; margin: 6px 0; }
table { border-collapse: collapse; font-size: 13px; }
th, td { padding: 3px 10px; border-bottom: 1px solid #e6e8eb; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.summary th { font-weight: 600; color: #444; }
tr.avg td { border-top: 2px solid #ccd; font-weight: 600; }
.row { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
figure { margin: 0; }
figure.chart { flex: 1 1 460px; min-width: 0; }
figure.chart img { width: 100%; height: auto; border: 1px solid #eee; }
/* A figure as wide as its picture: the caption wraps to the picture's width. */
figure.fit { max-width: 100%; }
figure.fit img { display: block; width: 100%; height: auto; }
img.chart { max-width: 100%; height: auto; border: 1px solid #eee; }
h3 { font-size: 15px; margin: 0 0 8px; }
div.metrics { flex: 1 1 300px; }
img.pixels { image-rendering: pixelated; border: 1px solid #eee; max-width: 100%; height: auto; }
.tiles { display: flex; flex-wrap: wrap; gap: 10px; }
.mis { margin: 0; text-align: center; }
.mis .tile { background-repeat: no-repeat; image-rendering: pixelated; border: 1px solid #ccc; margin: 0 auto; }
.mis figcaption { font-size: 12px; line-height: 1.3; color: #333; margin-top: 3px; overflow-wrap: anywhere; }
.mis figcaption .pred { color: #b00020; font-weight: 600; }
`;

const metric = (v: number | null) => (v === null ? '—' : pct(v, 1));

export function renderIndexHtml(p: PageParts): string {
  const o: string[] = [];
  o.push('<!DOCTYPE html>');
  o.push('<html lang="en">');
  o.push('<head>');
  o.push('<meta charset="utf-8">');
  o.push('<meta name="viewport" content="width=device-width, initial-scale=1">');
  o.push(`<title>${esc(p.title)}</title>`);
  o.push(`<style>${CSS}</style>`);
  o.push('</head>');
  o.push('<body><main>');
  o.push(`<h1>${esc(p.title)}</h1>`);

  o.push('<section id="summary"><h2>Summary</h2>');
  const entries = Object.entries(p.summary);
  if (entries.length === 0) o.push('<p class="note">No summary values were given.</p>');
  else {
    o.push('<table class="summary"><tbody>');
    for (const [k, v] of entries) o.push(`<tr><th>${esc(k)}</th><td>${esc(fmtValue(v))}</td></tr>`);
    o.push('</tbody></table>');
  }
  o.push('</section>');

  if (p.curves) {
    o.push('<section id="curves"><h2>Training curves</h2><div class="row">');
    o.push(`<figure class="chart"><img src="${esc(p.curves.loss)}" alt="Loss per epoch"></figure>`);
    o.push(`<figure class="chart"><img src="${esc(p.curves.accuracy)}" alt="Accuracy per epoch"></figure>`);
    o.push('</div>');
    const notes = [`${p.epochs} epoch${p.epochs === 1 ? '' : 's'}; dots are per-epoch values (mean over the epoch for training).`];
    if (p.curves.batchNote) notes.push(esc(p.curves.batchNote));
    o.push(`<p class="note">${notes.join(' ')}</p>`);
    o.push('</section>');
  }

  if (p.confusion) {
    const m = p.confusion.metrics;
    o.push('<section id="confusion"><h2>Confusion matrix</h2><div class="row">');
    o.push(`<figure class="fit" style="width:${p.confusion.pxWidth}px"><img src="${esc(p.confusion.file)}" alt="Confusion matrix heat map" width="${p.confusion.pxWidth}" height="${p.confusion.pxHeight}">`);
    o.push('<figcaption>Rows: true class; columns: predicted class. Each cell shows a count; its colour is that count as a share of the row (the true class).</figcaption></figure>');
    o.push('<div class="metrics"><table class="metrics"><thead><tr><th>class</th><th class="num">precision</th><th class="num">recall</th><th class="num">F1</th><th class="num">support</th></tr></thead><tbody>');
    for (const c of m.perClass) {
      o.push(`<tr><td>${esc(c.name)}</td><td class="num">${metric(c.precision)}</td><td class="num">${metric(c.recall)}</td><td class="num">${metric(c.f1)}</td><td class="num">${c.support}</td></tr>`);
    }
    o.push(`<tr class="avg"><td>macro avg</td><td class="num">${metric(m.macroPrecision)}</td><td class="num">${metric(m.macroRecall)}</td><td class="num">${metric(m.macroF1)}</td><td class="num">${m.total}</td></tr>`);
    o.push('</tbody></table>');
    o.push(`<p class="note">Accuracy from the matrix: ${m.accuracy === null ? '—' : pct(m.accuracy, 2)} (${m.correct} of ${m.total}). Precision: of the samples predicted as the class, the share that were; recall: of the samples of the class, the share found. — means undefined (nothing to divide by).</p>`);
    o.push('</div></div></section>');
  }

  if (p.misclassified) {
    const mc = p.misclassified;
    o.push('<section id="misclassified"><h2>Misclassified test images</h2>');
    const shown = mc.tiles.length;
    let note = shown < mc.total ? `Showing the first ${shown} of ${mc.total} misclassified images.` : `${mc.total} misclassified image${mc.total === 1 ? '' : 's'}.`;
    if (mc.normalised) note += ' Pixel values were outside [0, 1], so the images are min-max normalised together.';
    o.push(`<p class="note">${note} Captions read "pred X / true Y".</p>`);
    o.push('<div class="tiles">');
    for (const t of mc.tiles) {
      const style = `width:${t.width}px;height:${t.height}px;background-image:url(${mc.file});background-position:-${t.x}px -${t.y}px`;
      const title = t.tip ? ` title="${esc(t.tip)}"` : '';
      // The caption reads "pred X / true Y"; the line break keeps a figure about as wide as its tile.
      o.push(`<figure class="mis" style="width:${Math.max(t.width + 2, 96)}px"><div class="tile" style="${esc(style)}"${title}></div><figcaption><span class="pred">pred ${esc(t.pred)}</span> /<br>true ${esc(t.truth)}</figcaption></figure>`);
    }
    o.push('</div></section>');
  }

  if (p.filters || p.featureMaps) {
    o.push('<section id="layers"><h2>Inside the network</h2><div class="row">');
    if (p.filters) {
      const f = p.filters;
      const how = f.C === 3 ? 'each shown as RGB' : f.C === 1 ? '' : `one tile per input channel (${f.C} columns), one row per filter`;
      o.push(`<figure class="fit" style="width:${f.pxWidth + 2}px"><h3>First-layer filters</h3><img class="pixels" src="${esc(f.file)}" alt="First-layer filters" width="${f.pxWidth}" height="${f.pxHeight}">`);
      o.push(`<figcaption>First layer: ${f.OC} filters of ${f.KH}×${f.KW}×${f.C}${how ? ', ' + how : ''}; left to right, top to bottom by output channel. Each tile is min-max normalised on its own (dark = most negative, light = most positive).</figcaption></figure>`);
    }
    if (p.featureMaps) {
      const fm = p.featureMaps;
      o.push(`<figure class="fit" style="width:${fm.pxWidth + 2}px"><h3>Feature maps</h3><img class="pixels" src="${esc(fm.file)}" alt="Feature maps" width="${fm.pxWidth}" height="${fm.pxHeight}">`);
      o.push(`<figcaption>${fm.title ? esc(fm.title) + ': ' : 'Feature maps: '}${fm.C} channels of ${fm.H}×${fm.W}, each min-max normalised on its own (an all-constant channel is black).</figcaption></figure>`);
    }
    o.push('</div></section>');
  }

  if (p.metricsFile) o.push(`<p class="note">The numbers behind these figures: <a href="${esc(p.metricsFile)}">${esc(p.metricsFile)}</a>.</p>`);
  o.push('</main></body>');
  o.push('</html>');
  return o.join('\n') + '\n';
}
