// The package as a user meets it: `npm pack`, install the tarball into a fresh project, bundle a
// small page with esbuild (a main entry and the trainer worker as a second entry; the .wasm
// builds and the digits asset copied with esbuild's copy loader), serve it cross-origin isolated
// and run it in Chromium: train a few batches in the worker on 2 threads and predict. The same
// training through the installed package in Node (its `node` condition) must give the same bits.
//
// Offline and quick: the tarball is installed with --offline, its dependencies linked from this
// repository's node_modules (file: links in the project's package.json), so nothing is fetched.
// The compiled library (build/lib) is rebuilt first only when a source file is newer than it.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, relative } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type Browser } from 'playwright-core';
import { buildAssets } from '../../src/tools/assets.js';
import { haveChromiumFor, launchChromium } from '../helpers/chromium.js';
import { CONTENT_TYPES, serveStatic, type StaticServer } from '../helpers/static-server.js';

const run = promisify(execFile);
const haveChromium = haveChromiumFor('package test');

const root = fileURLToPath(new URL('../../', import.meta.url));
let dir = '';
let server: StaticServer | undefined;
let browser: Browser | undefined;

/** True when some src/**.ts is newer than its build/lib/**.js (or that is missing). */
function libStale(): boolean {
  const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.ts') ? [join(d, e.name)] : []));
  return walk(join(root, 'src')).some((f) => {
    const out = join(root, 'build/lib', relative(join(root, 'src'), f)).replace(/\.ts$/, '.js');
    return !existsSync(out) || statSync(out).mtimeMs < statSync(f).mtimeMs;
  });
}

const MAIN = `
import { createTrainerWorker, loadEmbeddedDigits } from 'simdnet';
const worker = await createTrainerWorker({ threads: 2, build: 'simd' });
const { train, test } = await loadEmbeddedDigits({ trainCount: 1024, testCount: 4 });
await worker.compile({ zoo: 'lenet5', seed: 5 });
let batches = 0;
const fit = await worker.fit(train, { epochs: 1, batchSize: 32, progressEvery: 0 }, { batch: () => { batches++; } });
const probs = await worker.predict(test.images, 4);
const pool = await worker.send('stats', {}); // the worker's thread pool (a test hook, not public API)
window.result = { info: worker.info, pool, loss: fit.history.loss, batches, probs: Array.from(probs), labels: Array.from(test.labels) };
`;

const NODE_CHECK = `
import { zooModel, loadRuntime, loadEmbeddedDigits } from 'simdnet';
import { loadEmbeddedMnist } from 'simdnet/node';
const { train, test } = await loadEmbeddedMnist({ trainCount: 1024, testCount: 4 });
// The asset at its default URL (a file: URL here) holds the same digits as the mnist package.
const asset = await loadEmbeddedDigits({ trainCount: 1024, testCount: 4 });
const same = Buffer.compare(Buffer.from(asset.train.images.buffer), Buffer.from(train.images.buffer)) === 0 &&
  Buffer.compare(Buffer.from(asset.train.labels.buffer), Buffer.from(train.labels.buffer)) === 0;
const model = await zooModel('lenet5', { seed: 5, threads: 1, runtime: await loadRuntime({ build: 'simd' }) });
const h = await model.fit(train, { epochs: 1, batchSize: 32 });
console.log(JSON.stringify({ same, loss: h.loss, probs: Array.from(model.predict(test.images).probabilities) }));
`;

