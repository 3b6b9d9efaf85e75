// LeNet-5 training, simdnet against PyTorch on the same machine in one run: the anchor of
// issue 9's training target (≥ 1.6x PyTorch's one thread). PyTorch (Debian's python3-torch, run
// as /usr/bin/python3 bench/pytorch/lenet5.py --serve) stays up in a child process; each round
// times one chunk of simdnet steps and one chunk of PyTorch steps, the order swapped every other
// round (ABBA), so both see the same drift in the machine's load. Same model (6@5x5 same, pool,
// 16@5x5, pool, 120, 84, 10, ReLU), Adam 1e-3, batch 32, one thread each; simdnet runs its
// library step (bench/lib/data.ts Stepper: gather, forward, loss, backward, update) on the
// embedded MNIST digits, PyTorch on a fixed random batch (the speed does not depend on the pixels).
//
//   npx tsx bench/vs-pytorch.ts [--rounds 7] [--seconds 1] [--builds simd,relaxed] [--threads 1]
//                               [--baseline DIR] [--json FILE]
//
// Reports, per simdnet build and thread count, the median chunk's images/s of each side and the
// median over rounds of the per-round ratio simdnet / PyTorch. --baseline DIR adds another
// checkout of simdnet (DIR/src, with its wasm built in DIR/build) as further sides in the same
// rounds, and the median per-round ratio of this checkout to it.

import { Command } from 'commander';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import os from 'node:os';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { zooModel } from '../src/model/zoo.js';
import { loadRuntime, type BuildName } from '../src/runtime/load.js';
import { relaxedSimdSupported } from '../src/runtime/features.js';
import { benchData, Staged, Stepper } from './lib/data.js';
import { median } from './lib/timing.js';
import { writeJsonAtomic, gitCommit } from './lib/report.js';

const BATCH = 32;
const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';

interface Args { rounds: number; seconds: number; builds: BuildName[]; threads: number[]; baseline?: string; json?: string }

function parseArgs(argv: string[]): Args {
  const p = new Command('bench:vs-pytorch')
    .option('--rounds <n>', 'rounds (each: one simdnet chunk and one PyTorch chunk per variant)', '7')
    .option('--seconds <s>', 'length of a chunk, about', '1')
    .option('--builds <list>', 'simdnet builds (default simd, and relaxed where this engine has it)')
    .option('--threads <list>', 'thread counts, each side the same', '1')
    .option('--baseline <dir>', 'also time the simdnet checkout in DIR (its src and build), side by side')
    .option('--json <file>', 'write the figures as JSON to FILE')
    .allowExcessArguments(false);
  p.parse(argv, { from: 'user' });
  const o = p.opts<{ rounds: string; seconds: string; builds?: string; threads: string; baseline?: string; json?: string }>();
  const int = (v: string, flag: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`bench:vs-pytorch: ${flag} must be a positive integer, got '${v}'`);
    return n;
  };
  const seconds = Number(o.seconds);
  if (!(seconds > 0)) throw new Error(`bench:vs-pytorch: --seconds must be a positive number, got '${o.seconds}'`);
  const builds = (o.builds?.split(',') ?? (relaxedSimdSupported() ? ['simd', 'relaxed'] : ['simd'])) as BuildName[];
  for (const b of builds) if (!['naive', 'simd', 'relaxed'].includes(b)) throw new Error(`bench:vs-pytorch: unknown build '${b}' (naive, simd, relaxed)`);
  return { rounds: int(o.rounds, '--rounds'), seconds, builds, threads: o.threads.split(',').map((t) => int(t, '--threads')), baseline: o.baseline, json: o.json };
}

/** The PyTorch side: a child process that runs N steps on T threads per request line. */
class Torch {
  private readonly lines: AsyncIterator<string>;
  private readonly child;
  version = '';

