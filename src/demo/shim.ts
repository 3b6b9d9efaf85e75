// TEMPORARY: a main-thread stand-in for src/browser's worker client, following
// /work/browser-api-spec.md, used only until the browserapi branch is merged. Delete then.

import { loadRuntime, type Runtime } from '../runtime/load.js';
import { zooModel } from '../model/zoo.js';
import type { Sequential } from '../model/sequential.js';
import { serialize, modelFromSerialized } from '../io/model-io.js';
import type { Dataset, DataSplit } from '../data/dataset.js';
import type { History } from '../train/trainer.js';
import { embeddedMnistSplit } from '../data/mnist-embedded.js';

export interface TrainerWorkerInfo { threads: number; build: string; crossOriginIsolated: boolean }
export interface BatchProgress { epoch: number; batch: number; batches: number; loss: number; accuracy: number; imagesPerSecond: number }
export interface EpochProgress { epoch: number; epochs: number; loss: number; accuracy: number; valLoss?: number; valAccuracy?: number; imagesPerSecond: number; seconds: number }
export interface WorkerFitOptions { epochs?: number; batchSize?: number; seed?: number; validationSplit?: number; shuffle?: boolean; progressEvery?: number }

export interface TrainerWorker {
  readonly info: TrainerWorkerInfo;
  compile(spec: { zoo: string; seed?: number } | { model: Uint8Array }): Promise<{ summary: string; params: number; inputShape: number[] }>;
  fit(train: Dataset, options?: WorkerFitOptions, on?: { batch?(p: BatchProgress): void; epoch?(p: EpochProgress): void }): Promise<{ history: History; stopped: boolean }>;
  stop(): void;
  evaluate(data: Dataset): Promise<{ loss: number; accuracy: number; count: number }>;
  predict(images: Float32Array, count: number): Promise<Float32Array>;
  activations(image: Float32Array): Promise<{ name: string; type: string; shape: number[]; values: Float32Array }[]>;
  weights(): Promise<{ name: string; shape: number[]; data: Float32Array }[]>;
  save(): Promise<Uint8Array>;
  terminate(): void;
}

export async function createTrainerWorker(): Promise<TrainerWorker> {
  const runtime: Runtime = await loadRuntime({ baseUrl: new URL('wasm/', location.href) });
  let model: Sequential | undefined;
  let stopping = false;
  const need = () => { if (!model) throw new Error('no model'); return model; };
  return {
    info: { threads: 1, build: runtime.build, crossOriginIsolated },
    async compile(spec) {
      model?.dispose();
      model = 'zoo' in spec ? await zooModel(spec.zoo, { runtime, seed: spec.seed ?? 0, threads: 1 })
        : await modelFromSerialized(spec.model, { runtime, threads: 1 });
      return { summary: model.summary(), params: model.paramCount, inputShape: model.inputShape };
    },
    async fit(train, o = {}, on = {}) {
      const m = need();
      stopping = false;
      const batches = Math.ceil(train.count * (1 - (o.validationSplit ?? 0)) / (o.batchSize ?? 32));
      let last = 0; const t0 = performance.now(); let seen = 0;
      const history = await m.fit(train, {
        epochs: o.epochs, batchSize: o.batchSize, validationSplit: o.validationSplit, seed: o.seed,
        onBatchEnd: (batch, logs) => {
          seen += logs.size;
          const now = performance.now();
          if (now - last > 100) { last = now; on.batch?.({ epoch: logs.epoch, batch, batches, loss: logs.loss, accuracy: logs.accuracy, imagesPerSecond: seen / ((now - t0) / 1000) }); }
          return stopping ? 'stop' : undefined;
        },
        onEpochEnd: (epoch, logs) => { on.epoch?.({ ...logs, epoch, epochs: o.epochs ?? 1 }); },
      });
      return { history, stopped: stopping };
    },
    stop() { stopping = true; },
    async evaluate(d) { const e = need().evaluate(d); return { loss: e.loss, accuracy: e.accuracy, count: e.count }; },
    async predict(images) { return need().predict(images).probabilities; },
    async activations() { return []; },
    async weights() {
      const m = need();
      return m.paramViews().map((p) => ({ name: p.name, shape: [...p.shape], data: m.paramData(p.name).slice() }));
    },
    async save() { return serialize(need()); },
    terminate() { model?.dispose(); },
  };
}

export async function loadEmbeddedDigits(): Promise<DataSplit> {
  const bytes = new Uint8Array(await (await fetch('digits-shim.bin')).arrayBuffer());
  const counts = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const n of counts) { parts.push(bytes.subarray(at, at + n * 784)); at += n * 784; }
  return embeddedMnistSplit(parts);
}
