// serialize / deserialize a Sequential to and from the single-file format in format.ts.
// Browser-safe (no fs). Layers are rebuilt through the layer registry, optimizers through theirs.

import { Sequential, type ModelTopology } from '../model/sequential.js';
import { layerFromJSON } from '../layers/registry.js';
import type { Runtime, BuildName } from '../runtime/load.js';
import { decodeModel, encodeModel, type SerializedModel } from './format.js';
import { shown } from '../util/format.js';

/** The model's topology and current weights as one file (Uint8Array). */
export function serialize(model: Sequential): Uint8Array {
  if (!model.isCompiled) throw new Error(`serialize: model '${model.name}' is not compiled (it has no weights yet)`);
  return encodeModel(model.toJSON(), model.getWeights());
}

/** Validates and parses a model file: topology (layer configs, input shape, optimizer) + weights. */
export function deserialize(bytes: Uint8Array, source = 'model file'): SerializedModel {
  return decodeModel(bytes, source);
}

export interface LoadOptions {
  runtime?: Runtime;
  build?: BuildName | 'auto';
}

/** Rebuilds, compiles and fills a model from deserialize() output (or from bytes). */
export async function modelFromSerialized(input: SerializedModel | Uint8Array, options: LoadOptions = {}): Promise<Sequential> {
  const s = input instanceof Uint8Array ? deserialize(input) : input;
  const model = buildModel(s.topology);
  await model.compile({
    inputShape: s.topology.inputShape, optimizer: optimizerSpec(s.topology), loss: s.topology.loss,
    seed: s.topology.seed, build: options.build, runtime: options.runtime,
  });
  model.setWeights(s.weights);
  return model;
}

function buildModel(t: ModelTopology): Sequential {
  const layers = t.layers.map((l, i) => {
    try {
      return layerFromJSON(l);
    } catch (e) {
      throw new Error(`model file: layer ${i}: ${(e as Error).message}`);
    }
  });
  return new Sequential(layers, typeof t.name === 'string' ? t.name : 'sequential');
}

function optimizerSpec(t: ModelTopology): { type: string } & Record<string, unknown> {
  const o = t.optimizer;
  if (o === null || typeof o !== 'object' || typeof o.type !== 'string') {
    throw new Error(`model file: the optimizer entry must be { type, config }, got ${shown(o)}`);
  }
  return { ...(o.config ?? {}), type: o.type };
}
