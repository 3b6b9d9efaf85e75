// Inference of lenet5, simdnet against onnxruntime on the same exported model, side by side in
// one run: predict at B = 256 (throughput) and B = 1 (latency).
//
//   npm run bench:onnx [-- --threads 1,2] [--quick] [--json FILE]
//
// Engines: simdnet (model.predict on a Float32Array: stage, forward, softmax, copy out) at each
// thread count; onnxruntime-web (its wasm SIMD build, in Node, one thread); onnxruntime-node
// (native, intraOpNumThreads = each thread count) when it is installed. It is not a dependency
// of the project (a 290 MB native package): `npm install --no-save --ignore-scripts
// onnxruntime-node` adds it for a run. Each ONNX session.run takes the input tensor and returns
// the probabilities, the same work as predict's.
//
// First every engine's probabilities are checked against simdnet's (≤ 1e-5, as the tests). Then
// R rounds: every variant runs one chunk of calls of ≈ 0.3 s, the order reversed every other
// round, so load drift hits all alike; each variant reports the median chunk's images/s, and
// ratios are the median over rounds of the per-round ratio to simdnet at one thread.

import { Command } from 'commander';
import os from 'node:os';
import * as ortWeb from 'onnxruntime-web';
import { zooModel } from '../src/model/zoo.js';
import { exportOnnx } from '../src/onnx/export.js';
import { loadEmbeddedMnist } from '../src/data/mnist-node.js';
import { availableThreads } from '../src/pool/pool.js';
import { median } from './lib/timing.js';
import { writeJsonAtomic } from './lib/report.js';

interface Args { threads: number[]; quick: boolean; json?: string }

function parseArgs(argv: string[]): Args {
  const p = new Command('bench:onnx')
    .option('--threads <list>', `comma-separated thread counts (default 1,${availableThreads()})`)
    .option('--json <file>', 'write the rows as JSON to FILE')
    .option('--quick', 'fewer rounds', false)
    .allowExcessArguments(false);
  p.parse(argv, { from: 'user' });
  const o = p.opts<{ threads?: string; quick: boolean; json?: string }>();
  const threads = [...new Set((o.threads ?? `1,${availableThreads()}`).split(',').map((s) => Number(s.trim())))].sort((a, b) => a - b);
  if (threads.length === 0 || threads.some((t) => !Number.isInteger(t) || t < 1 || t > 64)) {
    p.error(`error: --threads: expected a comma-separated list of whole numbers from 1 to 64, got '${o.threads}'`);
  }
  return { threads, quick: o.quick, json: o.json };
}

interface Variant {
  engine: string;
  threads: number;
  batch: number;
  /** One call on the batch; resolves to the probabilities. */
  run(): Promise<Float32Array>;
  rates: number[];
  calls: number;
}

interface OrtLike {
  InferenceSession: { create(bytes: Uint8Array, o?: Record<string, unknown>): Promise<OrtSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => unknown;
}
interface OrtSession { run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown }>> }

async function ortVariant(ort: OrtLike, engine: string, bytes: Uint8Array, threads: number, x: Float32Array, B: number,
  options: Record<string, unknown>): Promise<Variant> {
  const session = await ort.InferenceSession.create(bytes, options);
  const feeds = { input: new ort.Tensor('float32', x, [B, 28, 28, 1]) };
  return { engine, threads, batch: B, rates: [], calls: 1, run: async () => (await session.run(feeds)).probabilities!.data as Float32Array };
}

