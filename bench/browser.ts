// LeNet-5 training speed in Chromium against Node, side by side in one run, at the same thread
// count: images/s of fit() on the embedded digits (7,996 images, batch 32, Adam), as a user of
// each gets it. Chromium trains in the page's trainer worker (src/browser, the demo's path: a
// cross-origin isolated page, shared memory, the Web Worker pool); Node calls model.fit in this
// process (worker_threads pool).
//
//   npm run bench:browser [-- --threads N] [--rounds R] [--json FILE]
//
// 1. Verify: one warm-up epoch on each side from the same seed; the losses must be bit-identical
//    (the same wasm, data order and reduction order; threads change no bit), else exit 1.
// 2. Time: R rounds, each one more epoch on each side, the order alternating (Node first in even
//    rounds, Chromium first in odd ones) so a drift in machine load hits both alike. Reported:
//    each side's median images/s and the median over rounds of Chromium / Node in the same round.
//    Target (issue 10): Chromium ≥ 0.9x Node.
//
// Needs /usr/bin/chromium (or CHROMIUM_PATH) and the kernel builds (npm run asbuild).

import { Command } from 'commander';
import { build } from 'esbuild';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { zooEntry, zooModel } from '../src/model/zoo.js';
import { loadEmbeddedMnist } from '../src/data/mnist-node.js';
import { availableThreads } from '../src/pool/pool.js';
import { buildDemo } from '../src/cli/demo-build.js';
import { serveDemo } from '../src/cli/demo.js';
import { writeJsonAtomic, gitCommit } from './lib/report.js';

const MODEL = 'lenet5';
const SEED = 1;
const TARGET = 0.9;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

interface Args { threads: number; rounds: number; json?: string }

function parseArgs(argv: string[]): Args {
  const p = new Command('bench:browser')
    .option('--threads <n>', `threads on both sides (default ${availableThreads()}: the available cores)`)
    .option('--rounds <n>', 'timed epochs per side', '5')
    .option('--json <file>', 'write the figures as JSON to FILE')
    .allowExcessArguments(false);
  p.parse(argv, { from: 'user' });
  const o = p.opts<{ threads?: string; rounds: string; json?: string }>();
  const threads = o.threads === undefined ? availableThreads() : Number(o.threads);
  const rounds = Number(o.rounds);
  if (!Number.isInteger(threads) || threads < 1 || threads > 256) p.error(`error: --threads must be a whole number from 1 to 256, got '${o.threads}'`);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 100) p.error(`error: --rounds must be a whole number from 1 to 100, got '${o.rounds}'`);
  return { threads, rounds, json: o.json };
}

/** The page side: the browser API on window, for page.evaluate. */
const PAGE_ENTRY = `
import { createTrainerWorker, loadEmbeddedDigits } from '${join(import.meta.dirname, '../src/browser/index.js')}';
window.benchApi = { createTrainerWorker, loadEmbeddedDigits };
`;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

