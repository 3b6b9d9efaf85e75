// Defect: the trainer worker's fit (src/browser/worker-core.ts) accepted only epochs, batchSize,
// seed, validationSplit, shuffle and progressEvery, so a page could not train with the
// model-carried standardization or shift augmentation that fit gained in the same round (zoo
// 'fast' and 'simple' recipes standardize): { normalize: 'standardize' } was refused as unknown.
// It also took no lr, so a model whose schedule had run out could not train on in the worker.
// Driven in Node through TrainerCore with a recording port (the protocol the page's client speaks).
import { describe, expect, it } from 'vitest';
import { TrainerCore } from '../../src/browser/worker-core.js';
import { deserialize, modelFromSerialized } from '../../src/io/model-io.js';
import { loadEmbeddedMnist } from '../../src/data/mnist-node.js';
import { take } from '../../src/data/transforms.js';
import { getRuntime } from '../helpers/runtime.js';
import type { ReplyMessage } from '../../src/browser/protocol.js';

function driver() {
  const replies = new Map<number, (m: ReplyMessage) => void>();
  const core = new TrainerCore({ postMessage: (m) => { const r = m as ReplyMessage; if (!('event' in r)) replies.get(r.id)?.(r); } });
  let id = 0;
  return (op: string, args: unknown) => new Promise<unknown>((resolve, reject) => {
    const me = ++id;
    replies.set(me, (m) => ('ok' in m && m.ok ? resolve(m.value) : reject(new Error((m as { error: { message: string } }).error.message))));
    core.receive({ id: me, op: op as never, args });
  });
}

describe('trainer worker fit: normalize and augment', () => {
  it('standardizes with the training statistics (saved with the model) and shifts, as Node\'s fit does', async () => {
    const data = take((await loadEmbeddedMnist({ trainCount: 64, testCount: 8 })).train, 64);
    const call = driver();
    await call('init', { threads: 1, build: 'simd' });
    await call('compile', { zoo: 'lenet5', seed: 4 });
    await call('fit', { train: data, options: { epochs: 1, batchSize: 32, normalize: 'standardize', augment: { shift: 2 } } });
    const bytes = await call('save', {}) as Uint8Array;
    const inWorker = await modelFromSerialized(deserialize(bytes), { runtime: await getRuntime() });
    expect(inWorker.normalization, 'the worker\'s model carries the standardization').toBeDefined();

    const { zooModel } = await import('../../src/model/zoo.js');
    const node = await zooModel('lenet5', { runtime: await getRuntime(), seed: 4, threads: 1 });
    await node.fit(data, { epochs: 1, batchSize: 32, normalize: 'standardize', augment: { shift: 2 } });
    expect(inWorker.normalization).toEqual(node.normalization);
    const a = inWorker.getWeights(), b = node.getWeights();
    for (let i = 0; i < a.length; i++) expect(Buffer.from(a[i]!.data.buffer).equals(Buffer.from(b[i]!.data.buffer)), a[i]!.name).toBe(true);
    await expect(call('fit', { train: data, options: { normalize: 'scale' } })).rejects.toThrow(/normalize must be 'standardize'/);
  });

  it('takes lr: a second fit after a onecycle schedule has run out is refused, and trains with a new lr', async () => {
    const data = take((await loadEmbeddedMnist({ trainCount: 64, testCount: 8 })).train, 64);
    const call = driver();
    await call('init', { threads: 1, build: 'simd' });
    await call('compile', { zoo: 'lenet5', seed: 4 });
    await call('fit', { train: data, options: { epochs: 1, batchSize: 16, lr: { type: 'onecycle', maxLr: 0.01 } } });
    await expect(call('fit', { train: data, options: { epochs: 1, batchSize: 16 } })).rejects.toThrow(/the onecycle schedule has 0 of its 4 steps left/);
    const r = await call('fit', { train: data, options: { epochs: 1, batchSize: 16, lr: 1e-3 } }) as { history: { loss: number[] } };
    expect(r.history.loss.length).toBe(1);
  });
});
