// The trainer worker's client and core, in Node: createTrainerWorker talks to a TrainerCore over
// a MessageChannel (structured clone and transfers, as with a Worker), so the protocol, the
// ordering, stop(), errors and the results can be checked precisely against the same work done
// directly on a model. test/browser/worker.test.ts runs the real Worker in Chromium.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { createTrainerWorker, type TrainerWorker, type BatchProgress, type EpochProgress, type WorkerLike } from '../../src/browser/index.js';
import { TrainerCore } from '../../src/browser/worker-core.js';
import { loadEmbeddedMnist } from '../../src/data/mnist-node.js';
import { zooModel } from '../../src/model/zoo.js';
import { Sequential } from '../../src/model/sequential.js';
import { Conv2D, Flatten, Dense } from '../../src/layers/index.js';
import { serialize } from '../../src/io/model-io.js';
import { DivergenceError } from '../../src/train/divergence.js';
import { layerOutput } from '../../src/cli/inspect.js';
import type { DataSplit } from '../../src/data/dataset.js';
import { getRuntime } from '../helpers/runtime.js';

const ports: MessagePort[] = [];

/** A client and a core joined by a MessageChannel; `port` is the client's end. */
async function connect(options: { threads?: number } = {}): Promise<{ client: TrainerWorker; port: MessagePort; core: TrainerCore }> {
  const { port1, port2 } = new MessageChannel();
  ports.push(port1, port2);
  const core = new TrainerCore({ postMessage: (m, t) => port2.postMessage(m, t as never) });
  port2.on('message', (m) => core.receive(m));
  const client = await createTrainerWorker({ build: 'simd', ...options, worker: port1 as unknown as WorkerLike }); // simd: the Node references below use it
  return { client, port: port1, core };
}

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
const withoutSpeed = (h: Record<string, unknown>) => ({ ...h, imagesPerSecond: undefined });

