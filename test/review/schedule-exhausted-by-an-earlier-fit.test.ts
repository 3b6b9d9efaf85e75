// Defect: a cosine (minLr 0) or onecycle schedule without totalSteps is sized by the first fit
// that uses it, (its epochs ?? that fit's epochs) × batches. A second fit (fit({ resume: true }),
// train --resume without --schedule-epochs) then ran whole epochs past the schedule's end at its
// last learning rate: 0 for cosine, maxLr/250000 for onecycle. It trained silently and changed no
// weight (measured: the largest weight change over the cosine leg was exactly 0). fit now refuses
// such a leg before the first step, saying how many steps are left; PyTorch's OneCycleLR also
// refuses to step past its total. A schedule sized for both legs, or a new lr, still works.
import { beforeAll, describe, expect, it } from 'vitest';
import { getRuntime } from '../helpers/runtime.js';
import { Sequential } from '../../src/model/sequential.js';
import { Dense, Flatten } from '../../src/layers/index.js';
import { synthDataset } from '../model/util.js';
import type { Runtime } from '../../src/runtime/load.js';

let rt: Runtime;
beforeAll(async () => { rt = await getRuntime(); });
const data = synthDataset(64, [4, 4, 1], 3, 1);
const make = (lr: unknown) => new Sequential([new Flatten(), new Dense({ units: 3 })]).compileWith(rt, { inputShape: [4, 4, 1], optimizer: { type: 'adam', lr } as never });

describe('a schedule used up by an earlier fit', () => {
  for (const lr of [{ type: 'cosine', lr: 0.01 }, { type: 'onecycle', maxLr: 0.01 }]) {
    it(`${lr.type}: a resumed leg past its end is refused before any step, naming the steps left`, async () => {
      const m = make(lr);
      await m.fit(data, { epochs: 1, batchSize: 16 });
      const before = m.getWeights()[0]!.data.slice();
      let batches = 0;
      await expect(m.fit(data, { epochs: 1, batchSize: 16, resume: true, onBatchEnd: () => { batches++; } }))
        .rejects.toThrow(new RegExp(`Adam: lr: the ${lr.type} schedule has 0 of its 4 steps left, but this fit runs 4`));
      expect(batches).toBe(0);
      expect(Array.from(m.getWeights()[0]!.data)).toEqual(Array.from(before));
      // A new lr for the leg, or a schedule sized for both legs, trains.
      await m.fit(data, { epochs: 1, batchSize: 16, lr: 1e-3 });
      const both = make({ ...lr, epochs: 2 });
      await both.fit(data, { epochs: 1, batchSize: 16 });
      await both.fit(data, { epochs: 1, batchSize: 16, resume: true });
      expect(both.optimizer.iterations).toBe(8);
    });
  }

  it('cosine with minLr > 0 runs on at minLr (it still trains), and less than an epoch over is let through', async () => {
    const m = make({ type: 'cosine', lr: 0.01, minLr: 1e-3 });
    await m.fit(data, { epochs: 1, batchSize: 16 });
    await m.fit(data, { epochs: 1, batchSize: 16, resume: true });
    expect(m.optimizer.nextLr).toBeCloseTo(1e-3, 12);
    const o = make({ type: 'onecycle', maxLr: 0.01, totalSteps: 6 });
    await o.fit(data, { epochs: 2, batchSize: 16 }); // 8 steps on a 6-step schedule: 2 over, less than an epoch
    expect(o.optimizer.iterations).toBe(8);
  });
});
