// Timing-dependent (a race); the deterministic form of this defect is shard-layout.test.ts.
// Review: a 'grad' plan (lossAndGradients with inputGradient) of a model whose first layer
// aliases its input (Flatten/Reshape) and that has a layer wider than the input: the shards'
// input-gradient rows are placed inSize apart while the ping-pong rows are gradRow apart, so
// shard s's dx0 rows land on shard s-1's dlogits. With threads the shards race on those bytes.
import { beforeAll, expect, it } from 'vitest';
import { loadRuntime, type Runtime } from '../../src/runtime/load.js';
import { Sequential } from '../../src/model/sequential.js';
import { Dense, Flatten } from '../../src/layers/index.js';
import { poolOf } from '../../src/pool/pool.js';
import { makeRng } from '../helpers/rng.js';

let rt: Runtime;
beforeAll(async () => { rt = await loadRuntime({}); });

function model(threads: number): Sequential {
  return new Sequential([new Flatten(), new Dense({ units: 256, activation: 'relu' }), new Dense({ units: 10 })])
    .compileWith(rt, { inputShape: [200], threads, seed: 3 });
}

it('grad plan with Flatten first: input gradients and parameter gradients do not depend on the thread count', async () => {
  const B = 64;
  const rng = makeRng(5);
  const x = Float32Array.from({ length: B * 200 }, () => rng() - 0.5);
  const labels = Int32Array.from({ length: B }, () => Math.floor(rng() * 10));
  const one = model(1);
  const ref = one.lossAndGradients(x, labels, { inputGradient: true });
  const four = model(4);
  for (let i = 0; i < 200 && poolOf(rt).ready < 3; i++) await new Promise((r) => setTimeout(r, 10));
  let mismatches = 0;
  for (let rep = 0; rep < 500; rep++) {
    const got = four.lossAndGradients(x, labels, { inputGradient: true });
    const a = new Uint32Array(ref.inputGradient!.buffer);
    const b = new Uint32Array(got.inputGradient!.buffer);
    let same = a.length === b.length && a.every((v, i) => v === b[i]);
    for (const [name, g] of ref.grads) {
      const h = got.grads.get(name)!;
      if (!g.every((v, i) => Object.is(v, h[i]))) same = false;
    }
    if (!same) mismatches++;
  }
  one.dispose(); four.dispose();
  expect(mismatches, 'repetitions (of 500) whose gradients differ from 1 thread').toBe(0);
});