interface RoundRow { round: number; runtime: 'node' | 'chromium'; order: number; imagesPerSecond: number; seconds: number; loss: number }

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const entry = zooEntry(MODEL);
  const batchSize = entry.recipe.batchSize;
  const dir = await mkdtemp(join(os.tmpdir(), 'simdnet-bench-browser-'));
  const page = join(dir, 'page');
  await buildDemo(page);
  await build({
    stdin: { contents: PAGE_ENTRY, resolveDir: import.meta.dirname, loader: 'ts' },
    outfile: join(page, 'bench.js'), bundle: true, format: 'esm', platform: 'browser', target: 'es2022',
    external: ['node:*'], logLevel: 'silent',
  });
  await writeFile(join(page, 'bench.html'), '<!doctype html><title>bench</title><script type="module" src="bench.js"></script>');
  const server = await serveDemo({ dir: page, port: 0, host: '127.0.0.1' });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const tab = await browser.newPage();
    await tab.goto(new URL('bench.html', server.url).href);
    await tab.waitForFunction(() => 'benchApi' in window);
    const chromeVersion = browser.version();
    const info = await tab.evaluate(async ({ threads, model, seed }) => {
      const api = (window as unknown as { benchApi: typeof import('../src/browser/index.js') }).benchApi;
      const w = await api.createTrainerWorker({ threads, build: 'simd' });
      const digits = await api.loadEmbeddedDigits();
      await w.compile({ zoo: model, seed });
      Object.assign(window, { benchWorker: w, benchTrain: digits.train });
      return { ...w.info, isolated: crossOriginIsolated, count: digits.train.count };
    }, { threads: args.threads, model: MODEL, seed: SEED });
    if (info.threads !== args.threads) throw new Error(`Chromium trains on ${info.threads} threads, not ${args.threads} (cross-origin isolated: ${info.isolated})`);
    const chromeEpoch = (seed: number) => tab.evaluate(async ({ batchSize, seed }) => {
      const g = window as unknown as { benchWorker: import('../src/browser/index.js').TrainerWorker; benchTrain: import('../src/data/dataset.js').Dataset };
      const r = await g.benchWorker.fit(g.benchTrain, { epochs: 1, batchSize, seed });
      return { imagesPerSecond: r.history.imagesPerSecond[0]!, loss: r.history.loss[0]!, seconds: r.history.imagesPerSecond[0] ? g.benchTrain.count / r.history.imagesPerSecond[0] : NaN };
    }, { batchSize, seed });

    const { train } = await loadEmbeddedMnist();
    const model = await zooModel(MODEL, { seed: SEED, threads: args.threads });
    const nodeEpoch = async (seed: number) => {
      const h = await model.fit(train, { epochs: 1, batchSize, seed });
      return { imagesPerSecond: h.imagesPerSecond[0]!, loss: h.loss[0]!, seconds: train.count / h.imagesPerSecond[0]! };
    };

    const load0 = os.loadavg();
    const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
    console.log(`bench:browser: ${MODEL} B=${batchSize}, ${train.count} images per epoch, ${args.threads} thread(s) on both sides; ` +
      `${cpu}, ${os.cpus().length} cores (load ${load0.map((x) => x.toFixed(2)).join(' ')}); node ${process.version}, Chromium ${chromeVersion}, ` +
      `page kernels ${info.build}`);

    // 1. Verify: the same first epoch on both sides, to the bit.
    const n0 = await nodeEpoch(SEED);
    const c0 = await chromeEpoch(SEED);
    if (n0.loss !== c0.loss) {
      console.error(`verify FAILED: the first epoch's loss is ${n0.loss} in Node but ${c0.loss} in Chromium (expected bit-identical)`);
      process.exitCode = 1;
      return;
    }
    console.log(`verify: first-epoch loss ${n0.loss} in both (bit-identical); warm-up ${n0.imagesPerSecond.toFixed(0)} (node) / ${c0.imagesPerSecond.toFixed(0)} (chromium) img/s`);

    // 2. Time, alternating the order.
    const rows: RoundRow[] = [];
    const ratios: number[] = [];
    console.log(`${'round'.padStart(5)} ${'node img/s'.padStart(11)} ${'chromium img/s'.padStart(15)} ${'chromium/node'.padStart(14)}`);
    for (let r = 0; r < args.rounds; r++) {
      const seed = SEED + 1 + r;
      const nodeFirst = r % 2 === 0;
      const a = nodeFirst ? await nodeEpoch(seed) : await chromeEpoch(seed);
      const b = nodeFirst ? await chromeEpoch(seed) : await nodeEpoch(seed);
      const [n, c] = nodeFirst ? [a, b] : [b, a];
      rows.push({ round: r, runtime: 'node', order: nodeFirst ? 0 : 1, ...n }, { round: r, runtime: 'chromium', order: nodeFirst ? 1 : 0, ...c });
      ratios.push(c.imagesPerSecond / n.imagesPerSecond);
      console.log(`${String(r).padStart(5)} ${n.imagesPerSecond.toFixed(0).padStart(11)} ${c.imagesPerSecond.toFixed(0).padStart(15)} ${(c.imagesPerSecond / n.imagesPerSecond).toFixed(2).padStart(13)}x`);
    }
    const nodeMedian = median(rows.filter((x) => x.runtime === 'node').map((x) => x.imagesPerSecond));
    const chromeMedian = median(rows.filter((x) => x.runtime === 'chromium').map((x) => x.imagesPerSecond));
    const ratio = median(ratios);
    const load1 = os.loadavg();
    console.log(`median: node ${nodeMedian.toFixed(0)} img/s, chromium ${chromeMedian.toFixed(0)} img/s; median ratio chromium/node ${ratio.toFixed(2)}x ` +
      `(target ≥ ${TARGET}x: ${ratio >= TARGET ? 'met' : 'MISSED'}); load average at the end ${load1.map((x) => x.toFixed(2)).join(' ')}`);
    if (args.json) {
      const commit = gitCommit();
      await writeJsonAtomic(args.json, {
        bench: 'browser', model: MODEL, batchSize, images: train.count, threads: args.threads, rounds: args.rounds,
        node: process.version, v8: process.versions.v8, chromium: chromeVersion, pageBuild: info.build, cpu, cores: os.cpus().length,
        commit, date: new Date().toISOString(), loadAverageBefore: load0, loadAverageAfter: load1,
        verify: { loss: n0.loss, bitIdentical: true },
        results: rows, nodeImagesPerSecond: nodeMedian, chromiumImagesPerSecond: chromeMedian, ratio,
        target: { measure: 'chromium / node images/s', bound: TARGET, status: ratio >= TARGET ? 'met' : 'missed' },
      });
      console.log(`wrote ${args.json}`);
    }
    model.dispose();
  } finally {
    await browser.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

main().then(() => process.exit(process.exitCode ?? 0), (e: unknown) => {
  console.error(`bench:browser: ${(e as Error).stack ?? String(e)}`);
  process.exit(1);
});
