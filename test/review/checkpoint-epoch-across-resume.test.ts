// Defect: ModelCheckpoint numbered its checkpoints (and counted `every`) by fit's own epoch,
// which restarts at 0 in every fit call. A resumed run (fit({ resume: true }), train --resume)
// with checkpointWriter('ck-{epoch}') therefore wrote ck-1, ck-2 again, over the first run's
// checkpoints, and `every` fell on other epochs than in a straight run. Keras numbers
// checkpoints by the global epoch; so must we: 2 + 2 resumed epochs give ck-1..ck-4, as 4 straight.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getRuntime } from '../helpers/runtime.js';
import { Sequential } from '../../src/model/sequential.js';
import { Dense, Flatten } from '../../src/layers/index.js';
import { ModelCheckpoint } from '../../src/train/callbacks.js';
import { checkpointWriter } from '../../src/io/model-node.js';
import { modelFromSerialized } from '../../src/io/model-io.js';
import { synthDataset } from '../model/util.js';
import type { Runtime } from '../../src/runtime/load.js';

let rt: Runtime;
let dir: string;
beforeAll(async () => { rt = await getRuntime(); dir = mkdtempSync(join(tmpdir(), 'simdnet-ckpt-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const data = synthDataset(64, [6, 6, 1], 3, 7);
const make = () => new Sequential([new Flatten(), new Dense({ units: 3 })], 'ck').compileWith(rt, { inputShape: [6, 6, 1], optimizer: { type: 'sgd', lr: 0.05 }, seed: 3 });

describe('ModelCheckpoint across a resumed run', () => {
  it('{epoch} is the model\'s epoch count: a resumed run writes ck-3, ck-4 and leaves ck-1, ck-2 alone', async () => {
    const m = make();
    const ck = (every: number) => new ModelCheckpoint({ every, save: checkpointWriter(join(dir, 'ck-{epoch}.simdnet')) });
    await m.fit(data, { epochs: 2, batchSize: 16, callbacks: [ck(1)] });
    const first = readFileSync(join(dir, 'ck-1.simdnet'));
    const second = new ModelCheckpoint({ every: 1, save: checkpointWriter(join(dir, 'ck-{epoch}.simdnet')) });
    await m.fit(data, { epochs: 2, batchSize: 16, resume: true, callbacks: [second] });
    expect(readdirSync(dir).filter((f) => f.startsWith('ck-')).sort()).toEqual(['ck-1.simdnet', 'ck-2.simdnet', 'ck-3.simdnet', 'ck-4.simdnet']);
    expect(readFileSync(join(dir, 'ck-1.simdnet')).equals(first), 'ck-1 of the first run is not overwritten').toBe(true);
    const third = await modelFromSerialized(new Uint8Array(readFileSync(join(dir, 'ck-3.simdnet'))), { runtime: rt });
    expect(third.epochsTrained).toBe(3);
    expect(second.saved, 'saved lists the model\'s epochs (0-based)').toEqual([2, 3]);
    third.dispose();
    m.dispose();
  });

  it('`every` counts the model\'s epochs: every 2 over 3 + 3 resumed saves after epochs 2, 4 and 6, as 6 straight', async () => {
    const seen: number[] = [];
    const save = (_m: Sequential, info: { trainedEpochs: number }) => { seen.push(info.trainedEpochs); };
    const m = make();
    await m.fit(data, { epochs: 3, batchSize: 16, callbacks: [new ModelCheckpoint({ every: 2, save })] });
    await m.fit(data, { epochs: 3, batchSize: 16, resume: true, callbacks: [new ModelCheckpoint({ every: 2, save })] });
    expect(seen).toEqual([2, 4, 6]);
    m.dispose();
  });
});
