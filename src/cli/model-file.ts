// Model files written by `train --save` and read by evaluate/predict.
//
// The file is the library's single-file format (src/io/format.ts) with one extra key in the JSON
// topology: `preprocessing` (see data.ts), which says how inputs were prepared (class subset,
// per-channel standardisation). The library's loader ignores keys it does not know, so these
// files load anywhere with loadModel(); files saved by the library itself (no `preprocessing`)
// load here too, and then the zoo entry of the same name fills in the class subset.

import { readFile } from 'node:fs/promises';
import type { Sequential, ModelTopology } from '../model/sequential.js';
import { encodeModel } from '../io/format.js';
import { deserialize, modelFromSerialized } from '../io/model-io.js';
import type { BuildName } from '../runtime/load.js';
import { zoo } from '../model/zoo.js';
import { UsageError, writeFileAtomic } from './common.js';
import type { Preprocessing } from './data.js';

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
  const entry = Object.prototype.hasOwnProperty.call(zoo, model.name) ? zoo[model.name] : undefined;
  if (preprocessing.classes === undefined && entry?.classes && entry.numClasses === model.numClasses) {
    preprocessing.classes = [...entry.classes];
  }
  return { model, preprocessing };
}
