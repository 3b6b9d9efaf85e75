// serialize / deserialize a Sequential to and from the single-file format in format.ts.
// Browser-safe (no fs). Layers are rebuilt through the layer registry, optimizers through theirs.

import { Sequential, type ModelTopology } from '../model/sequential.js';
import { layerFromJSON } from '../layers/registry.js';
import type { Runtime, BuildName } from '../runtime/load.js';
import { resolveThreads, type ThreadsOption } from '../pool/pool.js';
import { decodeModel, encodeModel, HEADER_BYTES, ModelFormatError, type SerializedModel } from './format.js';
import { applyTrainingState, captureTrainingState } from './training-state.js';
import { makeOptimizer, type OptimizerSpec } from '../optimizers/index.js';

export interface SerializeOptions {
  /**
   * Also save the training state (optimizer state tensors and counters, lrScale, epochs, data
   * stream, dropout RNG states), so that training a loaded model goes on bit for bit; default false.
   */
  trainingState?: boolean;
}

/** The model's topology and current weights (and, on request, its training state) as one file (Uint8Array). */
export function serialize(model: Sequential, options: SerializeOptions = {}): Uint8Array {
  if (!model.isCompiled) throw new Error(`serialize: model '${model.name}' is not compiled (it has no weights yet)`);
  return encodeModel(model.toJSON(), model.getWeights(), options?.trainingState ? captureTrainingState(model) : undefined);
}

/** Validates and parses a model file: topology (layer configs, input shape, optimizer) + weights. */
export function deserialize(bytes: Uint8Array, source = 'model file'): SerializedModel {
  return decodeModel(bytes, source);
}

export interface LoadOptions {
  runtime?: Runtime;
  build?: BuildName | 'auto';
  /** Threads for the loaded model (see CompileOptions.threads); default 'auto'. */
  threads?: ThreadsOption;
  /**
   * Restore the file's training state when it has one (default true). false: weights only, a
   * fresh optimizer (the file's settings, state zero, step 0).
   */
  trainingState?: boolean;
  /** Fine-tune with this optimizer instead of the file's (fresh; the file's training state is not applied). */
  optimizer?: OptimizerSpec;
}

/**
 * Rebuilds, compiles and fills a model from deserialize() output (or from bytes). A topology or
 * weights that do not fit together fail with a ModelFormatError naming the file (the `source`
 * given to deserialize) and the offset of the JSON (which holds the topology and the weights
 * manifest). A model that fails to fill is disposed, not leaked.
 */
export async function modelFromSerialized(input: SerializedModel | Uint8Array, options: LoadOptions = {}): Promise<Sequential> {
  const s = input instanceof Uint8Array ? deserialize(input) : input;
  const source = s.source ?? 'model file';
  const model = withSource(source, HEADER_BYTES, () => buildModel(s.topology));
  const t = s.topology;
  // Compile plans memory for the topology; a topology edited to need far more parameters than
  // the file holds (a huge input or layer) would fail only in setWeights, after that memory is
  // taken (and a wasm memory never shrinks). Count first, refuse a mismatch.
  const need = paramCount(model, t.inputShape);
  const have = s.weights.reduce((a, w) => a + w.data.length, 0);
  if (need !== undefined && need !== have) {
    throw new ModelFormatError(`${source}: the topology needs ${need} parameters but the weights manifest holds ${have}; ` +
      `the model description and its weights do not match (at byte offset ${HEADER_BYTES})`, HEADER_BYTES);
  }
  resolveThreads(options.threads, 'modelFromSerialized'); // a bad option is the caller's, not the file's
  const optimizer = options.optimizer === undefined ? undefined : makeOptimizer(options.optimizer);
  await withSourceAsync(source, HEADER_BYTES, () => model.compile({
    inputShape: t.inputShape, optimizer: optimizer ?? optimizerSpec(t), loss: t.loss,
    seed: t.seed, build: options.build, runtime: options.runtime, threads: options.threads,
  }));
  try {
    withSource(source, HEADER_BYTES, () => model.setWeights(s.weights)); // the manifest is in the JSON
    if (t.normalization !== undefined) withSource(source, HEADER_BYTES, () => model.setNormalization(t.normalization));
    if (s.training !== undefined && options.trainingState !== false && options.optimizer === undefined) {
      withSource(source, HEADER_BYTES, () => applyTrainingState(model, s.training!));
    }
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

/**
 * The number of parameter values the layers need for `inputShape`, found from their shapes alone
 * (nothing allocated), or undefined when the shapes do not chain: compile then says why.
 */
function paramCount(model: Sequential, inputShape: unknown): number | undefined {
  if (!Array.isArray(inputShape) || !inputShape.every((d) => Number.isInteger(d) && d >= 1)) return undefined;
  let shape: number[] = [...inputShape];
  let n = 0;
  try {
    for (const l of model.layers) {
      l.inShape = [...shape]; // compile sets it again
      shape = l.outputShape(shape);
      for (const p of l.paramSpecs()) n += p.shape.reduce((a, b) => a * b, 1);
    }
  } catch {
    return undefined;
  }
  return n;
}

function wrap(source: string, offset: number, e: unknown): ModelFormatError {
  const msg = e instanceof Error ? e.message : String(e);
  return new ModelFormatError(`${source}: ${msg} (at byte offset ${offset})`, offset, { cause: e });
}

function withSource<T>(source: string, offset: number, fn: () => T): T {
  try { return fn(); } catch (e) { throw wrap(source, offset, e); }
}

async function withSourceAsync<T>(source: string, offset: number, fn: () => Promise<T>): Promise<T> {
  try { return await fn(); } catch (e) { throw wrap(source, offset, e); }
}

function buildModel(t: ModelTopology): Sequential {
  const layers = t.layers.map((l, i) => {
    if (l === null || typeof l !== 'object' || typeof l.type !== 'string') {
      throw new Error(`layer ${i} is ${l === undefined ? 'missing' : JSON.stringify(l)}; expected { type: string, config }`);
    }
    try {
      return layerFromJSON(l);
    } catch (e) {
      throw new Error(`layer ${i}: ${(e as Error).message}`);
    }
  });
  return new Sequential(layers, typeof t.name === 'string' ? t.name : 'sequential');
}

function optimizerSpec(t: ModelTopology): { type: string } & Record<string, unknown> {
  const o = t.optimizer;
  if (o === null || typeof o !== 'object' || typeof o.type !== 'string') {
    throw new Error(`the optimizer entry must be { type, config }, got ${o === undefined ? 'none' : JSON.stringify(o)}`);
  }
  return { ...(o.config ?? {}), type: o.type };
}
