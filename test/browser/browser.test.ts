// The same library in a real browser: headless Chromium (Debian's package, driven by
// playwright-core) loads a bundle of src/index.ts and the .wasm builds from a local
// server, then runs the ops API, trains a small model and loads a model saved by Node.
// Each result of the simd build must be bit-identical to the same computation in Node: the
// kernels are the same wasm with deterministic float semantics, and the inputs and seeds are
// the same. The relaxed build (Chromium has relaxed SIMD) runs the same scenario: its 'auto'
// pick, threads that do not change its bits, results within rounding of simd, and, where this
// Node has relaxed SIMD too, Node's bits (same V8 code generation on the same CPU).
//
// Threads: the page is served twice, plainly and cross-origin isolated (COOP/COEP headers).
// Isolated, it gets shared memory and runs training on a pool of Web Workers; plain, it runs
// on one thread (with a notice). Both must give Node's bits.
//
// Chromium is installed by .ci/run; on a machine without it this file is skipped (with the
// reason printed), except under CI=true, where a missing browser is a failure.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type Browser, type Page } from 'playwright-core';
import * as lib from '../../src/index.js';
import { makeRng } from '../helpers/rng.js';
import { haveChromiumFor, launchChromium } from '../helpers/chromium.js';
import { CONTENT_TYPES, serveStatic, type StaticServer } from '../helpers/static-server.js';

const haveChromium = haveChromiumFor('browser tests');

const root = fileURLToPath(new URL('../../', import.meta.url));
const servers: StaticServer[] = [];
let browser: Browser;
let page: Page;
let isolatedPage: Page;
let bundle = '';

/** Inputs shared by the Node and the browser runs (plain arrays cross page.evaluate). */
function syntheticSet(seed: number, n: number) {
  const rng = makeRng(seed);
  const images = Array.from({ length: n * 8 * 8 }, () => rng());
  const labels = Array.from({ length: n }, (_, i) => i % 3);
  // Make the classes learnable: brighten a class-specific row.
  for (let i = 0; i < n; i++) for (let c = 0; c < 8; c++) images[i * 64 + labels[i]! * 8 + c]! += 1;
  return { images, labels };
}

/** The whole scenario, written once and run both in Node and (as source text) in the page. */
async function scenario(L: typeof lib, runtimeOptions: lib.LoadOptions, data: { images: number[]; labels: number[] },
  saved: number[] | null, threads = 1, build: lib.BuildName = 'simd') {
  const { init, convForward, ndarray, loadRuntime, Sequential, Conv2D, MaxPool2D, Flatten, Dense, serialize, modelFromSerialized, threadStats,
    exportOnnx, importOnnx } = L;
  await init({ ...runtimeOptions, build });
  const A = ndarray(Float32Array.from({ length: 2 * 6 * 5 * 3 }, (_, i) => Math.sin(i)), [2, 6, 5, 3]);
  const W = ndarray(Float32Array.from({ length: 3 * 3 * 3 * 4 }, (_, i) => Math.cos(i)), [3, 3, 3, 4]);
  const b = ndarray(Float32Array.from([0.1, -0.2, 0.3, 0]), [4]);
  const conv = convForward(A, W, b, 'relu', 'same', 2);

  const runtime = await loadRuntime({ ...runtimeOptions, build });
  const model = new Sequential([
    new Conv2D({ filters: 24, kernelSize: 3, padding: 'same', activation: 'relu' }), // enough work to share
    new MaxPool2D({ poolSize: 2 }),
    new Flatten(),
    new Dense({ units: 3 }),
  ]);
  await model.compile({ inputShape: [8, 8, 1], optimizer: { type: 'adam', lr: 0.01 }, seed: 7, runtime, threads });
  // Workers start in the background: wait for them, so that they do take part.
  for (let i = 0; i < 500 && threadStats(runtime).ready < threads - 1 && runtime.shared; i++) await new Promise((r) => setTimeout(r, 10));
  const n = data.labels.length;
  const ds = { name: 'synthetic', images: Float32Array.from(data.images), labels: Int32Array.from(data.labels), count: n,
    height: 8, width: 8, channels: 1, numClasses: 3 };
  // Batches of 32 are cut into 4 shards, which threads share; the last batch (16) into 2.
  const history = await model.fit(ds, { epochs: 3, batchSize: 32, seed: 11 });
  const probs = Array.from(model.predict(ds).probabilities);
  let loadedProbs: number[] | null = null;
  if (saved) {
    const loaded = await modelFromSerialized(Uint8Array.from(saved), { runtime });
    loadedProbs = Array.from(loaded.predict(ds).probabilities);
  }
  // ONNX (protobufjs in the bundle): the exported bytes, and the model imported back from them.
  const onnx = exportOnnx(model);
  const back = await importOnnx(onnx, { runtime, threads });
  const importedProbs = Array.from(back.predict(ds).probabilities);
  back.dispose();
  return { conv: { shape: conv.shape, data: Array.from(conv.data) }, loss: history.loss, accuracy: history.accuracy,
    probs, loadedProbs, saved: Array.from(serialize(model)), onnx: Array.from(onnx), importedProbs, threads: model.threads, shared: runtime.shared,
    workerTasks: threadStats(runtime).workerTasks, autoBuild: (await loadRuntime(runtimeOptions)).build };
}

