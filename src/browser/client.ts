// createTrainerWorker(): compile / fit / evaluate / predict / activations / weights / save in ONE
// dedicated Worker that owns its own wasm memory (shared, with the thread pool, when the page is
// cross-origin isolated; else one thread), so training never blocks the page.
//
// This implements /work/browser-api-spec.md (the contract with the demo page). Where it differs
// or adds to it:
//   - TrainerWorkerOptions also takes `worker` (the worker script's URL, or a Worker already
//     started from it, e.g. one a bundler made) and `wasmBaseUrl` (the folder of the *.wasm
//     builds, for layouts where the default URL does not fit).
//   - Epoch and batch numbers in progress events are 0-based, as in History; BatchProgress's
//     loss and accuracy are the running means of the epoch so far. A batch event is always sent
//     for the last batch of an epoch, whatever the throttle.
//   - stop() ends the fit that is running or queued when it is called (not later ones).
//   - Errors keep their name and message; a DivergenceError is rebuilt as one (instanceof works,
//     with its epoch, batch and history).
//   - fit also takes lr, normalize and augment, as the library's fit does.
//   - loadIdxFrom takes { name?, numClasses?, classNames?, count? }; loadCifarFrom { name?, count? }.
//
// Calls are sent at once and run in order in the worker; a call's typed arrays are copied
// (structured clone), results are transferred. A worker that fails (an uncaught error, or a
// script that does not load) or is terminated rejects every pending and later call.

import type { Dataset } from '../data/dataset.js';
import { DivergenceError } from '../train/divergence.js';
import type {
  BatchProgress, Calls, CompileResult, CompileSpec, EpochProgress, ErrorData, EvaluateResult, LayerActivation, Op,
  ReplyMessage, TrainerWorkerInfo, TrainerWorkerOptions, WeightData, WorkerFitOptions, WorkerFitResult, WorkerLike,
} from './protocol.js';
import { shown } from '../util/format.js';
import { BUILD_NAMES } from '../runtime/load.js';

export interface FitCallbacks {
  batch?(p: BatchProgress): void;
  epoch?(p: EpochProgress): void;
}

export interface TrainerWorker {
  readonly info: TrainerWorkerInfo;
  /** Builds a zoo model (e.g. 'lenet5') or loads serialized model bytes (the same bytes Node writes). */
  compile(spec: CompileSpec): Promise<CompileResult>;
  fit(train: Dataset, options?: WorkerFitOptions, on?: FitCallbacks): Promise<WorkerFitResult>;
  /** Ends the running fit after its current batch; fit then resolves with stopped: true. */
  stop(): void;
  evaluate(data: Dataset): Promise<EvaluateResult>;
  /** images: count × H·W·C floats (NHWC, same normalisation as training); returns count × numClasses probabilities. */
  predict(images: Float32Array, count: number): Promise<Float32Array>;
  /** Per-layer outputs for ONE image (for feature maps), in layer order. */
  activations(image: Float32Array): Promise<LayerActivation[]>;
  /** The model's weights by tensor name, e.g. the first conv layer's kernel (for drawing filters). */
  weights(): Promise<WeightData[]>;
  /** serialize(): the bytes Node's CLI writes and reads. */
  save(): Promise<Uint8Array>;
  /** Ends the worker; pending calls reject with a clear Error. */
  terminate(): void;
}

interface Pending { op: Op; resolve(v: unknown): void; reject(e: Error): void; on?: FitCallbacks }

/** An error from the worker as an Error of the same name (a DivergenceError as the class). */
function rebuild(d: ErrorData): Error {
  const e = d.name === 'DivergenceError' && d.history
    ? new DivergenceError(d.message, d.epoch ?? 0, d.batch ?? 0, d.history)
    : new Error(d.message);
  e.name = d.name;
  if (d.stack) e.stack = d.stack;
  return e;
}

class Client implements TrainerWorker {
  info!: TrainerWorkerInfo;
  private nextId = 1;
  private lastFit = 0;
  private readonly pending = new Map<number, Pending>();
  private dead: Error | undefined;
  readonly stopWord: Int32Array | undefined;

  constructor(private readonly w: WorkerLike) {
    // A shared stop word lets stop() act without waiting for the worker's event loop.
    const shared = typeof SharedArrayBuffer !== 'undefined' && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
    this.stopWord = shared ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
    w.onmessage = (e) => this.receive(e.data as ReplyMessage);
    w.onerror = (e) => {
      const msg = (e as ErrorEvent).message;
      const where = (e as ErrorEvent).filename ? ` (${(e as ErrorEvent).filename}:${(e as ErrorEvent).lineno})` : '';
      (e as Event).preventDefault?.();
      this.fail(new Error(msg ? `simdnet: the trainer worker failed: ${msg}${where}`
        : 'simdnet: the trainer worker failed (its script did not load or threw while starting; check the worker URL and the browser console)'));
    };
    w.onmessageerror = () => this.fail(new Error('simdnet: a message from the trainer worker could not be read (deserialisation failed)'));
  }

