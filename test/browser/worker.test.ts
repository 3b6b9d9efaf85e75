// The trainer worker in headless Chromium: the browser entry (src/browser.ts) and the worker
// entry (src/browser/trainer-worker.ts) bundled by esbuild as two entry points, served flat with
// the .wasm builds and the digits asset, so every default URL (worker script, kernels, data) is
// the one a bundled page uses. Served cross-origin isolated (threads, shared stop word) and
// plainly (one thread, stop by message). The worker's training must give the bits Node gives.
// Also: main-thread fit lets timers and animation frames run mid-epoch (yieldEvery).
//
// Skipped without Chromium, as test/browser/browser.test.ts is (a failure under CI=true).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type Browser, type Page } from 'playwright-core';
import type * as lib from '../../src/browser.js';
import { loadEmbeddedMnist } from '../../src/data/mnist-node.js';
import { zooModel } from '../../src/model/zoo.js';
import { serialize } from '../../src/io/model-io.js';
import { buildAssets } from '../../src/tools/assets.js';
import { getRuntime } from '../helpers/runtime.js';
import { haveChromiumFor, launchChromium } from '../helpers/chromium.js';
import { serveStatic, type StaticServer } from '../helpers/static-server.js';

const haveChromium = haveChromiumFor('browser worker tests');

const root = fileURLToPath(new URL('../../', import.meta.url));
const servers: StaticServer[] = [];
let browser: Browser;
let isolated: Page;
let plain: Page;
const files = new Map<string, { type: string; body: Uint8Array | string }>();

type L = typeof lib;
declare global { interface Window { simdnet: L } }

async function serve(coi: boolean): Promise<number> {
  const server = await serveStatic((path) => files.get(path), coi);
  servers.push(server);
  return server.port;
}

