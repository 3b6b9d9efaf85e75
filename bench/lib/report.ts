// Result rows, the printed table, the targets of issue 6, and the JSON file.

import { execSync } from 'node:child_process';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { BuildName } from '../../src/runtime/load.js';
import type { Check } from './verify.js';
import type { Timing } from './timing.js';

/** One measured workload: a model, build, thread count, batch size and phase. */
export interface Row extends Timing {
  model: string;
  build: BuildName;
  batch: number;
  phase: 'train' | 'predict';
  /** Measured with the --busy loop running on one core. */
  busy: boolean;
  batchSize: number;
  optimizer: string;
  data: string;
  /** Median over rounds of this row's images/s over the 1-thread row's (same model, phase, batch, build). */
  vsOneThread?: number;
  /** SIMD over naive images/s, both at 1 thread (the SIMD 1-thread training row). */
  speedup?: number;
  /** Relaxed over SIMD images/s at 1 thread, median over rounds timed side by side (the relaxed row). */
  vsSimd?: number;
  /** The model's checks (SIMD training rows). */
  check?: Check;
  /** One-core images/s target (SIMD 1-thread training rows of lenet5, simple, convnet). */
  target?: number;
  targetMet?: boolean;
}

export interface TargetResult {
  target: string;
  /** What is compared, and the bound. */
  measure: 'ratio' | 'imagesPerSecond';
  bound: number;
  value: number | null;
  status: 'met' | 'missed' | 'not measured';
  note?: string;
}

const fmtMs = (ms: number): string => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms >= 0.1 ? ms.toFixed(2) : ms.toFixed(3));

function fmtPhases(r: Row): string {
  const p = r.phasesMs;
  if (p === undefined) return '';
  const sum = p.data + p.forward + p.backward + p.update;
  const f = (x: number) => `${Math.round((100 * x) / sum)}`.padStart(2);
  return `${f(p.data)} ${f(p.forward)} ${f(p.backward)} ${f(p.update)}`;
}

export const TABLE_HEAD = `${'model'.padEnd(12)} ${'phase'.padEnd(7)} ${'B'.padStart(4)} ${'build'.padEnd(7)} ${'thr'.padStart(3)} ` +
  `${'img/s'.padStart(8)} ${'min..max'.padStart(15)} ${'ms/step'.padStart(8)} ${'rounds'.padStart(7)} ${'vs 1 thr'.padStart(8)} ` +
  `${'wk/step'.padStart(7)}  phases d/f/b/u`;

/** One table line; `first` prints the model name. */
export function formatRow(r: Row, first: boolean): string {
  const ratio = r.vsOneThread === undefined ? '' : `${r.vsOneThread.toFixed(2)}x`;
  const wk = Number.isNaN(r.workerTasksPerStep) ? '' : r.workerTasksPerStep.toFixed(1);
  let line = `${(first ? r.model : '').padEnd(12)} ${r.phase.padEnd(7)} ${String(r.batch).padStart(4)} ${r.build.padEnd(7)} ${String(r.threads).padStart(3)} ` +
    `${r.imagesPerSecond.toFixed(0).padStart(8)} ${`${r.min.toFixed(0)}..${r.max.toFixed(0)}`.padStart(15)} ${fmtMs(r.msPerStep).padStart(8)} ` +
    `${`${r.rounds}x${r.stepsPerChunk}`.padStart(7)} ${ratio.padStart(8)} ${wk.padStart(7)}  ${fmtPhases(r)}`;
  if (r.speedup !== undefined) line += `${r.phasesMs ? '  ' : ''}SIMD/naive ${r.speedup.toFixed(1)}x`;
  if (r.vsSimd !== undefined) line += `${r.phasesMs ? '  ' : ''}relaxed/SIMD ${r.vsSimd.toFixed(2)}x`;
  return line.trimEnd();
}

/** The targets of issue 6 ("Targets"), from the rows. */
export function evaluateTargets(rows: Row[], threads: readonly number[], busyRun: boolean): TargetResult[] {
  const find = (model: string, phase: Row['phase'], batch: number, t: number, busy = false) =>
    rows.find((r) => r.model === model && r.phase === phase && r.batch === batch && r.threads === t && r.build === 'simd' && r.busy === busy);
  const both = threads.includes(1) && threads.includes(2);
  const ratio = (target: string, bound: number, row: Row | undefined, why?: string): TargetResult => {
    const v = row?.vsOneThread;
    const note = why ?? (both ? 'model not in --models' : 'needs 1 and 2 in --threads');
    return v === undefined
      ? { target, measure: 'ratio', bound, value: null, status: 'not measured', note }
      : { target, measure: 'ratio', bound, value: v, status: v >= bound ? 'met' : 'missed' };
  };
  const out: TargetResult[] = [
    ratio('lenet5 train B=32 Adam, 2 threads / 1 thread', 1.8, find('lenet5', 'train', 32, 2)),
    ratio('convnet train B=256 Adam, 2 threads / 1 thread', 1.8, find('convnet', 'train', 256, 2)),
  ];
  const models = [...new Set(rows.filter((r) => !r.busy).map((r) => r.model))];
  for (const m of models) out.push(ratio(`${m} predict B=256, 2 threads / 1 thread`, 1.8, find(m, 'predict', 256, 2)));
  out.push(ratio('simple train B=1 SGD, 2 threads / 1 thread', 0.95, find('simple', 'train', 1, 2)));
  out.push(busyRun
    ? ratio('lenet5 train B=32 with a busy loop on one core, 2 threads / 1 thread', 0.9, find('lenet5', 'train', 32, 2, true), 'busy run failed')
    : { target: 'lenet5 train B=32 with a busy loop on one core, 2 threads / 1 thread', measure: 'ratio', bound: 0.9, value: null, status: 'not measured', note: 'run with --busy' });
  const l2 = find('lenet5', 'train', 32, 2);
  const pyNote = '1.8x PyTorch 2 threads (10,300-10,600 img/s in issue 6), not measured in this run';
  out.push(l2 === undefined
    ? { target: 'lenet5 train B=32, 2 threads ≥ 19,000 img/s', measure: 'imagesPerSecond', bound: 19000, value: null, status: 'not measured', note: pyNote }
    : { target: 'lenet5 train B=32, 2 threads ≥ 19,000 img/s', measure: 'imagesPerSecond', bound: 19000, value: l2.imagesPerSecond,
      status: l2.imagesPerSecond >= 19000 ? 'met' : 'missed', note: pyNote });
  return out;
}

export function formatTarget(t: TargetResult): string {
  const need = t.measure === 'ratio' ? `≥ ${t.bound.toFixed(2)}x` : `≥ ${t.bound} img/s`;
  const got = t.value === null ? '-' : t.measure === 'ratio' ? `${t.value.toFixed(2)}x` : `${t.value.toFixed(0)} img/s`;
  const status = t.status === 'missed' ? 'MISSED' : t.status;
  return `${t.target.padEnd(72)} ${got.padStart(11)}  ${need.padEnd(13)} ${status}${t.note ? ` (${t.note})` : ''}`;
}

/** Writes JSON to `file` atomically: a temporary file beside it, then a rename. */
export async function writeJsonAtomic(file: string, doc: unknown): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify(doc, null, 2) + '\n');
  await rename(tmp, file);
}

/** The checkout's short commit hash, for a result file; 'unknown' outside a git checkout. */
export function gitCommit(): string {
  try {
    return execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return 'unknown'; // not a checkout
  }
}
