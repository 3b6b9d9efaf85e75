// Optimizer benchmark: images per second of the library's training step (lenet5 at batch 32 by
// default) with each optimizer, with gradient clipping and with a OneCycle schedule, timed side
// by side in one run (bench/lib/timing.ts interleaves the variants in rounds) and reported as the
// ratio to plain Adam measured in the same rounds, plus the update phase in ms per step.
//
//   npx tsx bench/optim.ts [--model lenet5] [--batch 32] [--threads 1] [--quick] [--json FILE]
//
// Verify first: clipNorm far above the gradient norm trains to the same bits as no clipping, and
// a 'constant' schedule to the same bits as a number lr (the paths differ, the numbers must not).

import { Command } from 'commander';
import { zooEntry, zooModel } from '../src/model/zoo.js';
import type { Sequential } from '../src/model/sequential.js';
import { loadRuntime } from '../src/runtime/load.js';
import { benchData, Staged, Stepper, weightsBitEqual } from './lib/data.js';
import { pairedRatio, timeVariants, type Variant } from './lib/timing.js';
import { writeJsonAtomic } from './lib/report.js';

const p = new Command('bench:optim')
  .option('--model <name>', 'zoo model', 'lenet5')
  .option('--batch <n>', 'batch size', '32')
  .option('--threads <n>', 'threads', '1')
  .option('--quick', 'shorter timings', false)
  .option('--json <file>', 'write the figures as JSON to FILE')
  .allowExcessArguments(false);
p.parse(process.argv.slice(2), { from: 'user' });
const o = p.opts<{ model: string; batch: string; threads: string; quick: boolean; json?: string }>();
const B = Number(o.batch), threads = Number(o.threads);

const variants: Record<string, { type: string } & Record<string, unknown>> = {
  adam: { type: 'adam', lr: 1e-3 },
  'adam clipNorm 1': { type: 'adam', lr: 1e-3, clipNorm: 1 },
  'adam onecycle': { type: 'adam', lr: { type: 'onecycle', maxLr: 0.01, totalSteps: 100000, cycleMomentum: true } },
  adamw: { type: 'adamw', lr: 1e-3 },
  rmsprop: { type: 'rmsprop', lr: 1e-3, momentum: 0.5 },
  nesterov: { type: 'nesterov', lr: 0.01 },
  sgd: { type: 'sgd', lr: 0.01 },
};

const rt = await loadRuntime({});
const data = await benchData(o.model);
const build = async (optimizer: { type: string } & Record<string, unknown>): Promise<Sequential> =>
  zooModel(o.model, { seed: 1, runtime: rt, optimizer, threads });

// ---- verify --------------------------------------------------------------------------------
async function trainedBits(optimizer: { type: string } & Record<string, unknown>): Promise<Sequential> {
  const m = await build(optimizer);
  const s = new Stepper(m, new Staged(m, data, 'verify'), B, 'train');
  for (let i = 0; i < 5; i++) s.step();
  return m;
}
const checks: [string, string | null][] = [
  ['clipNorm 1e9 = no clipping', weightsBitEqual(await trainedBits({ type: 'adam', lr: 1e-3, clipNorm: 1e9 }), await trainedBits({ type: 'adam', lr: 1e-3 }))],
  ['constant schedule = number lr', weightsBitEqual(await trainedBits({ type: 'adam', lr: { type: 'constant', lr: 1e-3 } }), await trainedBits({ type: 'adam', lr: 1e-3 }))],
];
for (const [what, diff] of checks) {
  console.log(`verify: ${what}: ${diff === null ? 'bit-identical' : `DIFFERS (${diff})`}`);
  if (diff !== null) process.exit(1);
}

// ---- time ----------------------------------------------------------------------------------
const names = Object.keys(variants);
const models = await Promise.all(names.map((n) => build(variants[n]!)));
const steppers = models.map((m) => new Stepper(m, new Staged(m, data, 'bench'), B, 'train'));
const vs: Variant[] = steppers.map((s) => ({
  threads, batch: B, enter: () => {}, step: () => { s.step(); }, phased: (t) => { s.timedStep(t); }, workerTasks: () => 0,
}));
const ts = await timeVariants(vs, { quick: o.quick });
console.log(`${o.model} B=${B}, ${threads} thread(s), ${zooEntry(o.model).name}; ratios to adam measured in the same rounds (busy machine: compare ratios, not absolute rates)`);
const rows = names.map((n, i) => ({
  variant: n, imagesPerSecond: ts[i]!.imagesPerSecond, ratioToAdam: pairedRatio(ts[i]!, ts[0]!), updateMs: ts[i]!.phasesMs?.update ?? NaN,
}));
for (const r of rows) {
  console.log(`${r.variant.padEnd(18)} ${Math.round(r.imagesPerSecond).toString().padStart(6)} img/s  ${r.ratioToAdam.toFixed(3)}x adam  update ${r.updateMs.toFixed(3)} ms/step`);
}
if (o.json) await writeJsonAtomic(o.json, { model: o.model, batch: B, threads, checks: checks.map(([w, d]) => ({ what: w, identical: d === null })), rows, node: process.version, date: new Date().toISOString() });
