// Defect: a ModelCheckpoint whose checkpointWriter path cannot be written (no such directory,
// the path is a directory) let fit train a whole `every` epochs and only then threw from the
// save. The CLI checks its --checkpoint path up front; the library's writer now does too, in
// onTrainBegin: fit rejects before its first batch, naming the path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getRuntime } from '../helpers/runtime.js';
import { Sequential } from '../../src/model/sequential.js';
import { Dense, Flatten } from '../../src/layers/index.js';
import { ModelCheckpoint } from '../../src/train/callbacks.js';
import { checkpointWriter } from '../../src/io/model-node.js';
import { synthDataset } from '../model/util.js';
import type { Runtime } from '../../src/runtime/load.js';

let rt: Runtime;
let dir: string;
beforeAll(async () => { rt = await getRuntime(); dir = mkdtempSync(join(tmpdir(), 'simdnet-ckpt-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const data = synthDataset(48, [6, 6, 1], 3, 7);

describe('checkpointWriter with a path that cannot be written', () => {
  const cases: [string, () => string, RegExp][] = [
    ['a missing directory', () => join(dir, 'no-such-dir', 'ck-{epoch}.simdnet'), /no-such-dir.*(does not exist|not a directory)/],
    ['a directory as the file', () => { mkdirSync(join(dir, 'ck-1.simdnet')); return join(dir, 'ck-{epoch}.simdnet'); }, /ck-1\.simdnet is a directory/],
  ];
  for (const [what, path, message] of cases) {
    it(`${what}: fit rejects before its first batch, naming the path`, async () => {
      const m = new Sequential([new Flatten(), new Dense({ units: 3 })]).compileWith(rt, { inputShape: [6, 6, 1], optimizer: { type: 'sgd', lr: 0.05 }, seed: 3 });
      let batches = 0;
      const fit = m.fit(data, { epochs: 2, batchSize: 16, onBatchEnd: () => { batches++; }, callbacks: [new ModelCheckpoint({ save: checkpointWriter(path()) })] });
      await expect(fit).rejects.toThrow(message);
      expect(batches, 'no batch ran').toBe(0);
      m.dispose();
    });
  }
});
