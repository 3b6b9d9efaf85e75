// buildReport on synthetic MNIST-like (gray) and CIFAR-like (RGB) runs: files, links, SVG
// structure and content, PNG pixels, metrics, validation messages.
import { describe, expect, it } from 'vitest';
import pngjs from 'pngjs';
import { buildReport, MAX_BATCH_POINTS, MAX_MISCLASSIFIED } from '../../src/report/build.js';
import { confusionMetrics, confusionSvg } from '../../src/report/confusion.js';
import { lineChartSvg } from '../../src/report/line-chart.js';
import { fmtValue, niceTicks } from '../../src/report/svg.js';
import { GAP_COLOR } from '../../src/image/grid.js';
import { toByte } from '../../src/image/image.js';
import type { ReportFiles, ReportInput } from '../../src/report/types.js';
import { allElements, parseXml, textOf, type XmlElement } from './xml.js';
import { CIFAR_NAMES, cifarLikeInput, mnistLikeInput } from './synthetic.js';

const { PNG } = pngjs;

function text(files: ReportFiles, name: string): string {
  const f = files[name];
  if (typeof f !== 'string') throw new Error(`${name}: expected a text file, got ${f === undefined ? 'nothing' : 'bytes'}`);
  return f;
}
function png(files: ReportFiles, name: string) {
  const f = files[name];
  if (!(f instanceof Uint8Array)) throw new Error(`${name}: expected PNG bytes`);
  return PNG.sync.read(Buffer.from(f));
}
function rgbAt(p: { width: number; data: Buffer }, x: number, y: number): number[] {
  const o = (y * p.width + x) * 4;
  return [p.data[o]!, p.data[o + 1]!, p.data[o + 2]!];
}
/** Every relative reference in index.html: src="…", href="…" and CSS url(…). */
function linkedFiles(html: string): string[] {
  const out = new Set<string>();
  for (const m of html.matchAll(/\b(?:src|href)="([^"]*)"/g)) out.add(m[1]!);
  for (const m of html.matchAll(/url\(([^)]*)\)/g)) out.add(m[1]!.replace(/^['"]|['"]$/g, ''));
  return [...out];
}
function byClass(root: XmlElement, cls: string): XmlElement[] {
  return allElements(root).filter((e) => (e.attrs.class ?? '').split(' ').includes(cls));
}

describe.each([
  ['mnist-like (gray)', mnistLikeInput],
  ['cifar-like (RGB)', cifarLikeInput],
])('buildReport %s', (_label, make) => {
  const input = make();
  const files = buildReport(input);

  it('links only files it produced, by relative name, with no network references', () => {
    const html = text(files, 'index.html');
    const links = linkedFiles(html);
    expect(links.length).toBeGreaterThanOrEqual(4);
    for (const l of links) {
      expect(l, 'relative, flat name').toMatch(/^[\w.-]+$/);
      expect(Object.keys(files), `index.html links ${l}`).toContain(l);
    }
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
    expect(html).not.toMatch(/<script/i);
    // Every figure the input asked for is both produced and linked.
    const want = ['loss.svg', 'accuracy.svg', 'confusion.svg', 'misclassified.png', 'filters.png', 'metrics.json'];
    if (input.featureMaps) want.push('feature-maps.png');
    for (const f of want) expect(links, `${f} linked`).toContain(f);
  });

  it('writes well-formed SVGs with titles, axis labels and legend entries', () => {
    for (const name of Object.keys(files).filter((n) => n.endsWith('.svg'))) {
      const root = parseXml(text(files, name));
      expect(root.name, name).toBe('svg');
      expect(root.attrs.xmlns).toBe('http://www.w3.org/2000/svg');
      expect(byClass(root, 'x-label').length, `${name} x label`).toBe(1);
      expect(byClass(root, 'y-label').length, `${name} y label`).toBe(1);
    }
    const loss = parseXml(text(files, 'loss.svg'));
    expect(textOf(byClass(loss, 'x-label')[0]!)).toBe('epoch');
    expect(textOf(byClass(loss, 'y-label')[0]!)).toBe('loss (cross-entropy)');
    const legend = byClass(loss, 'legend-entry').map((e) => textOf(e).trim());
    expect(legend).toContain('train loss');
    expect(legend.includes('validation loss')).toBe(input.history.valLoss !== undefined);
    expect(legend.includes('train loss (per batch)')).toBe(input.batchLoss !== undefined);
    const acc = parseXml(text(files, 'accuracy.svg'));
    expect(byClass(acc, 'legend-entry').map((e) => textOf(e).trim())).toEqual(input.history.valAccuracy ? ['train accuracy', 'validation accuracy'] : ['train accuracy']);
    // Accuracy ticks are percentages and never leave [0 %, 100 %].
    const ticks = allElements(acc).filter((e) => e.name === 'text' && /%$/.test(e.text)).map((e) => parseFloat(e.text));
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    for (const t of ticks) expect(t >= 0 && t <= 100, `tick ${t}%`).toBe(true);
    const conf = parseXml(text(files, 'confusion.svg'));
    expect(textOf(byClass(conf, 'x-label')[0]!)).toBe('Predicted class');
    expect(textOf(byClass(conf, 'y-label')[0]!)).toBe('True class');
  });

  it('shows every confusion count in its cell, and the class labels', () => {
    const root = parseXml(text(files, 'confusion.svg'));
    const cells = byClass(root, 'count');
    const K = input.confusion!.length;
    expect(cells.length).toBe(K * K);
    for (const c of cells) {
      const t = Number(c.attrs['data-true']);
      const p = Number(c.attrs['data-pred']);
      expect(Number(c.text), `cell [${t}][${p}]`).toBe(input.confusion![t]![p]);
    }
    const names = input.classNames ?? Array.from({ length: K }, (_, i) => String(i));
    expect(byClass(root, 'row-labels')[0]!.children.map(textOf)).toEqual(names);
    expect(byClass(root, 'col-labels')[0]!.children.map(textOf)).toEqual(names);
  });

  it('draws the misclassified images as tiles where the page says they are', () => {
    const m = input.misclassified!;
    const p = png(files, 'misclassified.png');
    const html = text(files, 'index.html');
    // Each tile on the page: its size and its offset into the sprite.
    const tiles = [...html.matchAll(/width:(\d+)px;height:(\d+)px;background-image:url\(misclassified\.png\);background-position:-(\d+)px -(\d+)px/g)]
      .map((t) => t.slice(1).map(Number) as [number, number, number, number]);
    expect(tiles.length).toBe(m.predicted.length);
    const scale = tiles[0]![0] / m.width;
    expect(Number.isInteger(scale) && scale >= 1).toBe(true);
    const per = m.height * m.width * m.channels;
    tiles.forEach(([w, h, x0, y0], i) => {
      expect([w, h]).toEqual([m.width * scale, m.height * scale]);
      expect(x0 + w).toBeLessThanOrEqual(p.width);
      expect(y0 + h).toBeLessThanOrEqual(p.height);
      // Sample a few source pixels: the centre of each scaled block holds the image value.
      for (const [sy, sx] of [[0, 0], [m.height >> 1, m.width >> 1], [m.height - 1, m.width - 3]] as const) {
        const s = i * per + (sy * m.width + sx) * m.channels;
        const want = m.channels === 1 ? [0, 0, 0].map(() => toByte(m.images[s]!)) : [0, 1, 2].map((c) => toByte(m.images[s + c]!));
        expect(rgbAt(p, x0 + sx * scale + (scale >> 1), y0 + sy * scale + (scale >> 1)), `tile ${i} pixel (${sy},${sx})`).toEqual(want);
      }
      // Just left of every tile is gap colour.
      expect(rgbAt(p, x0 - 1, y0)).toEqual(GAP_COLOR.map((v) => toByte(v)));
    });
    // Captions: "pred X / true Y" with class names where given.
    const caps = [...html.matchAll(/<figcaption><span class="pred">pred ([^<]*)<\/span> \/<br>true ([^<]*)<\/figcaption>/g)].map((c) => `pred ${c[1]} / true ${c[2]}`);
    const name = (k: number) => input.classNames?.[k] ?? String(k);
    expect(caps).toEqual(m.predicted.map((pr, i) => `pred ${name(pr)} / true ${name(m.actual[i]!)}`));
  });

  it('draws one min-max normalised tile per first-layer filter', () => {
    const f = input.filters!;
    const p = png(files, 'filters.png');
    const html = text(files, 'index.html');
    const [, w, h] = /src="filters\.png" alt="[^"]*" width="(\d+)" height="(\d+)"/.exec(html) ?? [];
    expect([p.width, p.height]).toEqual([Number(w), Number(h)]);
    // Tiles: OC of them (C is 1 or 3 here), ≥ 48 px each, gap 3, 8 per row.
    const scale = Math.ceil(64 / Math.max(f.KH, f.KW));
    const tw = f.KW * scale;
    const cols = Math.min(f.OC, 8);
    expect(p.width).toBe(3 + cols * (tw + 3));
    expect(p.height).toBe(3 + Math.ceil(f.OC / cols) * (f.KH * scale + 3));
    // Per tile: the largest weight shows as 255 and the smallest as 0 (in some channel).
    for (let oc = 0; oc < f.OC; oc++) {
      const x0 = 3 + (oc % cols) * (tw + 3);
      const y0 = 3 + Math.floor(oc / cols) * (f.KH * scale + 3);
      const seen: number[] = [];
      for (let kh = 0; kh < f.KH; kh++) for (let kw = 0; kw < f.KW; kw++) seen.push(...rgbAt(p, x0 + kw * scale + 1, y0 + kh * scale + 1));
      expect(Math.max(...seen), `filter ${oc} max`).toBe(255);
      expect(Math.min(...seen), `filter ${oc} min`).toBe(0);
      // And the weight at (kh, kw) = (0, 0), channel 0, lands where expected.
      let lo = Infinity, hi = -Infinity;
      for (let kh = 0; kh < f.KH; kh++) for (let kw = 0; kw < f.KW; kw++) for (let c = 0; c < f.C; c++) {
        const v = f.data[((kh * f.KW + kw) * f.C + c) * f.OC + oc]!;
        lo = Math.min(lo, v); hi = Math.max(hi, v);
      }
      const w00 = f.data[oc]!; // (0, 0, c=0, oc)
      // The tile value is computed in f32, so allow one 8-bit step of rounding difference.
      expect(Math.abs(rgbAt(p, x0, y0)[0]! - Math.round(((w00 - lo) / (hi - lo)) * 255))).toBeLessThanOrEqual(1);
    }
  });

  it('writes metrics.json with the per-class numbers', () => {
    const j = JSON.parse(text(files, 'metrics.json'));
    expect(j.history.epoch).toEqual(input.history.epoch);
    expect(j.metrics.perClass.length).toBe(input.confusion!.length);
    expect(j.summary).toEqual(input.summary);
  });
});

describe('buildReport details', () => {
  it('puts the summary and per-class precision/recall into index.html, escaped', () => {
    const input: ReportInput = {
      summary: { model: 'a<b>&"c"', 'test accuracy': 0.98765, 'images/s': 12345.678, epochs: 3 },
      history: { epoch: [1], loss: [0.5], accuracy: [0.8] },
      confusion: [[8, 2], [1, 9]],
      classNames: ['<cat>', 'dog & co'],
    };
    const files = buildReport(input);
    const html = text(files, 'index.html');
    expect(html).toContain('<tr><th>model</th><td>a&lt;b&gt;&amp;&quot;c&quot;</td></tr>');
    expect(html).toContain('<tr><th>test accuracy</th><td>0.9877</td></tr>');
    expect(html).toContain('<tr><th>images/s</th><td>12346</td></tr>');
    // Class "<cat>": precision 8/9, recall 8/10, F1 = 2·(8/9)(8/10)/((8/9)+(8/10)) = 16/19.
    expect(html).toContain('<tr><td>&lt;cat&gt;</td><td class="num">88.9%</td><td class="num">80.0%</td><td class="num">84.2%</td><td class="num">10</td></tr>');
    expect(html).toContain('<td>dog &amp; co</td>');
    expect(html).not.toContain('<cat>');
    parseXml(text(files, 'confusion.svg')); // class names escaped in the SVG too (throws if not)
    expect(text(files, 'confusion.svg')).toContain('&lt;cat&gt;');
  });

  it('computes precision, recall and F1, with undefined ones as null', () => {
    // Class 2 is never predicted (precision undefined) and class 1 never occurs (recall undefined).
    const m = confusionMetrics([[5, 1, 0], [0, 0, 0], [2, 2, 0]]);
    const [c0, c1, c2] = m.perClass;
    expect(c0!.precision).toBeCloseTo(5 / 7, 15);
    expect(c0!.recall).toBeCloseTo(5 / 6, 15);
    expect(c1!.precision).toBe(0);
    expect(c1!.recall).toBeNull();
    expect(c1!.f1).toBeNull();
    expect(c2!.precision).toBeNull();
    expect(c2!.recall).toBe(0);
    expect([m.total, m.correct]).toEqual([10, 5]);
    expect(m.accuracy).toBe(0.5);
    expect(m.macroRecall).toBeCloseTo((5 / 6 + 0) / 2, 15);
  });

  it('hides counts that do not fit but keeps every cell (K = 100)', () => {
    const K = 100;
    const m = Array.from({ length: K }, (_, t) => Array.from({ length: K }, (_, p) => (t === p ? 90 : p === (t + 1) % K ? 10 : 0)));
    const root = parseXml(confusionSvg(m));
    expect(byClass(root, 'count').length).toBe(0);
    expect(allElements(byClass(root, 'cells')[0]!).filter((e) => e.name === 'rect').length).toBe(K * K);
  });

  it('breaks a curve at NaN instead of drawing through it, and shows "no data" when empty', () => {
    const svg = lineChartSvg({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 's', x: [1, 2, 3, 4, 5], y: [1, 0.5, NaN, 0.3, 0.2], color: '#000' }] });
    const lines = allElements(parseXml(svg)).filter((e) => e.name === 'polyline');
    expect(lines.map((l) => l.attrs.points!.split(' ').length)).toEqual([2, 2]);
    const empty = lineChartSvg({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 's', x: [], y: [], color: '#000' }] });
    expect(textOf(parseXml(empty))).toContain('no data');
  });

  it('spreads per-batch losses over the epochs and averages long runs', () => {
    const base = mnistLikeInput();
    const few = buildReport({ ...base, batchLoss: Array.from({ length: 12 }, (_, i) => 1 + i) });
    const s = allElements(parseXml(text(few, 'loss.svg'))).find((e) => e.attrs['data-series'] === 'train loss (per batch)')!;
    // 12 batches over 6 epochs: x = 0.5, 1, …, 6, so the last point sits on the last epoch's x.
    const pts = s.children[0]!.attrs.points!.split(' ').map((p) => p.split(',').map(Number));
    expect(pts.length).toBe(12);
    const epochPts = allElements(parseXml(text(few, 'loss.svg'))).find((e) => e.attrs['data-series'] === 'train loss')!
      .children.filter((c) => c.name === 'circle').map((c) => Number(c.attrs.cx));
    expect(pts[11]![0]).toBe(epochPts[5]);
    expect(pts[1]![0]).toBe(epochPts[0]);
    const L = 10 * MAX_BATCH_POINTS;
    const many = buildReport({ ...base, batchLoss: Array.from({ length: L }, () => 1) });
    const k = Math.ceil(L / (MAX_BATCH_POINTS / 2));
    const name = `train loss (mean of ${k} batches)`;
    const g = allElements(parseXml(text(many, 'loss.svg'))).find((e) => e.attrs['data-series'] === name)!;
    expect(g.children[0]!.attrs.points!.split(' ').length).toBe(Math.ceil(L / k));
  });

  it(`shows at most ${MAX_MISCLASSIFIED} misclassified tiles and says how many there were`, () => {
    const N = MAX_MISCLASSIFIED + 5;
    const files = buildReport({
      summary: {}, history: { epoch: [], loss: [], accuracy: [] },
      misclassified: { images: new Float32Array(N * 4), height: 2, width: 2, channels: 1, predicted: Array(N).fill(1), actual: Array(N).fill(0) },
    });
    const html = text(files, 'index.html');
    expect(html.match(/class="tile"/g)!.length).toBe(MAX_MISCLASSIFIED);
    expect(html).toContain(`Showing the first ${MAX_MISCLASSIFIED} of ${N} misclassified images.`);
  });

  it('min-max normalises standardised (out-of-[0,1]) images together', () => {
    const files = buildReport({
      summary: {}, history: { epoch: [1], loss: [1], accuracy: [0.5] },
      misclassified: { images: Float32Array.from([-2, 2, 0, 0, /* image 2: */ 1, 1, 1, 1]), height: 2, width: 2, channels: 1, predicted: [0, 1], actual: [1, 0] },
    });
    const p = png(files, 'misclassified.png');
    const html = text(files, 'index.html');
    const pos = [...html.matchAll(/background-position:-(\d+)px -(\d+)px/g)].map((m) => [Number(m[1]), Number(m[2])]);
    const [x0, y0] = pos[0]!;
    const [x1, y1] = pos[1]!;
    // Global range [-2, 2]: -2 → 0, 2 → 255, 0 → 128 (0.5), 1 → 191 (0.75).
    expect(rgbAt(p, x0!, y0!)[0]).toBe(0);
    expect(rgbAt(p, x0! + 40, y0!)[0]).toBe(255);
    expect(rgbAt(p, x1!, y1!)[0]).toBe(191);
    expect(html).toContain('min-max normalised together');
  });

  it('rejects bad input with messages that name the field', () => {
    const ok = mnistLikeInput();
    const bad = (patch: Partial<ReportInput>) => () => buildReport({ ...ok, ...patch });
    expect(bad({ history: { ...ok.history, accuracy: ok.history.accuracy.map((a) => a * 100) } })).toThrow(/history\.accuracy\[0\] \(epoch 1\) = .*fraction in \[0, 1\], not a percentage/);
    expect(bad({ history: { ...ok.history, loss: [1] } })).toThrow(/history\.loss has 1 entries, expected 6/);
    expect(bad({ confusion: [[1, 2], [3]] })).toThrow(/row 1 has 1 entries, expected K = 2/);
    expect(bad({ confusion: [[1, -2], [3, 4]] })).toThrow(/confusion\[0\]\[1\] = -2: counts must be non-negative integers/);
    expect(bad({ classNames: ['a', 'b'] })).toThrow(/classNames has 2 names, expected one per confusion row \(K = 10\)/);
    expect(bad({ misclassified: { ...ok.misclassified!, images: new Float32Array(5) } })).toThrow(/misclassified\.images has 5 values, expected N·height·width·channels = 12·28·28·1 = 9408/);
    expect(bad({ misclassified: { ...ok.misclassified!, predicted: ok.misclassified!.predicted.map(() => 10) } })).toThrow(/predicted\[0\] = 10: expected an integer class index in \[0, 9\]/);
    expect(bad({ misclassified: { ...ok.misclassified!, channels: 4 } })).toThrow(/channels must be 1 \(gray\) or 3 \(RGB\), got 4/);
    expect(bad({ filters: { ...ok.filters!, OC: 7 } })).toThrow(/filters\.data has 200 values, expected KH·KW·C·OC \(HWIO\) = 5·5·1·7 = 175/);
    expect(bad({ featureMaps: { ...ok.featureMaps!, H: 0 } })).toThrow(/featureMaps\.H must be a positive integer, got 0/);
    expect(bad({ summary: { x: {} as unknown as string } })).toThrow(/summary\["x"\] must be a string or a number/);
  });
});

