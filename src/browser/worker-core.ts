// The trainer worker's side: one runtime (its own wasm memory; shared, with the thread pool,
// when the worker is cross-origin isolated), at most one model, and the calls of protocol.ts run
// one after another in the order they arrive. trainer-worker.ts wires it to the worker's global
// scope; tests drive it over a MessageChannel.

import { loadRuntime, type Runtime } from '../runtime/load.js';
import { resolveThreads, threadsUnavailable, threadStats } from '../pool/pool.js';
import { zooModel } from '../model/zoo.js';
import type { Sequential } from '../model/sequential.js';
import { modelFromSerialized, serialize } from '../io/model-io.js';
import { DivergenceError } from '../train/divergence.js';
import { checkSeed, checkValidationSplit, type FitOptions } from '../train/fit-options.js';
import { splitValidation } from '../data/transforms.js';
import { layerOutput } from '../cli/inspect.js';
import { product } from '../layers/layer.js';
import { shown } from '../util/format.js';
import type {
  BatchProgress, CallMessage, Calls, CompileSpec, ErrorData, InitArgs, LayerActivation, Op, ReplyMessage, StopMessage,
  TrainerWorkerInfo, WorkerFitOptions, WorkerFitResult,
} from './protocol.js';

/** How the worker yields inside fit when no shared stop word exists (a stop then waits for a yield). */
const YIELD_MS_UNSHARED = 20;
const YIELD_MS_SHARED = 50;

export interface Port {
  postMessage(message: unknown, transfer?: Transferable[]): void;
}

/** The fit options a worker accepts, checked by name so that a typo is an error, not a silent default. */
const FIT_KEYS = new Set(['epochs', 'batchSize', 'seed', 'validationSplit', 'shuffle', 'lr', 'normalize', 'augment', 'progressEvery']);