describe.skipIf(!haveChromium)('in headless Chromium', () => {
  beforeAll(async () => {
    // Bundle the public entry for the browser. Node built-ins are left out: the loader only
    // imports node:fs when it runs under Node.
    const out = await build({
      entryPoints: [join(root, 'src/index.ts')], bundle: true, format: 'esm', platform: 'browser',
      write: false, external: ['node:*'], target: 'es2022', logLevel: 'silent',
    });
    bundle = out.outputFiles[0]!.text;
    // The page, the bundle, and the .wasm builds under build/ (nothing else of the checkout).
    const serve = async (isolated: boolean): Promise<number> => {
      const server = await serveStatic(async (path) => {
        if (path === '/') return { type: 'text/html', body: '<!doctype html><title>simdnet</title>' };
        if (path === '/simdnet.js') return { type: 'text/javascript', body: bundle };
        const file = normalize(join(root, path));
        if (!file.startsWith(join(root, 'build'))) return undefined;
        return { type: CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', body: await readFile(file) };
      }, isolated);
      servers.push(server);
      return server.port;
    };
    const port = await serve(false);
    const isolatedPort = await serve(true);
    browser = await launchChromium();
    const open = async (p: number): Promise<Page> => {
      const pg = await browser.newPage();
      await pg.goto(`http://127.0.0.1:${p}/`);
      // Load the bundle as a module script and expose it on window (a dynamic import inside
      // page.evaluate would be rewritten by the test runner's transform).
      await pg.addScriptTag({ type: 'module', content: "import * as L from '/simdnet.js'; window.simdnet = L;" });
      await pg.waitForFunction(() => 'simdnet' in window);
      return pg;
    };
    page = await open(port);
    isolatedPage = await open(isolatedPort);
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all(servers.map((server) => server.close()));
  });

  it('has WebAssembly SIMD, runs the ops, trains and loads a Node-saved model, bit-identical to Node', async () => {
    const data = syntheticSet(5, 80);
    const node = await scenario(lib, {}, data, null);
    const saved = node.saved;
    const nodeLoaded = await scenario(lib, {}, data, saved);

    const inPage = (pg: Page, threads: number, build: lib.BuildName = 'simd') => pg.evaluate(async ({ src, data, saved, threads, build }) => {
      const L = (window as unknown as { simdnet: typeof lib }).simdnet;
      // Rebuild the scenario from its source text so the very same steps run here.
      const run = new Function(`return (${src})`)();
      const simd = L.simdSupported();
      const relaxed = L.relaxedSimdSupported();
      const notices: string[] = [];
      const warn = console.warn;
      console.warn = (m: string) => { notices.push(m); };
      try {
        const result = await run(L, { baseUrl: new URL('/build/', location.href).href }, data, saved, threads, build);
        return { simd, relaxed, isolated: crossOriginIsolated, notices, ...result };
      } finally {
        console.warn = warn;
      }
    }, { src: scenario.toString(), data, saved, threads, build });
    const inBrowser = await inPage(page, 2);
    const isolated = await inPage(isolatedPage, 2);
    const nodeThreads = await scenario(lib, {}, data, saved, 2);

    expect(inBrowser.simd).toBe(true);
    expect(inBrowser.conv.shape).toEqual(node.conv.shape);
    expect(inBrowser.conv.data).toEqual(node.conv.data);
    // Training: identical losses and accuracies every epoch, and identical predictions.
    expect(inBrowser.loss).toEqual(node.loss);
    expect(inBrowser.accuracy).toEqual(node.accuracy);
    expect(inBrowser.probs).toEqual(node.probs);
    expect(inBrowser.saved).toEqual(node.saved);
    expect(inBrowser.onnx).toEqual(node.onnx);
    expect(inBrowser.importedProbs).toEqual(node.probs);
    // The model Node saved predicts the same in the browser as in Node.
    expect(inBrowser.loadedProbs).toEqual(nodeLoaded.loadedProbs);
    expect(nodeLoaded.loadedProbs).toEqual(node.probs);
    // Threads: the plain page asked for 2 and ran on 1, saying why; the isolated page ran on 2
    // Web Workers over shared memory; Node on 2 worker threads. All the same bits.
    expect(inBrowser.isolated).toBe(false);
    expect(inBrowser.shared).toBe(false);
    expect(inBrowser.threads).toBe(1);
    expect(inBrowser.notices.join('\n')).toMatch(/simdnet: running on one thread: this page is not cross-origin isolated/);
    expect(isolated.isolated).toBe(true);
    expect(isolated.shared).toBe(true);
    expect(isolated.threads).toBe(2);
    expect(isolated.workerTasks, 'Web Workers ran tasks').toBeGreaterThan(0);
    expect(inBrowser.workerTasks).toBe(0);
    expect(nodeThreads.threads).toBe(2);
    expect(nodeThreads.workerTasks, 'worker threads ran tasks').toBeGreaterThan(0);
    for (const other of [isolated, nodeThreads]) {
      expect(other.loss).toEqual(node.loss);
      expect(other.probs).toEqual(node.probs);
      expect(other.saved).toEqual(node.saved);
      expect(other.loadedProbs).toEqual(nodeLoaded.loadedProbs);
    }
    // And the model learned something (3 separable classes, 3 epochs).
    expect(node.loss[node.loss.length - 1]!).toBeLessThan(node.loss[0]!);

    // Relaxed SIMD (Chrome ≥ 114): 'auto' picks it; on one thread (plain page) and on 2 Web
    // Workers (isolated page) the same bits; within rounding of the simd build: the conv output
    // within 1e-5 absolute (|values| ≤ ~10, K = 27: dozens of ulps of slack), and the losses
    // and probabilities within 1e-3 relative after 3 epochs of Adam (rounding differences grow
    // with every step, as in any two float orders). Where Node has relaxed SIMD, Node's bits.
    expect(inBrowser.relaxed, 'Chromium has relaxed SIMD').toBe(true);
    expect(inBrowser.autoBuild).toBe('relaxed');
    const relaxedPlain = await inPage(page, 2, 'relaxed');
    const relaxedIsolated = await inPage(isolatedPage, 2, 'relaxed');
    expect(relaxedIsolated.workerTasks, 'Web Workers ran relaxed tasks').toBeGreaterThan(0);
    expect(relaxedIsolated.loss).toEqual(relaxedPlain.loss);
    expect(relaxedIsolated.probs).toEqual(relaxedPlain.probs);
    expect(relaxedIsolated.saved).toEqual(relaxedPlain.saved);
    relaxedPlain.conv.data.forEach((v: number, i: number) => expect(Math.abs(v - node.conv.data[i]!), `relaxed conv[${i}]`).toBeLessThanOrEqual(1e-5));
    relaxedPlain.loss.forEach((v: number, i: number) => expect(Math.abs(v - node.loss[i]!), `relaxed loss[${i}]`).toBeLessThanOrEqual(1e-3 * node.loss[i]!));
    relaxedPlain.probs.forEach((v: number, i: number) => expect(Math.abs(v - node.probs[i]!), `relaxed prob[${i}]`).toBeLessThanOrEqual(1e-3));
    if (lib.relaxedSimdSupported()) {
      const nodeRelaxed = await scenario(lib, {}, data, saved, 2, 'relaxed');
      expect(nodeRelaxed.autoBuild).toBe('relaxed');
      expect(relaxedPlain.conv.data).toEqual(nodeRelaxed.conv.data);
      expect(relaxedPlain.loss).toEqual(nodeRelaxed.loss);
      expect(relaxedPlain.probs).toEqual(nodeRelaxed.probs);
    }
  });
});
