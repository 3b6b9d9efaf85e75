// The messages between the trainer worker's client (client.ts, on the page) and the worker
// (worker-core.ts). Everything here is structured-cloneable.
//
//   page → worker   { id, op, args }     a call; replies come back in the order calls were sent
//                   { op: 'stop', upTo }  ends the running fit with id ≤ upTo after its batch
//   worker → page   { id, ok: true, value } | { id, ok: false, error }   the call's result
//                   { id, event: 'batch' | 'epoch', value }               progress of fit `id`
//
// When the page is cross-origin isolated, stop() also writes `upTo` into a shared word that the
// worker reads after every batch, so a stop takes effect without waiting for the worker's
// event loop (fit yields to it every few tens of milliseconds otherwise).

import type { Dataset } from '../data/dataset.js';
import type { EpochLogs, History } from '../train/fit-options.js';
import type { BuildName } from '../runtime/load.js';
import type { LearningRate } from '../optimizers/optimizer.js';

export interface TrainerWorkerOptions {
  /** Threads for the model: a count or 'auto' (default: the available cores; 1 unless crossOriginIsolated). */
  threads?: number | 'auto';
  /** Kernel build (default 'auto': relaxed SIMD, else SIMD, where the engine has it). */
  build?: BuildName | 'auto';
  /**
   * The worker: its script's URL, or a Worker already started from it (default: `new Worker(new
   * URL('./trainer-worker.js', import.meta.url), { type: 'module' })`, which Vite and webpack bundle).
   */
  worker?: string | URL | WorkerLike;
  /** Folder URL of the kernel builds (*.wasm), for the worker's loader (default: next to the loader module). */
  wasmBaseUrl?: string | URL;
}

/** What the client needs of a Worker (a Worker, or one end of a MessageChannel in tests). */
export interface WorkerLike {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent) => void) | null;
  onerror?: ((e: ErrorEvent) => void) | null;
  onmessageerror?: ((e: MessageEvent) => void) | null;
  terminate?(): void;
}

export interface TrainerWorkerInfo {
  /** Threads actually in use. */
  threads: number;
  /** Kernel build actually loaded, e.g. 'simd'. */
  build: string;
  crossOriginIsolated: boolean;
}

/** Throttled: at most one event per `progressEvery` ms; loss and accuracy are the epoch's running means. */
export interface BatchProgress {
  /** 0-based, as in History. */
  epoch: number;
  /** 0-based index of the batch just finished. */
  batch: number;
  /** Batches per epoch. */
  batches: number;
  loss: number;
  accuracy: number;
  imagesPerSecond: number;
}

/** fit's EpochLogs (epoch 0-based, as in History), plus the epochs this fit runs. */
export interface EpochProgress extends EpochLogs {
  epochs: number;
}

/** The structured-cloneable part of FitOptions, plus the progress throttle. */
export interface WorkerFitOptions {
  epochs?: number;
  batchSize?: number;
  seed?: number;
  validationSplit?: number;
  shuffle?: boolean;
  /** As fit's: a learning rate or schedule for this and later fits (e.g. a new schedule once the model's has run out). */
  lr?: LearningRate;
  /** As fit's: 'standardize' fits per-channel mean and std to the training part (saved with the model). */
  normalize?: 'standardize';
  /** As fit's: { shift: 2 } moves each training image by up to ±2 px. */
  augment?: { shift?: number };
  /** Milliseconds between batch events (default 100; 0: every batch). */
  progressEvery?: number;
}

export interface WorkerFitResult {
  history: History;
  /** True when stop() ended the fit before its last batch. */
  stopped: boolean;
}

export type CompileSpec = { zoo: string; seed?: number } | { model: Uint8Array };
export interface CompileResult { summary: string; params: number; inputShape: number[] }
export interface EvaluateResult { loss: number; accuracy: number; count: number }
export interface LayerActivation { name: string; type: string; shape: number[]; values: Float32Array }
export interface WeightData { name: string; shape: number[]; data: Float32Array }

export interface InitArgs {
  threads?: number | 'auto';
  build?: BuildName | 'auto';
  wasmBaseUrl?: string;
  /** Int32Array over a SharedArrayBuffer: word 0 = the highest fit id stop() was called for. */
  stopWord?: Int32Array;
}

/** The calls and their arguments and results. */
export interface Calls {
  init: { args: InitArgs; result: TrainerWorkerInfo };
  compile: { args: CompileSpec; result: CompileResult };
  fit: { args: { train: Dataset; options: WorkerFitOptions }; result: WorkerFitResult };
  evaluate: { args: { data: Dataset }; result: EvaluateResult };
  predict: { args: { images: Float32Array; count: number }; result: Float32Array };
  activations: { args: { image: Float32Array }; result: LayerActivation[] };
  weights: { args: Record<string, never>; result: WeightData[] };
  save: { args: Record<string, never>; result: Uint8Array };
  /** For tests: the worker's thread pool (workers started and ready, tasks they ran). */
  stats: { args: Record<string, never>; result: { workers: number; ready: number; workerTasks: number } };
}
export type Op = keyof Calls;

export interface CallMessage { id: number; op: Op; args: unknown }
export interface StopMessage { op: 'stop'; upTo: number }

/** An error as it crosses to the page: enough to rebuild it there. */
export interface ErrorData {
  name: string;
  message: string;
  stack?: string;
  /** DivergenceError's fields. */
  epoch?: number;
  batch?: number;
  history?: History;
}

export type ReplyMessage =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: ErrorData }
  | { id: number; event: 'batch'; value: BatchProgress }
  | { id: number; event: 'epoch'; value: EpochProgress };
