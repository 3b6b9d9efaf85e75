// Review: the bytes each shard of a plan touches (activations, caches, ping-pong gradients,
// input gradient, scratch, geometry, gradient copy, loss slot) must never meet another
// shard's, for every mode, batch size 1..20 (and setBatch back and forth). A violation means
// two threads can write the same bytes: results then depend on the thread count and timing.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRuntime, type Runtime } from '../../src/runtime/load.js';
import { Sequential } from '../../src/model/sequential.js';
import { Conv2D, Dense, Dropout, Flatten, MaxPool2D, Reshape } from '../../src/layers/index.js';
import type { Plan, PlanMode } from '../../src/model/plan.js';

let rt: Runtime;
beforeAll(async () => { rt = await loadRuntime({}); });

type R = { lo: number; hi: number; what: string };

function shardRanges(m: Sequential, plan: Plan, s: number): R[] {
  const stack = m.layers.slice(0, m.stackSize);
  const sh = plan.shards[s]!;
  const out: R[] = [];
  const add = (p: number, bytes: number, what: string) => { if (p !== 0 && bytes > 0) out.push({ lo: p, hi: p + bytes, what: `shard ${s} ${what}` }); };
  stack.forEach((l, j) => {
    const r = sh.runs[j]!;
    if (!l.aliasesInput(plan.mode !== 'infer')) add(r.y, 4 * sh.rows * l.outSize, `${l.name} y`);
    if (plan.mode !== 'infer' && !l.aliasesInput(true)) { // an aliasing layer's backward touches nothing
      add(r.dy, 4 * sh.rows * l.outSize, `${l.name} dy`);
      add(r.dx, 4 * sh.rows * l.inSize, `${l.name} dx`);
    }
    for (const b of l.bufferSpecs(sh.rows, plan.mode !== 'infer')) if (b.kind === 'rows') add(r.bufs[b.name]!, b.bytes, `${l.name} ${b.name}`);
    if (r.bufs.geom !== undefined) add(r.bufs.geom, 64, `${l.name} geom`);
  });
  if (plan.scratchBytes > 0) add(sh.scratch, plan.scratchBytes, 'scratch');
  if (plan.mode !== 'infer' && m.nParams > 0) add(sh.grads, 4 * m.nParams, 'grads');
  add(sh.loss, 8, 'loss');
  return out;
}

function overlaps(m: Sequential, plan: Plan): string[] {
  const per = Array.from({ length: plan.activeShards }, (_, s) => shardRanges(m, plan, s));
  const bad: string[] = [];
  for (let a = 0; a < per.length; a++) for (let b = a + 1; b < per.length; b++) {
    for (const x of per[a]!) for (const y of per[b]!) if (x.lo < y.hi && y.lo < x.hi) bad.push(`${x.what} [${x.lo},${x.hi}) meets ${y.what} [${y.lo},${y.hi})`);
  }
  return bad;
}

const models: Record<string, { make: () => Sequential; input: number[] }> = {
  // A first layer that aliases its input, then a layer wider than the input (gradRow > inputSize).
  'flatten-first-wide': { make: () => new Sequential([new Flatten(), new Dense({ units: 64, activation: 'relu' }), new Dense({ units: 10 })]), input: [40] },
  'reshape-first-wide': { make: () => new Sequential([new Reshape({ targetShape: [40] }), new Dense({ units: 64 }), new Flatten(), new Dense({ units: 10 })]), input: [4, 10, 1] },
  'flatten-first-narrow': { make: () => new Sequential([new Flatten(), new Dense({ units: 16, activation: 'tanh' }), new Dense({ units: 3 })]), input: [6, 6, 1] },
  conv: { make: () => new Sequential([new Conv2D({ filters: 4, kernelSize: 3, activation: 'relu' }), new MaxPool2D({ poolSize: 2 }), new Dropout({ rate: 0.3 }), new Flatten(), new Dense({ units: 5 })]), input: [8, 8, 1] },
  'dropout-first-flatten-last': { make: () => new Sequential([new Dropout({ rate: 0.2 }), new Dense({ units: 7 }), new Flatten()]), input: [12] },
  'no-params': { make: () => new Sequential([new Flatten()]), input: [2, 3, 1] },
};

describe('shards never share bytes', () => {
  for (const [name, spec] of Object.entries(models)) {
    for (const mode of ['train', 'grad', 'infer'] as PlanMode[]) {
      it(`${name}, ${mode}: batches 1..20 and setBatch down and back up`, () => {
        const m = spec.make().compileWith(rt, { inputShape: spec.input, threads: 1, seed: 1 });
        const problems: string[] = [];
        for (const B of [1, 2, 3, 7, 8, 15, 16, 17, 19, 20, 64]) {
          const plan = m.plan(B, mode);
          for (const b of [B, ...Array.from({ length: Math.min(B, 20) }, (_, i) => i + 1), B]) {
            m.setBatch(plan, b);
            for (const p of overlaps(m, plan)) problems.push(`B ${B} rows ${b}: ${p}`);
          }
        }
        m.dispose();
        expect(problems.slice(0, 5), `${problems.length} overlaps`).toEqual([]);
      });
    }
  }
});
