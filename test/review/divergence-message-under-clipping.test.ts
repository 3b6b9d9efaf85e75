// Defect: a model that diverged with gradient clipping on was told to "clip the gradients".
// The DivergenceError now names clipNorm and the last step's gradient norm instead (and still
// says "clip the gradients" when clipping is off).
import { beforeAll, describe, expect, it } from 'vitest';
import { getRuntime } from '../helpers/runtime.js';
import { Sequential } from '../../src/model/sequential.js';
import { BatchNormalization, Dense, Flatten } from '../../src/layers/index.js';
import { DivergenceError } from '../../src/train/divergence.js';
import { synthDataset } from '../model/util.js';
import type { Runtime } from '../../src/runtime/load.js';

let rt: Runtime;
beforeAll(async () => { rt = await getRuntime(); });
const data = synthDataset(64, [4, 4, 1], 3, 1);
const make = (clipNorm?: number) => new Sequential([new Flatten(), new Dense({ units: 8 }), new BatchNormalization(), new Dense({ units: 3 })])
  .compileWith(rt, { inputShape: [4, 4, 1], optimizer: { type: 'sgd', lr: 1e30, ...(clipNorm !== undefined ? { clipNorm } : {}) } });

describe('DivergenceError advice', () => {
  it('with clipNorm: names clipNorm and the last gradient norm, not "clip the gradients"', async () => {
    const e = await make(1).fit(data, { epochs: 3, batchSize: 16 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DivergenceError);
    const msg = (e as Error).message;
    expect(msg).toMatch(/lower the learning rate \(now 1e\+30\) or clipNorm \(now 1; the last gradient norm was (NaN|Infinity|[0-9.e+]+)\), or check the data$/);
    expect(msg).not.toMatch(/clip the gradients/);
  });

  it('without clipNorm: suggests clipping', async () => {
    const e = await make().fit(data, { epochs: 3, batchSize: 16 }).catch((x: unknown) => x);
    expect((e as Error).message).toMatch(/lower the learning rate \(now 1e\+30\), clip the gradients, or check the data$/);
  });
});