describe.skipIf(!haveChromium)('the packed tarball in a fresh bundled project', () => {
  beforeAll(async () => {
    if (libStale()) await run('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root });
    await buildAssets();
    dir = await mkdtemp(join(tmpdir(), 'simdnet-pkg-'));
    const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: root, maxBuffer: 1 << 26 });
    const tarball = join(dir, (JSON.parse(packed.stdout) as { filename: string }[])[0]!.filename);
    const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const nm = realpathSync(join(root, 'node_modules'));
    const project = join(dir, 'app');
    await mkdir(join(project, 'src'), { recursive: true });
    await writeFile(join(project, 'package.json'), JSON.stringify({
      name: 'app', version: '1.0.0', private: true, type: 'module',
      dependencies: Object.fromEntries(Object.keys(pkg.dependencies).map((d) => [d, `file:${join(nm, d)}`])),
    }));
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], { cwd: project });
    await writeFile(join(project, 'src/main.js'), MAIN);
    await writeFile(join(project, 'src/worker.js'), "import 'simdnet/trainer-worker';\n");
    await writeFile(join(project, 'check.mjs'), NODE_CHECK);
  });

  afterAll(async () => {
    await browser?.close();
    if (server) await server.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('bundles with esbuild, reaches no Node built-in, and trains in a worker on 2 threads to the bits Node gets', async () => {
    const project = join(dir, 'app');
    const lib = join(project, 'node_modules/simdnet/build/lib');
    const dist = join(project, 'dist');
    // The recipe README gives for esbuild.
    const out = await build({
      absWorkingDir: project,
      entryPoints: {
        main: 'src/main.js', 'trainer-worker': 'src/worker.js',
        naive: join(lib, 'runtime/naive.wasm'), simd: join(lib, 'runtime/simd.wasm'),
        'naive.shared': join(lib, 'runtime/naive.shared.wasm'), 'simd.shared': join(lib, 'runtime/simd.shared.wasm'),
        relaxed: join(lib, 'runtime/relaxed.wasm'), 'relaxed.shared': join(lib, 'runtime/relaxed.shared.wasm'),
        'mnist-embedded': join(lib, 'browser/mnist-embedded.bin'),
      },
      loader: { '.wasm': 'copy', '.bin': 'copy' },
      bundle: true, format: 'esm', platform: 'browser', target: 'es2022', outdir: dist, metafile: true, logLevel: 'silent',
    });
    const inputs = Object.entries(out.metafile.inputs);
    expect(inputs.flatMap(([f, i]) => i.imports.filter((m) => m.path.startsWith('node:') || m.external).map((m) => `${f} -> ${m.path}`))).toEqual([]);
    expect(inputs.some(([f]) => f.includes('node_modules/simdnet/build/lib/browser.js')), 'the browser condition was used').toBe(true);
    expect(inputs.some(([f]) => f.includes('node_modules/simdnet/build/lib/node.js') || f.includes('mnist-node')), 'no Node loader').toBe(false);
    expect(readdirSync(dist).sort()).toEqual(['main.js', 'mnist-embedded.bin', 'naive.shared.wasm', 'naive.wasm', 'relaxed.shared.wasm', 'relaxed.wasm', 'simd.shared.wasm', 'simd.wasm', 'trainer-worker.js']);
    await writeFile(join(dist, 'index.html'), '<!doctype html><title>app</title><script type="module" src="./main.js"></script>');

    // The app under /app/, cross-origin isolated so that it trains on the pool.
    server = await serveStatic(async (path) => {
      const file = join(dist, path === '/app/' ? 'index.html' : path.replace(/^\/app\//, ''));
      return { type: CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', body: await readFile(file) };
    }, true);
    const port = server.port;

    const node = run('node', ['check.mjs'], { cwd: project });
    browser = await launchChromium();
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${port}/app/`); // not at the root: every URL is relative to the bundle
    await page.waitForFunction(() => 'result' in window, undefined, { timeout: 60_000 }).catch(() => undefined); // then report the page's errors
    expect(errors).toEqual([]);
    const r = await page.evaluate(() => (window as unknown as { result: { info: { threads: number; build: string; crossOriginIsolated: boolean };
      pool: { workerTasks: number }; loss: number[]; batches: number; probs: number[]; labels: number[] } }).result);
    expect(r.info.crossOriginIsolated).toBe(true);
    expect(r.info.threads).toBeGreaterThanOrEqual(2);
    expect(r.pool.workerTasks, 'the pool\'s Web Workers ran part of the training').toBeGreaterThan(0);
    expect(r.info.build).toBe('simd');
    expect(r.batches).toBe(32);
    const inNode = JSON.parse((await node).stdout) as { same: boolean; loss: number[]; probs: number[] };
    expect(inNode.same, 'in Node, loadEmbeddedDigits() from the package = loadEmbeddedMnist').toBe(true);
    expect(r.loss).toEqual(inNode.loss);
    expect(r.probs, 'predictions equal to the bit with the installed package in Node').toEqual(inNode.probs);
    expect(r.probs).toHaveLength(40);
    for (let i = 0; i < 4; i++) expect(r.probs.slice(i * 10, i * 10 + 10).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });
});
