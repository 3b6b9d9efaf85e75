// Timing several variants of one workload (the same model at different thread counts) side by
// side: calibrate on the first variant, warm each up, then R rounds in which every variant runs
// one chunk of whole steps (≈ 0.5 s, or one step when a step is slower), the order reversed every
// other round (ABBA) so a drift in the machine's load hits all variants alike. Each variant
// reports the median chunk's images/s with min and max; ratios between variants are taken per
// round (chunks adjacent in time) and their median reported. A training variant also runs a few
// phase-timed steps per round (the library's step with StepPhases: forward and backward then run
// as two jobs, one more barrier than the plain step) for the phase split; they are not in img/s.

import type { Phases } from './data.js';
import { noPhases } from './data.js';

export interface Variant {
  threads: number;
  /** Images per step. */
  batch: number;
  /** Puts the model in this variant's state (its thread count). */
  enter(): void;
  step(): void;
  /** The phase-timed step, for training variants. */
  phased?: (t: Phases) => void;
  /** Tasks run by worker threads so far (pool statistic), or 0 without a pool. */
  workerTasks(): number;
}

export interface Timing {
  threads: number;
  imagesPerSecond: number;
  min: number;
  max: number;
  /** Images/s of each round's chunk, in round order. */
  rates: number[];
  rounds: number;
  stepsPerChunk: number;
  /** ms per step of the median chunk. */
  msPerStep: number;
  /** Mean ms per phase over the phase-timed steps (training), and their images/s. */
  phasesMs?: Phases;
  phasedImagesPerSecond?: number;
  warmupSteps: number;
  /** Tasks worker threads took during the timed chunks, per step (0: the calling thread ran everything). */
  workerTasksPerStep: number;
}

export interface TimingOptions { quick: boolean }

export function median(v: readonly number[]): number {
  const s = [...v].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median over rounds of a.rates[r] / b.rates[r]. */
export function pairedRatio(a: Timing, b: Timing): number {
  const n = Math.min(a.rates.length, b.rates.length);
  return median(Array.from({ length: n }, (_, r) => a.rates[r]! / b.rates[r]!));
}

/** Lets the event loop turn (signal handlers, e.g. Ctrl-C, run only then): called between chunks, never inside one. */
const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

export async function timeVariants(vs: Variant[], opts: TimingOptions): Promise<Timing[]> {
  const chunkTarget = opts.quick ? 0.2 : 0.5; // seconds per chunk
  const maxRounds = opts.quick ? 3 : 7;
  const minRounds = 3;
  const budget = opts.quick ? 4 : 15; // seconds of timed chunks per variant, once minRounds are in
  const now = () => performance.now() / 1000;

  // First step of each variant. The check steps already ran every kernel, so they are compiled;
  // when a step takes seconds (naive convnet at B = 256) this step is the measurement.
  const firstSec: number[] = [];
  for (const v of vs) {
    await yieldToLoop();
    v.enter();
    const t0 = now();
    v.step();
    firstSec.push(now() - t0);
  }
  if (firstSec[0]! >= 5) {
    return vs.map((v, i) => {
      const r = v.batch / firstSec[i]!;
      return { threads: v.threads, imagesPerSecond: r, min: r, max: r, rates: [r], rounds: 1, stepsPerChunk: 1,
        msPerStep: 1000 * firstSec[i]!, warmupSteps: 0, workerTasksPerStep: NaN };
    });
  }
  // Warm-up: about one chunk's worth per variant, at least two more steps; calibrate on the first.
  const warm = vs.map(() => 1);
  let perStep = 0;
  for (const [i, v] of vs.entries()) {
    await yieldToLoop();
    v.enter();
    const w0 = now();
    do { v.step(); warm[i]!++; } while (now() - w0 < chunkTarget || warm[i]! < 3);
    if (i === 0) perStep = (now() - w0) / (warm[i]! - 1);
    if (v.phased) v.phased(noPhases());
  }
  const spc = Math.max(1, Math.round(chunkTarget / perStep));
  const rounds = Math.max(minRounds, Math.min(maxRounds, Math.floor(budget / (spc * perStep))));
  const phasedSteps = Math.max(1, Math.round(spc / 4));

  const rates = vs.map(() => [] as number[]);
  const phases = vs.map(() => noPhases());
  const phasedSec = vs.map(() => 0);
  const phasedN = vs.map(() => 0);
  const tasks = vs.map(() => 0);
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? vs.map((_, i) => i) : vs.map((_, i) => vs.length - 1 - i);
    for (const i of order) {
      const v = vs[i]!;
      await yieldToLoop();
      v.enter();
      const k0 = v.workerTasks();
      const c0 = now();
      for (let s = 0; s < spc; s++) v.step();
      const sec = now() - c0;
      tasks[i]! += v.workerTasks() - k0;
      rates[i]!.push((spc * v.batch) / sec);
      // Phase-timed steps: every round, or only the first when a chunk is a single step.
      if (v.phased && (spc > 1 || r === 0)) {
        const p0 = now();
        for (let s = 0; s < phasedSteps; s++) v.phased(phases[i]!);
        phasedSec[i]! += now() - p0;
        phasedN[i]! += phasedSteps;
      }
    }
  }
  return vs.map((v, i) => {
    const med = median(rates[i]!);
    const n = phasedN[i]!;
    const t: Timing = {
      threads: v.threads, imagesPerSecond: med, min: Math.min(...rates[i]!), max: Math.max(...rates[i]!), rates: rates[i]!,
      rounds, stepsPerChunk: spc, msPerStep: (1000 * v.batch) / med, warmupSteps: warm[i]!, workerTasksPerStep: tasks[i]! / (rounds * spc),
    };
    if (n > 0) {
      const p = phases[i]!;
      t.phasesMs = { data: p.data / n, forward: p.forward / n, backward: p.backward / n, update: p.update / n };
      t.phasedImagesPerSecond = (n * v.batch) / phasedSec[i]!;
    }
    return t;
  });
}
