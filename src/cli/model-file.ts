// Model files written by `train --save` and read by evaluate/predict.
//
// The file is the library's single-file format (src/io/format.ts) with one extra key in the JSON
// topology: `preprocessing` (see data.ts), which says how inputs were prepared (the dataset, the
// class subset). The library's loader ignores keys it does not know, so these files load
// anywhere with loadModel(); files saved by the library itself (no `preprocessing`) load here
// too, and then the zoo entry of the same name fills in the class subset. The input
// normalization is the model's own (topology.normalization, applied by evaluate and predict);
// files written before it existed kept a standardisation in preprocessing.standardize, which
// loadTrainedModel turns into the model's normalization.

import { readFile } from 'node:fs/promises';
import type { Sequential, ModelTopology } from '../model/sequential.js';
import { encodeModel } from '../io/format.js';
import { deserialize, modelFromSerialized } from '../io/model-io.js';
import type { BuildName } from '../runtime/load.js';
import { zoo } from '../model/zoo.js';
import { UsageError, writeFileAtomic } from './common.js';
import type { Preprocessing } from './data.js';

/**
 * True for an RGB (CIFAR) model with no input normalization: a file from before the cifar recipe
 * standardised its inputs. Evaluate and predict then standardise with the statistics of the
 * training split of --data, the closest guess to what it was trained on.
 */
export function needsGuessedNormalization(model: Sequential): boolean {
  return model.inputShape[2] === 3 && model.normalization === undefined;
}

export async function saveTrainedModel(model: Sequential, path: string, preprocessing: Preprocessing): Promise<void> {
  const topology = { ...model.toJSON(), preprocessing } as ModelTopology;
  await writeFileAtomic(path, encodeModel(topology, model.getWeights()));
}

export interface LoadedModel {
  model: Sequential;
  preprocessing: Preprocessing;
}

/** Reads, validates and compiles a model file. `flag` names the option for messages. */
export async function loadTrainedModel(path: string, build: BuildName | 'auto', flag = '--model'): Promise<LoadedModel> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (e) {
    const err = e as Error & { code?: string };
    if (err.code === 'ENOENT') throw new UsageError(`${flag} '${path}': no such file; expected a model file written by "train --save FILE"`);
    if (err.code === 'EISDIR') throw new UsageError(`${flag} '${path}' is a directory; expected a model file written by "train --save FILE"`);
    throw e;
  }
  const s = deserialize(bytes, path);
  const model = await modelFromSerialized(s, { build });
  const stored = (s.topology as ModelTopology & { preprocessing?: Preprocessing }).preprocessing;
  const preprocessing: Preprocessing = stored !== null && typeof stored === 'object' ? { ...stored } : {};
  if (preprocessing.standardize !== undefined) {
    const { mean, std } = preprocessing.standardize;
    if (model.normalization === undefined) model.setNormalization({ type: 'standardize', mean, std });
    delete preprocessing.standardize;
  }
  const entry = Object.prototype.hasOwnProperty.call(zoo, model.name) ? zoo[model.name] : undefined;
  if (preprocessing.classes === undefined && entry?.classes && entry.numClasses === model.numClasses) {
    preprocessing.classes = [...entry.classes];
  }
  return { model, preprocessing };
}
