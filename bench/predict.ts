// Inference benchmark, old against new in one process: predict throughput at batch 256 and
// latency at batch 1, one thread, for zoo models, timed the way model.predict runs (inferStep
// on an inference plan), this checkout side by side with another one's library and kernels.
//
//   npm run bench:predict [-- --baseline DIR] [--models lenet5,convnet] [--quick] [--json FILE]
//
// --baseline DIR: another checkout of simdnet (e.g. /work/main), whose src/index.ts is imported
// as it stands there (its own TypeScript, its own build/*.wasm, its own wasm memory). Both
// models get the same weights and the same inputs; the run first checks that they predict the
// same classes (probabilities within 1e-4: the conv kernels may sum in another order). Then, in
// rounds, each variant runs steps for a fixed time and the images/s of every round are kept:
// the table shows each variant's median and the median over rounds of new/old measured in the
// same round, the figure that stays meaningful on a busy machine.

import { Command } from 'commander';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execSync } from 'node:child_process';
import { zooModel, zooNames } from '../src/model/zoo.js';
import type { Sequential } from '../src/model/sequential.js';
import type { Plan } from '../src/model/plan.js';
import { writeJsonAtomic } from './lib/report.js';

interface Args { baseline?: string; models: string[]; quick: boolean; json?: string }

function parseArgs(argv: string[]): Args {
  const p = new Command('bench:predict')
    .option('--baseline <dir>', 'another simdnet checkout to time side by side (its src/index.ts and build/)')
    .option('--models <list>', `comma-separated subset of ${zooNames().join(',')}`, 'lenet5')
    .option('--quick', 'fewer, shorter rounds', false)
    .option('--json <file>', 'write the figures as JSON to FILE')
    .allowExcessArguments(false);
  p.parse(argv, { from: 'user' });
  const o = p.opts<{ baseline?: string; models: string; quick: boolean; json?: string }>();
  const models = o.models.split(',').map((s) => s.trim()).filter(Boolean);
  for (const m of models) {
    if (!zooNames().includes(m)) throw new Error(`bench:predict: --models: unknown model '${m}' (expected some of ${zooNames().join(', ')})`);
  }
  return { baseline: o.baseline, models, quick: o.quick, json: o.json };
}

/** The part of Sequential both checkouts share, which is all this benchmark uses. */
interface Model {
  plan(B: number, mode: 'infer'): Plan;
  setBatch(plan: Plan, rows: number): void;
  f32(): Float32Array;
  inferStep(plan: Plan, withLabels: boolean): number;
  getWeights(): { name: string; data: Float32Array }[];
  setWeights(w: { name: string; data: Float32Array }[]): void;
  readonly numClasses: number;
  readonly inputShape: readonly number[];
  dispose(): void;
}
type ZooModel = (name: string, o: { threads: number; seed: number }) => Promise<Model>;

interface Variant { name: string; model: Model; plan: Plan }

function stage(v: Variant, x: Float32Array): void {
  v.model.setBatch(v.plan, v.plan.B);
  v.model.f32().set(x, v.plan.x0 >> 2);
}

function probs(v: Variant): Float32Array {
  const p = v.plan.probs >> 2;
  return v.model.f32().slice(p, p + v.plan.B * v.model.numClasses);
}

function argmaxRows(p: Float32Array, N: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < p.length / N; r++) {
    let best = 0;
    for (let j = 1; j < N; j++) if (p[r * N + j]! > p[r * N + best]!) best = j;
    out.push(best);
  }
  return out;
}

/** Steps for at least `seconds`; images per second. */
function timeChunk(v: Variant, seconds: number): number {
  let steps = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < seconds * 1000) {
    v.model.inferStep(v.plan, false);
    steps++;
    t = performance.now();
  }
  return (steps * v.plan.B) / ((t - t0) / 1000);
}

const median = (a: number[]) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]!; };

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const rounds = args.quick ? 3 : 7;
  const chunk = args.quick ? 0.15 : 0.4;
  let baseZoo: ZooModel | undefined;
  if (args.baseline) {
    const entry = pathToFileURL(path.resolve(args.baseline, 'src/index.ts')).href;
    baseZoo = ((await import(entry)) as { zooModel: ZooModel }).zooModel;
    console.log(`baseline: ${entry}`);
  }
  const load = os.loadavg()[0]!;
  console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown cpu'}, load average ${load.toFixed(2)}: one thread, images/s (median of ${rounds} rounds)`);
  console.log(['model', 'B', 'new img/s', 'new ms/batch', ...(baseZoo ? ['old img/s', 'new/old (paired median)'] : [])].join(' | '));
  const rows = [];
  for (const name of args.models) {
    const model = (await zooModel(name, { threads: 1, seed: 1 })) as unknown as Model;
    const old = baseZoo ? await baseZoo(name, { threads: 1, seed: 1 }) : undefined;
    old?.setWeights(model.getWeights());
    try {
      for (const B of [256, 1]) {
        const variants: Variant[] = [{ name: 'new', model, plan: model.plan(B, 'infer') }];
        if (old) variants.push({ name: 'old', model: old, plan: old.plan(B, 'infer') });
        const n = model.inputShape.reduce((a, b) => a * b, 1);
        let s = 12345;
        const x = Float32Array.from({ length: B * n }, () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; });
        for (const v of variants) { stage(v, x); v.model.inferStep(v.plan, false); }
        if (old) {
          const a = probs(variants[0]!), b = probs(variants[1]!);
          const N = model.numClasses;
          const ca = argmaxRows(a, N), cb = argmaxRows(b, N);
          const bad = ca.findIndex((c, i) => c !== cb[i]);
          if (bad >= 0) throw new Error(`${name} B=${B}: new and old predict different classes for row ${bad}`);
          for (let i = 0; i < a.length; i++) {
            if (!(Math.abs(a[i]! - b[i]!) <= 1e-4)) throw new Error(`${name} B=${B}: probability ${i} is ${a[i]} new, ${b[i]} old`);
          }
        }
        const rates: number[][] = variants.map(() => []);
        for (let r = 0; r < rounds; r++) variants.forEach((v, i) => rates[i]!.push(timeChunk(v, chunk)));
        const newRate = median(rates[0]!);
        const row: Record<string, unknown> = { model: name, B, threads: 1, newImagesPerSecond: newRate, newMsPerBatch: 1000 * B / newRate, newRounds: rates[0] };
        const cells = [name, String(B), newRate.toFixed(0), (1000 * B / newRate).toFixed(3)];
        if (old) {
          const oldRate = median(rates[1]!);
          const paired = median(rates[0]!.map((v, i) => v / rates[1]![i]!));
          Object.assign(row, { oldImagesPerSecond: oldRate, oldRounds: rates[1], newOverOld: paired });
          cells.push(oldRate.toFixed(0), `${paired.toFixed(2)}x`);
        }
        rows.push(row);
        console.log(cells.join(' | '));
      }
    } finally {
      model.dispose();
      old?.dispose();
    }
  }
  if (args.json) {
    let commit = 'unknown';
    try { commit = execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim(); } catch { /* not a checkout */ }
    await writeJsonAtomic(args.json, {
      node: process.version, cpu: os.cpus()[0]?.model ?? 'unknown', commit, date: new Date().toISOString(),
      loadAverageBefore: load, loadAverageAfter: os.loadavg()[0], baseline: args.baseline ?? null, rounds, secondsPerChunk: chunk, rows,
    });
    console.log(`wrote ${args.json}`);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