  constructor() {
    const script = new URL('./pytorch/lenet5.py', import.meta.url).pathname;
    this.child = spawn(PYTHON, [script, '--serve', '--batch', String(BATCH)], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.child.on('error', (e) => { throw new Error(`bench:vs-pytorch: cannot run ${PYTHON} (${e.message}); apt-get install python3-torch`); });
    this.lines = createInterface({ input: this.child.stdout! })[Symbol.asyncIterator]();
  }

  private async next(): Promise<Record<string, unknown>> {
    const r = await this.lines.next();
    if (r.done) throw new Error(`bench:vs-pytorch: ${PYTHON} bench/pytorch/lenet5.py --serve ended (is python3-torch installed?)`);
    return JSON.parse(r.value) as Record<string, unknown>;
  }

  async ready(): Promise<void> { this.version = String((await this.next()).torch); }

  async chunk(threads: number, steps: number): Promise<number> {
    this.child.stdin!.write(`${threads} ${steps}\n`);
    return Number((await this.next()).imagesPerSecond);
  }

  close(): void { this.child.stdin!.end(); }
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const torch = new Torch();
  const loadBefore = os.loadavg();
  const data = await benchData('lenet5');
  const sides: { build: BuildName; threads: number; step: Stepper; baseline: boolean }[] = [];
  const libs: { baseline: boolean; zooModel: typeof zooModel; loadRuntime: typeof loadRuntime }[] = [{ baseline: false, zooModel, loadRuntime }];
  if (a.baseline !== undefined) {
    // The other checkout's own library code and wasm: its modules are separate instances.
    const base = resolve(a.baseline);
    if (!existsSync(join(base, 'src/model/zoo.ts'))) throw new Error(`bench:vs-pytorch: --baseline ${a.baseline}: no src/model/zoo.ts there`);
    const zoo = await import(pathToFileURL(join(base, 'src/model/zoo.ts')).href) as { zooModel: typeof zooModel };
    const load = await import(pathToFileURL(join(base, 'src/runtime/load.ts')).href) as { loadRuntime: typeof loadRuntime };
    libs.push({ baseline: true, zooModel: zoo.zooModel, loadRuntime: load.loadRuntime });
  }
  for (const lib of libs) {
    for (const build of a.builds) {
      const rt = await lib.loadRuntime({ build });
      for (const threads of a.threads) {
        const m = await lib.zooModel('lenet5', { runtime: rt, seed: 1, threads, build });
        sides.push({ build, threads, baseline: lib.baseline, step: new Stepper(m, new Staged(m, data, 'bench'), BATCH, 'train') });
      }
    }
  }
  await torch.ready();
  // Steps per chunk from a short calibration of each side.
  const warm = (s: Stepper, n: number) => { const t = performance.now(); for (let i = 0; i < n; i++) s.step(); return (performance.now() - t) / n; };
  const simdSteps = sides.map((s) => { warm(s.step, 50); return Math.max(20, Math.round(1000 * a.seconds / warm(s.step, 50))); });
  const torchSteps = new Map<number, number>();
  for (const t of a.threads) torchSteps.set(t, Math.max(20, Math.round(a.seconds * (await torch.chunk(t, 50)) / BATCH)));

  const ours: number[][] = sides.map(() => []);
  const theirs = new Map<number, number[]>(a.threads.map((t) => [t, []]));
  const ratios: number[][] = sides.map(() => []);
  for (let r = 0; r < a.rounds; r++) {
    const torchRound = new Map<number, number>();
    const runTorch = async () => { for (const t of a.threads) torchRound.set(t, await torch.chunk(t, torchSteps.get(t)!)); };
    const runOurs = () => sides.map((s, i) => {
      const t0 = performance.now();
      for (let j = 0; j < simdSteps[i]!; j++) s.step.step();
      return simdSteps[i]! * BATCH / ((performance.now() - t0) / 1000);
    });
    let rates: number[];
    if (r % 2 === 0) { rates = runOurs(); await runTorch(); } else { await runTorch(); rates = runOurs(); }
    for (const t of a.threads) theirs.get(t)!.push(torchRound.get(t)!);
    sides.forEach((s, i) => { ours[i]!.push(rates[i]!); ratios[i]!.push(rates[i]! / torchRound.get(s.threads)!); });
  }
  torch.close();

  console.log(`bench:vs-pytorch: lenet5 B=${BATCH} Adam, ${a.rounds} rounds of ~${a.seconds} s chunks, node ${process.version}, torch ${torch.version}, ` +
    `${os.cpus()[0]?.model ?? 'cpu'} (load ${loadBefore.map((v) => v.toFixed(2)).join(' ')})`);
  console.log('side                        threads   img/s (median chunk)   simdnet / PyTorch (median of rounds)');
  const results: unknown[] = [];
  for (const t of a.threads) console.log(`${'PyTorch (oneDNN, CPU)'.padEnd(28)}${String(t).padStart(7)}   ${median(theirs.get(t)!).toFixed(0).padStart(20)}`);
  sides.forEach((s, i) => {
    const rate = median(ours[i]!), ratio = median(ratios[i]!);
    // This checkout against the baseline's same build and threads, per round.
    const j = sides.findIndex((b) => b.baseline && !s.baseline && b.build === s.build && b.threads === s.threads);
    const vsBase = j < 0 ? undefined : median(ours[i]!.map((v, r) => v / ours[j]![r]!));
    console.log(`${`simdnet ${s.baseline ? 'baseline ' : ''}${s.build}`.padEnd(28)}${String(s.threads).padStart(7)}   ${rate.toFixed(0).padStart(20)}   ${ratio.toFixed(2)}x` +
      (vsBase === undefined ? '' : `   (this checkout / baseline: ${vsBase.toFixed(2)}x)`));
    results.push({ build: s.build, threads: s.threads, baseline: s.baseline, imagesPerSecond: rate, rates: ours[i], pytorchImagesPerSecond: median(theirs.get(s.threads)!),
      pytorchRates: theirs.get(s.threads), ratio, ratios: ratios[i], ...(vsBase === undefined ? {} : { vsBaseline: vsBase }) });
  });
  const target = sides.find((s) => s.build === 'simd' && s.threads === 1 && !s.baseline);
  if (target !== undefined) {
    const ratio = median(ratios[sides.indexOf(target)]!);
    console.log(`target (issue 9): simd build, one thread, ≥ 1.6x PyTorch's one thread: ${ratio.toFixed(2)}x, ${ratio >= 1.6 ? 'met' : 'MISSED'}`);
  }
  if (a.json) {
    await writeJsonAtomic(a.json, {
      node: process.version, torch: torch.version, cpu: os.cpus()[0]?.model, cores: os.cpus().length, commit: gitCommit(),
      date: new Date().toISOString(), argv: process.argv.slice(2), model: 'lenet5', batch: BATCH, optimizer: 'adam',
      rounds: a.rounds, loadAverageBefore: loadBefore, loadAverageAfter: os.loadavg(), results,
    });
  }
}

main().catch((e: unknown) => { console.error(e instanceof Error ? e.message : e); process.exit(1); });