export class TrainerCore {
  private runtime: Runtime | undefined;
  private info: TrainerWorkerInfo | undefined;
  private threads: number | 'auto' = 'auto';
  private model: Sequential | undefined;
  private stopWord: Int32Array | undefined;
  /** The highest fit id a stop message was received for. */
  private stopUpTo = 0;
  private readonly running = new Map<number, AbortController>();
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly port: Port) {}

  /** Handles one message from the page. Calls are queued; 'stop' acts at once. */
  receive(data: CallMessage | StopMessage): void {
    if (data.op === 'stop') {
      const upTo = (data as StopMessage).upTo;
      this.stopUpTo = Math.max(this.stopUpTo, upTo);
      for (const [id, ac] of this.running) if (id <= upTo) ac.abort();
      return;
    }
    const msg = data as CallMessage;
    this.queue = this.queue.then(() => this.run(msg));
  }

  private async run(msg: CallMessage): Promise<void> {
    let reply: ReplyMessage;
    const transfer: Transferable[] = [];
    try {
      const value = await this.call(msg.op, msg.args, msg.id);
      collectTransfers(value, transfer);
      reply = { id: msg.id, ok: true, value };
    } catch (e) {
      reply = { id: msg.id, ok: false, error: errorData(e) };
    }
    try {
      this.port.postMessage(reply, transfer);
    } catch (e) { // a result that cannot be cloned: say so, and keep the queue going
      this.port.postMessage({ id: msg.id, ok: false, error: errorData(new Error(`trainer worker: the result of ${msg.op} cannot be sent back: ${(e as Error).message}`)) });
    }
  }

  private call(op: Op, args: unknown, id: number): Promise<unknown> | unknown {
    if (op === 'init') return this.init(args as InitArgs);
    const rt = this.runtime;
    if (rt === undefined) throw new Error(`trainer worker: '${op}' before init`);
    switch (op) {
      case 'compile': return this.compile(rt, args as CompileSpec);
      case 'fit': { const a = args as Calls['fit']['args']; return this.fit(a.train, a.options, id); }
      case 'evaluate': {
        const r = this.need('evaluate').evaluate((args as Calls['evaluate']['args']).data);
        return { loss: r.loss, accuracy: r.accuracy, count: r.count };
      }
      case 'predict': return this.predict(args as Calls['predict']['args']);
      case 'activations': return this.activations((args as Calls['activations']['args']).image);
      case 'weights': return this.need('weights').getWeights();
      case 'save': return serialize(this.need('save'));
      case 'stats': return threadStats(rt);
      default: throw new Error(`trainer worker: unknown call ${shown(op)}`);
    }
  }

  private async init(a: InitArgs): Promise<TrainerWorkerInfo> {
    if (this.runtime !== undefined) throw new Error('trainer worker: init called twice');
    const want = resolveThreads(a.threads, 'createTrainerWorker');
    const rt = await loadRuntime({ build: a.build ?? 'auto', baseUrl: a.wasmBaseUrl });
    const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
    this.runtime = rt;
    this.threads = a.threads ?? 'auto';
    this.stopWord = a.stopWord;
    this.info = { threads: threadsUnavailable(rt) === undefined ? want : 1, build: rt.build, crossOriginIsolated: isolated };
    return this.info;
  }

  private need(what: string): Sequential {
    if (this.model === undefined) throw new Error(`trainer worker: ${what} needs a model; call compile first`);
    return this.model;
  }

  private async compile(rt: Runtime, spec: CompileSpec): Promise<Calls['compile']['result']> {
    if (spec === null || typeof spec !== 'object') throw new TypeError(`compile: expected { zoo, seed? } or { model: bytes }, got ${shown(spec)}`);
    let model: Sequential;
    if ('model' in spec) {
      if (!(spec.model instanceof Uint8Array)) throw new TypeError(`compile: model must be the bytes of a model file (Uint8Array), got ${shown(spec.model)}`);
      model = await modelFromSerialized(spec.model, { runtime: rt, threads: this.threads });
    } else if ('zoo' in spec) {
      model = await zooModel(spec.zoo, { runtime: rt, seed: spec.seed, threads: this.threads });
    } else {
      throw new TypeError(`compile: expected { zoo, seed? } or { model: bytes }, got ${shown(spec)}`);
    }
    this.model?.dispose(); // only once the new one exists: a failed compile keeps the old model
    this.model = model;
    return { summary: model.summary(), params: model.paramCount, inputShape: [...model.inputShape] };
  }

  private async fit(train: Calls['fit']['args']['train'], options: WorkerFitOptions = {}, id: number): Promise<WorkerFitResult> {
    const model = this.need('fit');
    if (options === null || typeof options !== 'object') throw new TypeError(`fit: options must be an object, got ${shown(options)}`);
    for (const k of Object.keys(options)) {
      if (!FIT_KEYS.has(k)) throw new TypeError(`fit: unknown option '${k}'; the worker takes ${[...FIT_KEYS].join(', ')}`);
    }
    const progressEvery = options.progressEvery ?? 100;
    if (typeof progressEvery !== 'number' || !(progressEvery >= 0)) {
      throw new RangeError(`fit: progressEvery must be a number of milliseconds ≥ 0, got ${shown(options.progressEvery)}`);
    }
    const epochs = options.epochs ?? 1;
    // The validation split is made here, as fit would make it (same seed), so that the number of
    // batches per epoch is known for the progress events.
    let data = train;
    let validationData;
    if (options.validationSplit !== undefined) {
      const f = checkValidationSplit(model, train, options.validationSplit);
      checkSeed(options.seed);
      const parts = splitValidation(train, f, options.seed ?? model.seed);
      data = parts.train;
      validationData = parts.validation;
    }
    const B = Math.min(options.batchSize ?? 32, data.count);
    const batches = Math.ceil(data.count / Math.max(1, B));
    const ac = new AbortController();
    this.running.set(id, ac);
    // One turn of the event loop first, so that a stop() sent right after this call (already in
    // the worker's queue) is seen before the first batch even without the shared stop word.
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (id <= this.stopUpTo) ac.abort();
    const stopWord = this.stopWord;
    const post = (m: ReplyMessage) => this.port.postMessage(m);
    let lastEvent = -Infinity;
    let epochStart = 0;
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    let run = 0; // batches run in all epochs
    const fitOptions: FitOptions = {
      epochs, batchSize: options.batchSize, seed: options.seed, shuffle: options.shuffle, validationData,
      lr: options.lr, normalize: options.normalize, augment: options.augment,
      signal: ac.signal, yieldEvery: stopWord ? YIELD_MS_SHARED : YIELD_MS_UNSHARED,
      onBatchEnd: (batch, logs) => {
        if (batch === 0) { epochStart = performance.now(); lossSum = 0; correct = 0; seen = 0; }
        lossSum += logs.loss * logs.size;
        correct += logs.accuracy * logs.size;
        seen += logs.size;
        run++;
        const now = performance.now();
        if (now - lastEvent >= progressEvery || batch === batches - 1) {
          lastEvent = now;
          const seconds = (now - epochStart) / 1000;
          const value: BatchProgress = {
            epoch: logs.epoch, batch, batches, loss: lossSum / seen, accuracy: correct / seen,
            imagesPerSecond: seconds > 0 ? seen / seconds : 0,
          };
          post({ id, event: 'batch', value });
        }
        return ac.signal.aborted || (stopWord !== undefined && Atomics.load(stopWord, 0) >= id) ? 'stop' : undefined;
      },
      onEpochEnd: (_epoch, logs) => {
        post({ id, event: 'epoch', value: { ...logs, epochs } });
      },
    };
    try {
      const history = await model.fit(data, fitOptions);
      return { history, stopped: run < epochs * batches };
    } finally {
      this.running.delete(id);
    }
  }

  private predict({ images, count }: Calls['predict']['args']): Float32Array {
    const model = this.need('predict');
    const inSize = product(model.inputShape);
    if (!(images instanceof Float32Array)) throw new TypeError(`predict: images must be a Float32Array, got ${shown(images)}`);
    if (!Number.isInteger(count) || count < 1 || images.length !== count * inSize) {
      throw new RangeError(`predict: ${count} images of [${model.inputShape.join(', ')}] need ${Number.isInteger(count) ? count * inSize : '?'} floats, got ${images.length}` +
        (Number.isInteger(count) && count >= 1 ? '' : `; count must be a positive integer, got ${shown(count)}`));
    }
    return model.predict(images).probabilities;
  }

  private activations(image: Float32Array): LayerActivation[] {
    const model = this.need('activations');
    if (!(image instanceof Float32Array)) throw new TypeError(`activations: image must be a Float32Array, got ${shown(image)}`);
    const out: LayerActivation[] = [];
    for (let j = 0; j < model.stackSize; j++) {
      const l = model.layers[j]!;
      out.push({ name: l.name!, type: l.type, shape: [...l.outShape], values: layerOutput(model, image, j) });
    }
    if (model.stackSize < model.layers.length) { // a final Softmax fused with the loss: its output is predict's
      const l = model.layers[model.layers.length - 1]!;
      out.push({ name: l.name!, type: l.type, shape: [...l.outShape], values: model.predict(image).probabilities });
    }
    return out;
  }

}

/** The buffers of typed arrays in a result, to transfer instead of copy (results are fresh copies). */
function collectTransfers(v: unknown, out: Transferable[]): void {
  if (ArrayBuffer.isView(v)) {
    if (v.buffer instanceof ArrayBuffer && !out.includes(v.buffer)) out.push(v.buffer);
  } else if (Array.isArray(v)) {
    for (const x of v) collectTransfers(x, out);
  } else if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    for (const x of Object.values(v)) collectTransfers(x, out);
  }
}

export function errorData(e: unknown): ErrorData {
  if (e instanceof Error) {
    const d: ErrorData = { name: e.name, message: e.message, stack: e.stack };
    if (e instanceof DivergenceError) { d.epoch = e.epoch; d.batch = e.batch; d.history = e.history; }
    return d;
  }
  return { name: 'Error', message: String(e) };
}