describe('niceTicks / fmtValue', () => {
  it('chooses 1-2-5 steps that cover the range', () => {
    expect(niceTicks(0.03, 2.41)).toMatchObject({ lo: 0, hi: 2.5, step: 0.5, ticks: [0, 0.5, 1, 1.5, 2, 2.5] });
    expect(niceTicks(1, 6, 8, 1)).toMatchObject({ lo: 1, hi: 6, step: 1 });
    expect(niceTicks(0.9712, 0.9873).ticks).toEqual([0.97, 0.975, 0.98, 0.985, 0.99]);
    const one = niceTicks(1, 1, 8, 1);
    expect(one.lo < 1 && one.hi > 1).toBe(true);
  });

  it('formats summary values readably', () => {
    expect([fmtValue(3), fmtValue(0.98765), fmtValue(12345.678), fmtValue(123.456), fmtValue(0.00001234), fmtValue('x')]).toEqual(['3', '0.9877', '12346', '123.5', '1.23e-5', 'x']);
  });
});

describe('CIFAR class names', () => {
  it('appear in the page captions', () => {
    const html = text(buildReport(cifarLikeInput()), 'index.html');
    for (const n of ['automobile', 'airplane', 'truck']) expect(html).toContain(n);
    expect(CIFAR_NAMES.length).toBe(10);
  });
});