describe.skipIf(!haveChromium)('the trainer worker in headless Chromium', () => {
  beforeAll(async () => {
    await buildAssets();
    const out = await build({
      entryPoints: { simdnet: join(root, 'src/browser.ts'), 'trainer-worker': join(root, 'src/browser/trainer-worker.ts'),
        'crash-worker': join(root, 'test/browser/fixtures/crash-worker.ts') },
      bundle: true, format: 'esm', platform: 'browser', target: 'es2022', outdir: '/out', write: false, logLevel: 'silent',
    });
    for (const f of out.outputFiles) files.set(`/${f.path.split('/').pop()}`, { type: 'text/javascript', body: f.text });
    for (const w of ['naive.wasm', 'simd.wasm', 'naive.shared.wasm', 'simd.shared.wasm', 'relaxed.wasm', 'relaxed.shared.wasm']) {
      files.set(`/${w}`, { type: 'application/wasm', body: await readFile(join(root, 'build/lib/runtime', w)) });
    }
    files.set('/mnist-embedded.bin', { type: 'application/octet-stream', body: await readFile(join(root, 'build/lib/browser/mnist-embedded.bin')) });
    files.set('/', { type: 'text/html', body: '<!doctype html><title>simdnet worker</title><body></body>' });
    browser = await launchChromium();
    const open = async (port: number): Promise<Page> => {
      const pg = await browser.newPage();
      await pg.goto(`http://127.0.0.1:${port}/`);
      await pg.addScriptTag({ type: 'module', content: "import * as L from '/simdnet.js'; window.simdnet = L;" });
      await pg.waitForFunction(() => 'simdnet' in window);
      return pg;
    };
    isolated = await open(await serve(true));
    plain = await open(await serve(false));
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all(servers.map((s) => s.close()));
  });

  /** In the page: start a worker, load the digits from the default URL, train, save, stop, predict. */
  const trainInPage = (pg: Page) => pg.evaluate(async () => {
    const L = window.simdnet;
    const w = await L.createTrainerWorker({ threads: 2, build: 'simd' });
    const digits = await L.loadEmbeddedDigits({ trainCount: 640, testCount: 200 });
    await w.compile({ zoo: 'lenet5', seed: 3 });
    const events: number[][] = [];
    const epochs: number[] = [];
    const fit = await w.fit(digits.train, { epochs: 2, batchSize: 32, validationSplit: 0.1, progressEvery: 0 },
      { batch: (p) => events.push([p.epoch, p.batch, p.batches]), epoch: (p) => epochs.push(p.epoch) });
    const saved = Array.from(await w.save());
    const pool = await (w as unknown as { send(op: 'stats', a: object): Promise<{ workers: number; workerTasks: number }> }).send('stats', {});
    const probs = Array.from(await w.predict(digits.test.images.slice(0, 3 * 784), 3));
    const acts = (await w.activations(digits.test.images.slice(0, 784))).map((a) => [a.name, a.values.length]);
    const kernel = (await w.weights())[0]!;
    // stop() from a progress callback ends a long fit inside its first epochs.
    let seen = 0;
    const stopped = await w.fit(digits.train, { epochs: 50, progressEvery: 0 }, { batch: () => { if (++seen === 1) w.stop(); } });
    const err = await w.compile({ zoo: 'nope' }).catch((e: Error) => ({ name: e.name, message: e.message }));
    w.terminate();
    const after = await w.save().catch((e: Error) => e.message);
    return { info: w.info, pool, history: fit.history, stopped: fit.stopped, events, epochs, saved, probs, acts,
      kernel: { name: kernel.name, shape: kernel.shape }, longStop: { stopped: stopped.stopped, epochs: stopped.history.loss.length, seen },
      err, after, testImages: Array.from(digits.test.images.slice(0, 3 * 784)) };
  });

  it('isolated: 2 threads, trains lenet5 on the digits from the default URLs to the bits Node gets, saves Node\'s bytes, stops', async () => {
    const r = await trainInPage(isolated);
    expect(r.info).toEqual({ threads: 2, build: 'simd', crossOriginIsolated: true });
    expect(r.pool.workers, 'the worker started a pool worker of its own').toBe(1);
    expect(r.pool.workerTasks, 'which ran part of the training').toBeGreaterThan(0);

    const data = await loadEmbeddedMnist({ trainCount: 640, testCount: 200 });
    expect(r.testImages, 'the asset gives the Node loader\'s pixels').toEqual(Array.from(data.test.images.slice(0, 3 * 784)));
    const node = await zooModel('lenet5', { seed: 3, runtime: await getRuntime(), threads: 1 });
    const h = await node.fit(data.train, { epochs: 2, batchSize: 32, validationSplit: 0.1 });
    expect(r.history.loss).toEqual(h.loss);
    expect(r.history.valAccuracy).toEqual(h.valAccuracy);
    expect(r.stopped).toBe(false);
    expect(r.saved, 'save() gives the bytes Node serializes').toEqual(Array.from(serialize(node)));
    expect(r.probs).toEqual(Array.from(node.predict(data.test.images.slice(0, 3 * 784)).probabilities));
    expect(r.events).toEqual(Array.from({ length: 36 }, (_, i) => [Math.floor(i / 18), i % 18, 18]));
    expect(r.epochs).toEqual([0, 1]);
    expect(r.acts).toEqual([['conv2d_1', 4704], ['maxpool2d_1', 1176], ['conv2d_2', 1600], ['maxpool2d_2', 400],
      ['flatten_1', 400], ['dense_1', 120], ['dense_2', 84], ['dense_3', 10]]);
    expect(r.kernel).toEqual({ name: 'conv2d_1/kernel', shape: [5, 5, 1, 6] });
    expect(r.longStop.stopped).toBe(true);
    expect(r.longStop.epochs).toBeLessThan(50);
    expect(r.err).toEqual({ name: 'RangeError', message: expect.stringMatching(/unknown zoo model "nope"/) });
    expect(r.after).toMatch(/simdnet: the trainer worker was terminated \(save was called after that\)/);
  });

  it('not isolated: one thread, the same bits, and stop() still works (by message)', async () => {
    const r = await trainInPage(plain);
    expect(r.info).toEqual({ threads: 1, build: 'simd', crossOriginIsolated: false });
    expect(r.pool.workerTasks).toBe(0);
    const data = await loadEmbeddedMnist({ trainCount: 640, testCount: 200 });
    const node = await zooModel('lenet5', { seed: 3, runtime: await getRuntime(), threads: 1 });
    await node.fit(data.train, { epochs: 2, batchSize: 32, validationSplit: 0.1 });
    expect(r.saved).toEqual(Array.from(serialize(node)));
    expect(r.longStop.stopped).toBe(true);
    expect(r.longStop.epochs).toBeLessThan(50);
  });

  it('a worker that throws rejects every pending call; a worker script that does not load rejects createTrainerWorker', async () => {
    const r = await isolated.evaluate(async () => {
      const L = window.simdnet;
      const w = await L.createTrainerWorker({ worker: new URL('/crash-worker.js', location.href) });
      await w.compile({ zoo: 'lenet5' });
      const digits = await L.loadEmbeddedDigits({ trainCount: 320, testCount: 10 });
      const calls = [w.fit(digits.train, { epochs: 20 }), w.evaluate(digits.test)];
      const errors = await Promise.all(calls.map((p) => p.then(() => 'resolved', (e: Error) => e.message)));
      const missing = await L.createTrainerWorker({ worker: '/missing-worker.js' }).then(() => 'started', (e: Error) => e.message);
      return { errors, missing };
    });
    expect(r.errors[0]).toMatch(/simdnet: the trainer worker failed: .*boom in the worker.* \(during fit\)/);
    expect(r.errors[1]).toMatch(/the trainer worker failed: .*boom in the worker.* \(during evaluate\)/);
    expect(r.missing).toMatch(/simdnet: the trainer worker failed \(its script did not load or threw while starting/);
  });

  it('main-thread fit lets timers and animation frames run inside an epoch (yieldEvery), and none with yieldEvery 0', async () => {
    const r = await plain.evaluate(async () => {
      const L = window.simdnet;
      const runtime = await L.loadRuntime({ build: 'simd' });
      const digits = await L.loadEmbeddedDigits({ trainCount: 640, testCount: 10 });
      const once = async (yieldEvery: number) => {
        const m = await L.zooModel('lenet5', { runtime, seed: 4, threads: 1 });
        let ticks = 0;
        let frames = 0;
        let atLast = [-1, -1];
        const timer = setInterval(() => { ticks++; }, 0);
        let raf = 0;
        const frame = () => { frames++; raf = requestAnimationFrame(frame); };
        raf = requestAnimationFrame(frame);
        await m.fit(digits.train, { epochs: 1, yieldEvery, onBatchEnd: (b) => { if (b === 19) atLast = [ticks, frames]; } });
        clearInterval(timer);
        cancelAnimationFrame(raf);
        return { atLast, w: Array.from(m.getWeights()[0]!.data) };
      };
      return { often: await once(1), never: await once(0) };
    });
    expect(r.often.atLast[0], 'timers ran before the epoch ended').toBeGreaterThan(0);
    expect(r.often.atLast[1], 'frames were drawn before the epoch ended').toBeGreaterThan(0);
    expect(r.never.atLast, 'yieldEvery 0: no turn of the event loop inside the epoch').toEqual([0, 0]);
    expect(r.often.w).toEqual(r.never.w);
  });
});