  private receive(m: ReplyMessage): void {
    const p = this.pending.get(m.id);
    if (p === undefined) return;
    if ('event' in m) {
      try {
        if (m.event === 'batch') p.on?.batch?.(m.value);
        else p.on?.epoch?.(m.value);
      } catch (e) {
        console.error('simdnet: a fit progress callback threw:', e);
      }
      return;
    }
    this.pending.delete(m.id);
    if (m.ok) p.resolve(m.value);
    else p.reject(rebuild(m.error));
  }

  /** The worker is gone: every pending call and every later one rejects with `e`. */
  private fail(e: Error): void {
    if (this.dead) return;
    this.dead = e;
    try { this.w.terminate?.(); } catch { /* already gone */ }
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(new Error(`${e.message} (during ${p.op})`));
  }

  send<K extends Op>(op: K, args: Calls[K]['args'], on?: FitCallbacks): Promise<Calls[K]['result']> {
    if (this.dead) return Promise.reject(new Error(`${this.dead.message} (${op} was called after that)`));
    const id = this.nextId++;
    if (op === 'fit') this.lastFit = id;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { op, resolve: resolve as (v: unknown) => void, reject, on });
      try {
        this.w.postMessage({ id, op, args });
      } catch (e) {
        this.pending.delete(id);
        reject(new TypeError(`${op}: its arguments cannot be sent to the worker: ${(e as Error).message}`));
      }
    });
  }

  compile(spec: CompileSpec): Promise<CompileResult> { return this.send('compile', spec); }
  fit(train: Dataset, options: WorkerFitOptions = {}, on?: FitCallbacks): Promise<WorkerFitResult> {
    return this.send('fit', { train, options }, on);
  }
  stop(): void {
    if (this.dead || this.lastFit === 0) return;
    if (this.stopWord) Atomics.store(this.stopWord, 0, this.lastFit);
    this.w.postMessage({ op: 'stop', upTo: this.lastFit });
  }
  evaluate(data: Dataset): Promise<EvaluateResult> { return this.send('evaluate', { data }); }
  predict(images: Float32Array, count: number): Promise<Float32Array> { return this.send('predict', { images, count }); }
  activations(image: Float32Array): Promise<LayerActivation[]> { return this.send('activations', { image }); }
  weights(): Promise<WeightData[]> { return this.send('weights', {}); }
  save(): Promise<Uint8Array> { return this.send('save', {}); }
  terminate(): void { this.fail(new Error('simdnet: the trainer worker was terminated')); }
}

function startWorker(w: TrainerWorkerOptions['worker']): WorkerLike {
  if (w !== undefined && typeof w === 'object' && !(w instanceof URL)) return w;
  if (typeof Worker === 'undefined') throw new Error('createTrainerWorker: this engine has no Web Workers');
  // Written out in full so that Vite and webpack see the pattern and bundle the worker.
  return w === undefined
    ? new Worker(new URL('./trainer-worker.js', import.meta.url), { type: 'module', name: 'simdnet-trainer' })
    : new Worker(w, { type: 'module', name: 'simdnet-trainer' });
}

/** Starts the trainer worker and loads its runtime; resolves once it is ready. */
export async function createTrainerWorker(options: TrainerWorkerOptions = {}): Promise<TrainerWorker> {
  if (options === null || typeof options !== 'object') throw new TypeError(`createTrainerWorker: options must be an object, got ${shown(options)}`);
  const { threads, build, worker, wasmBaseUrl } = options;
  if (threads !== undefined && threads !== 'auto' && !(Number.isInteger(threads) && threads >= 1 && threads <= 256)) {
    throw new RangeError(`createTrainerWorker: threads must be a whole number from 1 to 256 or 'auto', got ${shown(threads)}`);
  }
  if (build !== undefined && build !== 'auto' && !(BUILD_NAMES as readonly unknown[]).includes(build)) {
    throw new TypeError(`createTrainerWorker: build must be 'auto', ${BUILD_NAMES.map((b) => `'${b}'`).join(', ')}, got ${shown(build)}`);
  }
  const client = new Client(startWorker(worker));
  try {
    client.info = await client.send('init', {
      threads, build, stopWord: client.stopWord,
      wasmBaseUrl: wasmBaseUrl === undefined ? undefined : new URL(wasmBaseUrl, globalThis.location?.href).href,
    });
  } catch (e) {
    client.terminate();
    throw e;
  }
  return client;
}
