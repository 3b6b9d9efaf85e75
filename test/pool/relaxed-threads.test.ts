// Threads must not change a bit within the relaxed build either: the workers run the relaxed
// module (the pool hands every worker all loaded builds and the build index of the job), so
// lenet5 trained with 1, 2 and 3 threads on build 'relaxed' ends with the same weights, losses
// and predictions. Skipped, with the reason, where the engine has no relaxed SIMD. (On Node ≥ 22
// test/pool/threads.test.ts covers every zoo model under 'auto', which is relaxed there.)
import { describe, expect, it } from 'vitest';
import { loadRuntime } from '../../src/runtime/load.js';
import { relaxedSimdSupported } from '../../src/runtime/features.js';
import { zooModel } from '../../src/model/zoo.js';
import { loadEmbeddedMnist } from '../../src/data/mnist-node.js';
import { take } from '../../src/data/transforms.js';
import { poolOf } from '../../src/pool/pool.js';
import type { Sequential } from '../../src/model/sequential.js';

const bits = (m: Sequential) => m.getWeights().map((w) => Array.from(new Uint32Array(w.data.slice().buffer)));
const why = relaxedSimdSupported() ? '' : ` (skipped: this engine (Node ${process.version}) has no WebAssembly relaxed SIMD)`;

describe('relaxed build and threads', () => {
  it.skipIf(!relaxedSimdSupported())(`lenet5, build 'relaxed': threads 1, 2 and 3 give the same bits${why}`, async () => {
    const rt = await loadRuntime({ build: 'relaxed' });
    const data = take((await loadEmbeddedMnist({ trainCount: 100, testCount: 10 })).train, 100);
    let ref: { w: number[][]; loss: number[]; probs: number[] } | undefined;
    for (const threads of [1, 2, 3]) {
      const m = await zooModel('lenet5', { runtime: rt, seed: 4, threads, build: 'relaxed' });
      expect(m.build).toBe('relaxed');
      // Workers start in the background; wait (up to 5 s) so they take part in this fit.
      for (let i = 0; i < 500 && poolOf(rt).ready < threads - 1; i++) await new Promise((r) => setTimeout(r, 10));
      const before = poolOf(rt).workerTasks;
      // At 2 threads the calling thread takes no task (test hook), so the worker runs every pooled
      // task and the check below does not depend on timing; at 3 both kinds of thread take tasks.
      poolOf(rt).callerWaits(threads === 2);
      let h, probs;
      try {
        h = await m.fit(data, { epochs: 1, batchSize: 32 });
        probs = Array.from(new Uint32Array(m.predict(data).probabilities.buffer));
      } finally { poolOf(rt).callerWaits(false); }
      const got = { w: bits(m), loss: h.loss, probs };
      if (ref === undefined) { ref = got; continue; }
      if (threads === 2) expect(poolOf(rt).workerTasks, 'the worker took part').toBeGreaterThan(before);
      expect(got.w, `weights, ${threads} threads vs 1`).toEqual(ref.w);
      expect(got.loss, `losses, ${threads} threads vs 1`).toEqual(ref.loss);
      expect(got.probs, `predictions, ${threads} threads vs 1`).toEqual(ref.probs);
    }
  });

  it("compiling with build 'relaxed' on a runtime without it names what is missing", async () => {
    const rt = await loadRuntime({ relaxedSimd: false });
    await expect(zooModel('lenet5', { runtime: rt, build: 'relaxed' })).rejects.toThrow(
      /compile: build 'relaxed' requested but this engine has no WebAssembly relaxed SIMD/);
  });
});
