// ModelCheckpoint with the Node file writer (checkpointWriter, src/io/model-node.ts): files are
// loadable models holding the weights of their epoch, {epoch} keeps one file per checkpoint, and
// a write that fails half way leaves no partial file: the previous checkpoint stays intact, byte
// for byte, and no temporary file is left. The failure is simulated by wrapping fs.promises.open
// so that the next file written gets half its bytes and then an error (as a full disk would).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const failure = vi.hoisted(() => ({ next: false }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const open = async (...args: Parameters<typeof fs.open>) => {
    const fh = await fs.open(...args);
    if (!failure.next) return fh;
    failure.next = false;
    return new Proxy(fh, {
      get(target, prop) {
        if (prop === 'writeFile') {
          return async (data: Uint8Array) => {
            await target.write(data.subarray(0, data.length >> 1));
            throw new Error('ENOSPC: no space left on device (simulated)');
          };
        }
        const v = Reflect.get(target, prop);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  };
  return { ...fs, open, default: { ...fs, open } };
});

import { getRuntime } from '../helpers/runtime.js';
import { Sequential } from '../../src/model/sequential.js';
import { Conv2D } from '../../src/layers/conv2d.js';
import { MaxPool2D } from '../../src/layers/pool2d.js';
import { Dense } from '../../src/layers/dense.js';
import { Flatten } from '../../src/layers/flatten.js';
import { loadEmbeddedMnist } from '../../src/data/mnist-node.js';
import { take } from '../../src/data/transforms.js';
import type { Dataset } from '../../src/data/dataset.js';
import { ModelCheckpoint } from '../../src/train/callbacks.js';
import { checkpointWriter, loadModel } from '../../src/io/model-node.js';
import { expectBitIdentical } from '../helpers/compare.js';

let mnist: Dataset;
let dir: string;
beforeAll(async () => {
  mnist = take((await loadEmbeddedMnist({ trainCount: 100, testCount: 10 })).train, 64);
  dir = await mkdtemp(join(tmpdir(), 'simdnet-checkpoint-'));
});
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

async function model(): Promise<Sequential> {
  const m = new Sequential([new Conv2D({ filters: 3, kernelSize: 5, activation: 'relu' }), new MaxPool2D({ poolSize: 2 }), new Flatten(), new Dense({ units: 10 })]);
  m.compileWith(await getRuntime(), { inputShape: [28, 28, 1], seed: 7 });
  return m;
}

describe('checkpointWriter', () => {
  it('writes loadable models with their epoch\'s weights and normalization; {epoch} keeps each file', async () => {
    const m = await model();
    m.setNormalization({ type: 'standardize', mean: [0.1], std: [0.3] });
    const snaps: Float32Array[][] = [];
    await m.fit(mnist, {
      epochs: 4, batchSize: 16, onEpochEnd: () => { snaps.push(m.getWeights().map((w) => w.data)); },
      callbacks: [new ModelCheckpoint({ every: 2, save: checkpointWriter(join(dir, 'm-{epoch}.simdnet')) })],
    });
    expect((await readdir(dir)).sort()).toEqual(['m-2.simdnet', 'm-4.simdnet']);
    for (const [file, e] of [['m-2.simdnet', 1], ['m-4.simdnet', 3]] as const) {
      const l = await loadModel(join(dir, file), { runtime: await getRuntime() });
      l.getWeights().forEach((w, i) => expectBitIdentical(w.data, snaps[e]![i]!, `${file} ${w.name}`));
      expect(l.normalization).toEqual(m.normalization);
      l.dispose();
    }
  });

  it('is atomic: a write that fails half way leaves the previous checkpoint intact and no partial or temporary file', async () => {
    const m = await model();
    const path = join(dir, 'atomic.simdnet');
    let epochs = 0;
    const save = checkpointWriter(path);
    const ck = new ModelCheckpoint({
      every: 1,
      save: async (mm, info) => {
        if (info.epoch === 1) failure.next = true; // the second checkpoint's write fails
        await save(mm, info);
      },
    });
    let before: Uint8Array | undefined;
    const run = m.fit(mnist, {
      epochs: 3, batchSize: 16,
      onEpochEnd: async () => { epochs++; if (epochs === 2) before = new Uint8Array(await readFile(path)); },
      callbacks: [ck],
    });
    await expect(run).rejects.toThrow(/ENOSPC: no space left on device \(simulated\)/);
    expect(failure.next).toBe(false); // the failing write did happen
    expect(ck.saved).toEqual([0]);
    const after = new Uint8Array(await readFile(path));
    expect(before).toBeDefined();
    expect(after.length).toBe(before!.length);
    expect(Buffer.from(after).equals(Buffer.from(before!))).toBe(true); // the first checkpoint, untouched
    const l = await loadModel(path, { runtime: await getRuntime() }); // and still a whole model
    l.dispose();
    expect((await readdir(dir)).filter((f) => f.startsWith('.'))).toEqual([]); // no temporary left behind
  });
});