describe('trainer worker client and core (over a MessageChannel)', () => {
  let data: DataSplit;
  beforeAll(async () => { data = await loadEmbeddedMnist({ trainCount: 640, testCount: 200 }); });
  afterAll(() => { for (const p of ports) p.close(); });

  it('reports its runtime, then compiles, trains, evaluates, predicts and saves exactly as a model in Node does', async () => {
    const { client } = await connect({ threads: 2 });
    expect(client.info).toEqual({ threads: 2, build: 'simd', crossOriginIsolated: false });
    const compiled = await client.compile({ zoo: 'lenet5', seed: 3 });
    expect(compiled.params).toBe(61706);
    expect(compiled.inputShape).toEqual([28, 28, 1]);
    expect(compiled.summary).toMatch(/Model: "lenet5"/);

    const batches: BatchProgress[] = [];
    const epochs: EpochProgress[] = [];
    const fitted = await client.fit(data.train, { epochs: 2, batchSize: 32, validationSplit: 0.1, progressEvery: 0 },
      { batch: (p) => batches.push(p), epoch: (p) => epochs.push(p) });

    const node = await zooModel('lenet5', { seed: 3, runtime: await getRuntime(), threads: 1 });
    const h = await node.fit(data.train, { epochs: 2, batchSize: 32, validationSplit: 0.1 });
    expect(fitted.stopped).toBe(false);
    expect(withoutSpeed(fitted.history as never)).toEqual(withoutSpeed(h as never));
    expect(await client.save(), 'the worker saves the bytes Node saves').toEqual(serialize(node));
    const stats = await (client as unknown as { send(op: 'stats', a: object): Promise<{ workers: number; workerTasks: number }> }).send('stats', {});
    expect(stats.workers).toBe(1);
    expect(stats.workerTasks, 'the pool took part').toBeGreaterThan(0);

    // Progress: every batch (progressEvery 0) of 576 training images in 32s, then each epoch.
    expect(batches).toHaveLength(36);
    expect(batches.map((b) => [b.epoch, b.batch, b.batches])).toEqual(
      Array.from({ length: 36 }, (_, i) => [Math.floor(i / 18), i % 18, 18]));
    expect(batches[17]!.loss, 'running mean of the epoch').toBeCloseTo(h.loss[0]!, 5);
    expect(batches[35]!.accuracy).toBeCloseTo(h.accuracy[1]!, 10);
    expect(epochs.map((e) => [e.epoch, e.epochs, e.loss, e.valAccuracy])).toEqual(
      [[0, 2, h.loss[0], h.valAccuracy[0]], [1, 2, h.loss[1], h.valAccuracy[1]]]);

    const ev = node.evaluate(data.test);
    expect(await client.evaluate(data.test)).toEqual({ loss: ev.loss, accuracy: ev.accuracy, count: 200 });
    const five = data.test.images.slice(0, 5 * 784);
    expect(bits(await client.predict(five, 5))).toEqual(bits(node.predict(five).probabilities));

    const acts = await client.activations(five.subarray(0, 784));
    expect(acts.map((a) => `${a.name} ${a.type} [${a.shape.join(',')}]`)).toEqual([
      'conv2d_1 Conv2D [28,28,6]', 'maxpool2d_1 MaxPool2D [14,14,6]', 'conv2d_2 Conv2D [10,10,16]', 'maxpool2d_2 MaxPool2D [5,5,16]',
      'flatten_1 Flatten [400]', 'dense_1 Dense [120]', 'dense_2 Dense [84]', 'dense_3 Dense [10]']);
    acts.forEach((a, j) => expect(bits(a.values), a.name).toEqual(bits(layerOutput(node, five.subarray(0, 784), j))));

    const w = await client.weights();
    expect(w.map((t) => [t.name, t.shape])).toEqual(node.getWeights().map((t) => [t.name, t.shape]));
    w.forEach((t, i) => expect(bits(t.data)).toEqual(bits(node.getWeights()[i]!.data)));

    // A saved model loads back (the bytes Node reads and writes) and predicts the same.
    const fresh = await connect();
    await fresh.client.compile({ model: serialize(node) });
    expect(bits(await fresh.client.predict(five, 5))).toEqual(bits(node.predict(five).probabilities));
  });

  it('stop() ends the running fit after a batch, and a fit stopped before it started runs no batch; later fits run in full', async () => {
    const { client } = await connect({ threads: 1 });
    await client.compile({ zoo: 'lenet5', seed: 1 });
    let seen = 0;
    const running = client.fit(data.train, { epochs: 50, progressEvery: 0 }, { batch: () => { if (++seen === 1) client.stop(); } });
    const r = await running;
    expect(r.stopped).toBe(true);
    expect(r.history.loss.length, 'stopped in the first epochs, not after 50').toBeLessThan(50);
    expect(seen).toBeLessThan(50 * 20);

    const queued = client.fit(data.train, { epochs: 2 });
    client.stop();
    const q = await queued;
    expect(q).toEqual({ stopped: true, history: { epoch: [], loss: [], accuracy: [], valLoss: [], valAccuracy: [], imagesPerSecond: [] } });

    const full = await client.fit(data.train, { epochs: 1 });
    expect(full.stopped).toBe(false);
    expect(full.history.loss).toHaveLength(1);
  });

  it('throttles batch events to one per progressEvery ms, but always sends the first batch and each epoch\'s last', async () => {
    const { client } = await connect({ threads: 1 });
    await client.compile({ zoo: 'lenet5', seed: 2 });
    const events: number[][] = [];
    await client.fit(data.train, { epochs: 2, progressEvery: 1e9 }, { batch: (p) => events.push([p.epoch, p.batch]) });
    expect(events).toEqual([[0, 0], [0, 19], [1, 19]]);
    await expect(client.fit(data.train, { progressEvery: -1 })).rejects.toThrow(/fit: progressEvery must be a number of milliseconds ≥ 0, got -1/);
  });

  it('errors keep their name and message; a DivergenceError comes back as one', async () => {
    const { client } = await connect({ threads: 1 });
    await expect(client.fit(data.train)).rejects.toThrow(/fit needs a model; call compile first/);
    const bad = await client.compile({ zoo: 'nope' }).catch((e: Error) => e);
    expect(bad).toBeInstanceOf(Error);
    expect((bad as Error).name).toBe('RangeError');
    expect((bad as Error).message).toMatch(/unknown zoo model "nope"; available: lenet5, simple/);
    await client.compile({ zoo: 'lenet5' });
    await expect(client.fit(data.train, { epoch: 2 } as never)).rejects.toThrow(/fit: unknown option 'epoch'/);
    await expect(client.predict(new Float32Array(700), 1)).rejects.toThrow(/predict: 1 images of \[28, 28, 1\] need 784 floats, got 700/);

    // A model whose learning rate is far too high: the worker's fit throws a DivergenceError.
    const wild = new Sequential([new Conv2D({ filters: 4, kernelSize: 3, activation: 'relu' }), new Flatten(), new Dense({ units: 10 })]);
    await wild.compile({ inputShape: [28, 28, 1], optimizer: { type: 'sgd', lr: 1e30 }, runtime: await getRuntime() });
    await client.compile({ model: serialize(wild) });
    const div = await client.fit(data.train, { epochs: 2 }).catch((e: Error) => e);
    expect(div).toBeInstanceOf(DivergenceError);
    expect((div as DivergenceError).name).toBe('DivergenceError');
    expect((div as DivergenceError).message).toMatch(/fit: training diverged/);
    expect((div as DivergenceError).history.loss).toBeInstanceOf(Array);
    // The worker goes on serving calls after an error.
    expect((await client.weights()).length).toBe(4);
  });

  it('a failed or terminated worker rejects every pending call and every later one', async () => {
    const a = await connect({ threads: 1 });
    await a.client.compile({ zoo: 'lenet5' });
    const pending = [a.client.fit(data.train, { epochs: 3 }), a.client.evaluate(data.test)];
    (a.port as unknown as WorkerLike).onerror!({ message: 'Uncaught RangeError: out of memory', filename: 'trainer-worker.js', lineno: 1 } as ErrorEvent);
    for (const p of pending) await expect(p).rejects.toThrow(/simdnet: the trainer worker failed: Uncaught RangeError: out of memory \(trainer-worker.js:1\) \(during (fit|evaluate)\)/);
    await expect(a.client.save()).rejects.toThrow(/the trainer worker failed: .* \(save was called after that\)/);

    const b = await connect({ threads: 1 });
    await b.client.compile({ zoo: 'lenet5' });
    const fit = b.client.fit(data.train, { epochs: 3 });
    b.client.terminate();
    await expect(fit).rejects.toThrow(/simdnet: the trainer worker was terminated \(during fit\)/);
    await expect(b.client.weights()).rejects.toThrow(/terminated \(weights was called after that\)/);
  });

  it('checks its options before starting a worker', async () => {
    await expect(createTrainerWorker({ threads: 0 })).rejects.toThrow(/createTrainerWorker: threads must be a whole number from 1 to 256 or 'auto', got 0/);
    await expect(createTrainerWorker({ build: 'fast' as never })).rejects.toThrow(/build must be 'auto', 'naive', 'simd', 'relaxed', got "fast"/);
  });
});
