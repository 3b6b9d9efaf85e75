// Before anything is timed, per model (throws if anything disagrees):
//   (a) one step on the same 16-image batch with trainStep on model A (SIMD, 1 thread), the
//       phase-timed trainStep on its twin T (same seed, 1 thread), and trainStep on the naive
//       build: A's and T's loss and every weight afterwards must be BIT-identical (so the
//       phase-timed step computes what the plain step does), and the naive loss must agree with
//       A's to 1e-3 relative (a sanity bound: both builds compute the same thing, but reductions
//       of up to 9216 terms are summed in a different order, worst case K·2^-23 ≈ 1.1e-3 of
//       Σ|terms|; the kernel tests prove the tight per-kernel bounds);
//   (b) for every thread count t > 1, at the benchmark's batch size: a plain step on A (1
//       thread) and on T (t threads), then a plain step on A and a phase-timed one on T (t
//       threads): bit-identical loss and weights after each; and predict (inferStep) at
//       PREDICT_BATCH on A (1 thread) and T (t threads): bit-identical probabilities.
// T is then the model that is timed; A is only the reference.

import type { Sequential } from '../../src/model/sequential.js';
import { poolOf } from '../../src/pool/pool.js';
import type { Dataset } from '../../src/data/dataset.js';
import { take } from '../../src/data/transforms.js';
import { Staged, Stepper, noPhases, weightsBitEqual } from './data.js';

export const CHECK_BATCH = 16;

export interface Check {
  lossSimd: number;
  lossNaive: number;
  relDiff: number;
  phasedStepBitIdentical: true;
  /** Thread counts whose steps (plain and phase-timed) and predictions matched 1 thread bit for bit. */
  threadsBitIdentical: number[];
  /** Tasks the workers took in the t-thread check steps (0 would mean the check ran on one thread). */
  checkWorkerTasks: Record<string, number>;
}

export function verify(name: string, data: Dataset, B: number, predictB: number, threads: number[],
  a: Sequential, t: Sequential, naive: Sequential): Check {
  const small = take(data, Math.min(data.count, Math.max(CHECK_BATCH, 2 * B, predictB)));
  const [sa, st, sn] = [a, t, naive].map((m) => new Staged(m, small, 'check'));
  for (const m of [a, t, naive]) m.setThreads(1);
  const la = new Stepper(a, sa!, CHECK_BATCH, 'train').step() / CHECK_BATCH;
  const lt = new Stepper(t, st!, CHECK_BATCH, 'train').timedStep(noPhases()) / CHECK_BATCH;
  const ln = new Stepper(naive, sn!, CHECK_BATCH, 'train').step() / CHECK_BATCH;
  if (la !== lt) throw new Error(`${name}: the phase-timed step's loss ${lt} differs from trainStep's ${la}`);
  const why = weightsBitEqual(a, t);
  if (why) throw new Error(`${name}: after one step the phase-timed step's weights differ from trainStep's at ${why}`);
  const relDiff = Math.abs(la - ln) / Math.max(Math.abs(la), 1e-30);
  if (!(relDiff <= 1e-3)) throw new Error(`${name}: SIMD and naive first-step losses disagree: ${la} vs ${ln} (relative ${relDiff.toExponential(2)} > 1e-3)`);

  const pool = a.runtime.shared ? poolOf(a.runtime) : undefined;
  const checked: number[] = [];
  const tasks: Record<string, number> = {};
  const ra = new Stepper(a, sa!, B, 'train');
  const rt = new Stepper(t, st!, B, 'train');
  const pa = new Stepper(a, sa!, predictB, 'infer');
  const pt = new Stepper(t, st!, predictB, 'infer');
  for (const n of threads.filter((x) => x > 1)) {
    t.setThreads(n);
    if (t.threads !== n) throw new Error(`${name}: asked for ${n} threads, the model runs ${t.threads}`);
    const k0 = pool?.workerTasks ?? 0;
    for (const phased of [false, true]) {
      const x = ra.step();
      const y = phased ? rt.timedStep(noPhases()) : rt.step();
      const what = `${phased ? 'phase-timed' : 'plain'} step at B=${B} on ${n} threads`;
      if (x !== y) throw new Error(`${name}: the ${what} has loss ${y}, 1 thread ${x}`);
      const w = weightsBitEqual(a, t);
      if (w) throw new Error(`${name}: after a ${what} the weights differ from 1 thread's at ${w}`);
    }
    pa.step();
    pt.step();
    const [u, v] = [pa.probabilityBits(), pt.probabilityBits()];
    const bad = u.findIndex((bits, i) => bits !== v[i]);
    if (bad >= 0) throw new Error(`${name}: predict at B=${predictB} on ${n} threads differs from 1 thread at probability ${bad}`);
    tasks[String(n)] = (pool?.workerTasks ?? 0) - k0;
    checked.push(n);
  }
  t.setThreads(1);
  return { lossSimd: la, lossNaive: ln, relDiff, phasedStepBitIdentical: true, threadsBitIdentical: checked, checkWorkerTasks: tasks };
}
