// What batch normalisation costs in a training step: issue 8's `fast` net (24@5x5, maxpool 2,
// 32@3x3, maxpool 2, dense 256, 10; ReLU) without and with BatchNormalization after both convs
// and the dense layer, Adam, batch 128, on the embedded MNIST digits, at 1 thread and at 2. The
// four variants are timed side by side in rounds (bench/lib/timing.ts), so the with/without
// ratios come from chunks adjacent in time. With 2 threads each BatchNorm adds two cross-shard
// barriers per step (one in forward, one in backward), i.e. six more pool jobs per step.
// First checks that the BN net gives the same bits at 1 and 2 threads.
//
//   npx tsx bench/batchnorm.ts [--quick] [--json FILE]

import os from 'node:os';
import { loadRuntime } from '../src/runtime/load.js';
import { Sequential } from '../src/model/sequential.js';
import { BatchNormalization, Conv2D, Dense, Flatten, MaxPool2D, ReLU, type Layer } from '../src/layers/index.js';
import { poolOf } from '../src/pool/pool.js';
import { loadData } from '../src/data/load-node.js';
import { Staged, Stepper, weightsBitEqual } from './lib/data.js';
import { pairedRatio, timeVariants, type Variant } from './lib/timing.js';
import { writeJsonAtomic } from './lib/report.js';

const B = 128;

function fastNet(bn: boolean): Layer[] {
  const norm = (): Layer[] => (bn ? [new BatchNormalization()] : []);
  return [
    new Conv2D({ filters: 24, kernelSize: 5, useBias: !bn }), ...norm(), new ReLU(), new MaxPool2D({ poolSize: 2 }),
    new Conv2D({ filters: 32, kernelSize: 3, useBias: !bn }), ...norm(), new ReLU(), new MaxPool2D({ poolSize: 2 }),
    new Flatten(), new Dense({ units: 256, useBias: !bn }), ...norm(), new ReLU(), new Dense({ units: 10 }),
  ];
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const ji = argv.indexOf('--json');
  const json = ji >= 0 ? argv[ji + 1] : undefined;
  if (ji >= 0 && json === undefined) throw new Error('bench/batchnorm: --json needs a file name');
  const rt = await loadRuntime({});
  const { train } = await loadData('mnist');
  const models = [false, true].map((bn) => {
    const m = new Sequential(fastNet(bn));
    m.compileWith(rt, { inputShape: [28, 28, 1], seed: 1, threads: 1, optimizer: { type: 'adam', lr: 1e-3 } });
    return { bn, m, stepper: new Stepper(m, new Staged(m, train, 'bench'), B, 'train') };
  });

  // Bits: the BN net, 5 steps at 1 thread and at 2 from the same start, must agree.
  const twins = [1, 2].map((threads) => {
    const m = new Sequential(fastNet(true));
    m.compileWith(rt, { inputShape: [28, 28, 1], seed: 1, threads, optimizer: { type: 'adam', lr: 1e-3 } });
    const s = new Stepper(m, new Staged(m, train, 'check'), B, 'train');
    for (let i = 0; i < 5; i++) s.step();
    return m;
  });
  const diff = weightsBitEqual(twins[0]!, twins[1]!);
  if (diff !== null) throw new Error(`BN net, 2 threads vs 1: ${diff}`);
  console.log('BN net: 5 steps at 2 threads bit-identical to 1 thread');

  const variants: (Variant & { label: string })[] = [];
  for (const { bn, m, stepper } of models) {
    for (const threads of [1, 2]) {
      variants.push({
        label: `${bn ? 'with BN' : 'no BN  '} ${threads} thr`, threads, batch: B,
        enter: () => m.setThreads(threads), step: () => { stepper.step(); },
        workerTasks: () => (threads > 1 ? poolOf(rt).workerTasks : 0),
      });
    }
  }
  const t = await timeVariants(variants, { quick });
  const rows = variants.map((v, i) => ({ variant: v.label, imagesPerSecond: t[i]!.imagesPerSecond, min: t[i]!.min, max: t[i]!.max, msPerStep: t[i]!.msPerStep }));
  for (const r of rows) console.log(`${r.variant}: ${r.imagesPerSecond.toFixed(0)} img/s (min ${r.min.toFixed(0)}, max ${r.max.toFixed(0)}), ${r.msPerStep.toFixed(1)} ms/step`);
  const ratios = {
    bnOverPlain1: pairedRatio(t[2]!, t[0]!), bnOverPlain2: pairedRatio(t[3]!, t[1]!),
    twoOverOnePlain: pairedRatio(t[1]!, t[0]!), twoOverOneBn: pairedRatio(t[3]!, t[2]!),
  };
  console.log(`speed with BN / without (paired per round): 1 thread ${ratios.bnOverPlain1.toFixed(2)}x, 2 threads ${ratios.bnOverPlain2.toFixed(2)}x`);
  console.log(`2 threads / 1: without BN ${ratios.twoOverOnePlain.toFixed(2)}x, with BN ${ratios.twoOverOneBn.toFixed(2)}x`);
  if (json) {
    await writeJsonAtomic(json, { bench: 'batchnorm', batch: B, node: process.version, cpus: os.cpus()[0]?.model, loadavg: os.loadavg(), rows, ratios });
  }
  process.exit(0);
}

main().catch((e) => { console.error(e); process.exit(1); });