async function tryOrtNode(): Promise<OrtLike | string> {
  const name = 'onnxruntime-node';
  try {
    return (await import(name)) as OrtLike;
  } catch (e) {
    return `not loaded (${(e as Error).message.split('\n')[0]}); npm install --no-save --ignore-scripts onnxruntime-node adds it`;
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const load0 = os.loadavg();
  console.log(`bench:onnx lenet5 predict, node ${process.version}, ${os.cpus()[0]?.model ?? '?'}, ` +
    `${os.availableParallelism()} cores (load ${load0.map((v) => v.toFixed(2)).join(' ')}); threads ${args.threads.join(',')}`);
  const model = await zooModel('lenet5', { seed: 1 });
  const { train, test } = await loadEmbeddedMnist({ trainCount: 2048, testCount: 256 });
  await model.fit(train, { epochs: 1, batchSize: 32, seed: 1 }); // trained weights (a realistic ReLU sparsity)
  const bytes = exportOnnx(model);

  ortWeb.env.wasm.numThreads = 1;
  ortWeb.env.logLevel = 'error';
  const ortNode = await tryOrtNode();
  if (typeof ortNode === 'string') console.log(`onnxruntime-node: ${ortNode}`);

  const variants: Variant[] = [];
  for (const B of [256, 1]) {
    const x = test.images.slice(0, B * 784);
    for (const t of args.threads) {
      variants.push({ engine: 'simdnet', threads: t, batch: B, rates: [], calls: 1,
        run: async () => { model.setThreads(t); return model.predict(x, { batchSize: B }).probabilities; } });
    }
    variants.push(await ortVariant(ortWeb as unknown as OrtLike, 'onnxruntime-web', bytes, 1, x, B, { executionProviders: ['wasm'] }));
    if (typeof ortNode !== 'string') {
      for (const t of args.threads) {
        variants.push(await ortVariant(ortNode, 'onnxruntime-node', bytes, t, x, B, { intraOpNumThreads: t, interOpNumThreads: 1 }));
      }
    }
  }

  // Verify: same probabilities as simdnet at one thread (and every variant warmed up).
  for (const B of [256, 1]) {
    const ref = await variants.find((v) => v.batch === B && v.engine === 'simdnet')!.run();
    for (const v of variants.filter((w) => w.batch === B)) {
      for (let i = 0; i < 3; i++) await v.run();
      const d = maxAbsDiff(await v.run(), ref);
      if (!(d <= 1e-5)) throw new Error(`${v.engine} (${v.threads} threads, B=${B}) differs from simdnet by ${d} (> 1e-5); not timing it`);
    }
  }
  console.log('verified: every engine\'s probabilities within 1e-5 of simdnet\'s');

  // Calibrate each variant's chunk to ≈ 0.3 s, then interleaved rounds.
  const chunkMs = 300;
  for (const v of variants) {
    const t0 = performance.now();
    let n = 0;
    while (performance.now() - t0 < 100) { await v.run(); n++; }
    v.calls = Math.max(1, Math.round((n * chunkMs) / (performance.now() - t0)));
  }
  const rounds = args.quick ? 3 : 7;
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? variants : [...variants].reverse();
    for (const v of order) {
      const t0 = performance.now();
      for (let i = 0; i < v.calls; i++) await v.run();
      v.rates.push((v.calls * v.batch) / ((performance.now() - t0) / 1000));
      await new Promise((res) => setImmediate(res));
    }
  }

  const rows = variants.map((v) => {
    const base = variants.find((w) => w.batch === v.batch && w.engine === 'simdnet' && w.threads === 1)!;
    const ratio = median(v.rates.map((rate, r) => rate / base.rates[r]!));
    return { model: 'lenet5', engine: v.engine, threads: v.threads, batch: v.batch, imagesPerSecond: Math.round(median(v.rates)),
      min: Math.round(Math.min(...v.rates)), max: Math.round(Math.max(...v.rates)), rounds, vsSimdnet1Thread: Number(ratio.toFixed(3)) };
  });
  console.log(`\n${'engine'.padEnd(18)} ${'thr'.padStart(3)} ${'B'.padStart(4)} ${'img/s'.padStart(9)} ${'min'.padStart(9)} ${'max'.padStart(9)}  vs simdnet 1 thread`);
  for (const r of rows) {
    console.log(`${r.engine.padEnd(18)} ${String(r.threads).padStart(3)} ${String(r.batch).padStart(4)} ${String(r.imagesPerSecond).padStart(9)} ` +
      `${String(r.min).padStart(9)} ${String(r.max).padStart(9)}  ${r.vsSimdnet1Thread.toFixed(2)}x`);
  }
  for (const B of [256, 1]) {
    for (const r of rows.filter((w) => w.batch === B && w.engine !== 'simdnet' && w.threads === 1)) {
      console.log(`simdnet / ${r.engine} at B=${B}, one thread each: ${(1 / r.vsSimdnet1Thread).toFixed(2)}x`);
    }
  }
  const load1 = os.loadavg();
  if (args.json) {
    await writeJsonAtomic(args.json, {
      bench: 'onnx', date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model, cores: os.availableParallelism(),
      loadBefore: load0, loadAfter: load1, onnxruntimeNode: typeof ortNode === 'string' ? ortNode : 'loaded', rows,
    });
    console.log(`wrote ${args.json}`);
  }
  model.dispose();
}

main().then(() => process.exit(0), (e: unknown) => { console.error(e); process.exit(1); });
