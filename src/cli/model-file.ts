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
//
// Files written by train also carry the training state (unless --no-training-state) and a `run`
// key: the settings that fix the data a resumed run must see again (see RunRecord).

import { readFile } from 'node:fs/promises';
import type { Sequential, ModelTopology } from '../model/sequential.js';
import { encodeModel } from '../io/format.js';
import { deserialize, modelFromSerialized } from '../io/model-io.js';
import type { SerializedModel } from '../io/format.js';
import { captureTrainingState } from '../io/training-state.js';
import type { OptimizerSpec } from '../optimizers/index.js';
import type { ThreadsOption } from '../pool/pool.js';
import type { BuildName } from '../runtime/load.js';
import { zoo } from '../model/zoo.js';
import { UsageError } from './common.js';
import { writeFileAtomic } from './atomic-write.js';
import type { Preprocessing } from './data.js';

/**
 * True for an RGB (CIFAR) model with no input normalization: a file from before the cifar recipe
 * standardised its inputs. Evaluate and predict then standardise with the statistics of the
 * training split of --data, the closest guess to what it was trained on.
 */
export function needsGuessedNormalization(model: Sequential): boolean {
  return model.inputShape[2] === 3 && model.normalization === undefined;
}

/**
 * What `train --resume` takes from the file so that the resumed run sees the same data in the
 * same batches: the train flags of the run that wrote it.
 */
export interface RunRecord {
  model: string;
  data: string;
  seed: number;
  batch: number;
  trainCount?: number;
  testCount?: number;
  validationSplit: number;
  build: BuildName;
  /** --normalize and --augment (train-recipe.ts); absent in files from before they existed. */
  normalize?: 'scale' | 'standardize';
  augment?: 'none' | 'shift';
}

export interface SaveOptions {
  /** The run's settings (for --resume). */
  run?: RunRecord;
  /** Save the optimizer state, counters, data stream and RNG states (default true). */
  trainingState?: boolean;
}

export async function saveTrainedModel(model: Sequential, path: string, preprocessing: Preprocessing, options: SaveOptions = {}): Promise<void> {
  const topology = { ...model.toJSON(), preprocessing, ...(options.run ? { run: options.run } : {}) } as ModelTopology;
  const state = options.trainingState === false ? undefined : captureTrainingState(model);
  await writeFileAtomic(path, encodeModel(topology, model.getWeights(), state));
}

export interface LoadedModel {
  model: Sequential;
  preprocessing: Preprocessing;
  /** The run record of a file written by train (undefined for other files). */
  run?: RunRecord;
  /** True when the file carried training state (and it was restored). */
  trainingState: boolean;
}

export interface LoadTrainedOptions {
  /** Fine-tune with this optimizer (fresh) instead of the file's; its training state is then not applied. */
  optimizer?: OptimizerSpec;
  threads?: ThreadsOption;
}

/** Reads and validates a model file (no model built yet). `flag` names the option for messages. */
export async function readModelFile(path: string, flag = '--model'): Promise<SerializedModel> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (e) {
    const err = e as Error & { code?: string };
    if (err.code === 'ENOENT') throw new UsageError(`${flag} '${path}': no such file; expected a model file written by "train --save FILE"`);
    if (err.code === 'EISDIR') throw new UsageError(`${flag} '${path}' is a directory; expected a model file written by "train --save FILE"`);
    throw e;
  }
  return deserialize(bytes, path);
}

/** Reads, validates and compiles a model file. `flag` names the option for messages. */
export async function loadTrainedModel(path: string, build: BuildName | 'auto', flag = '--model', options: LoadTrainedOptions = {}): Promise<LoadedModel> {
  return loadSerializedTrained(await readModelFile(path, flag), build, options);
}

/** Compiles a model from a file read by readModelFile, with its preprocessing and run record. */
export async function loadSerializedTrained(s: SerializedModel, build: BuildName | 'auto', options: LoadTrainedOptions = {}): Promise<LoadedModel> {
  const model = await modelFromSerialized(s, { build, optimizer: options.optimizer, threads: options.threads });
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
  const run = (s.topology as ModelTopology & { run?: RunRecord }).run;
  return {
    model, preprocessing, trainingState: s.training !== undefined && options.optimizer === undefined,
    ...(run !== null && typeof run === 'object' ? { run } : {}),
  };
}