describe('buildReport: issue 7 details', () => {
  const xTicks = (svg: string) => byClass(parseXml(svg), 'x-ticks')[0]!.children.map((c) => textOf(c));

  it('a one-epoch run draws the loss and accuracy charts on the same epoch axis', () => {
    const base = mnistLikeInput();
    const one: ReportInput = {
      ...base,
      history: { epoch: [1], loss: [0.9], accuracy: [0.7], valLoss: [1.0], valAccuracy: [0.65] },
      batchLoss: Array.from({ length: 7 }, (_, i) => 2 - 0.2 * i), // at x = 1/7 … 1
    };
    const files = buildReport(one);
    const lossTicks = xTicks(text(files, 'loss.svg'));
    expect(lossTicks).toEqual(['0', '1']);
    expect(xTicks(text(files, 'accuracy.svg'))).toEqual(lossTicks);
    // Without per-batch losses both charts still agree with each other.
    const plain = buildReport({ ...one, batchLoss: undefined });
    expect(xTicks(text(plain, 'accuracy.svg'))).toEqual(xTicks(text(plain, 'loss.svg')));
  });

  it('several epochs: both charts share the axis that the per-batch curve needs', () => {
    const files = buildReport(mnistLikeInput()); // 6 epochs, per-batch losses from x = 0.025
    expect(xTicks(text(files, 'accuracy.svg'))).toEqual(xTicks(text(files, 'loss.svg')));
  });

  it('misclassified.total: the page says how many of how many are shown', () => {
    const base = mnistLikeInput(); // 12 images passed
    const html = text(buildReport({ ...base, misclassified: { ...base.misclassified!, total: 130 } }), 'index.html');
    expect(html).toContain('Showing the first 12 of 130 misclassified images.');
    expect(text(buildReport(base), 'index.html')).toContain('12 misclassified images.');
    expect(() => buildReport({ ...base, misclassified: { ...base.misclassified!, total: 5 } })).toThrow(/misclassified\.total = 5: expected an integer ≥ 12/);
  });
});
