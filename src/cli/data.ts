// Turning a --data spec into the train/test sets a model can use, and remembering how, so that
// evaluate/predict can prepare new inputs exactly as train did.
//
// Steps, in order:
//   1. loadData(spec). When the model trains on a subset of classes (tanh-binary: digits 0 and 1),
//      everything is loaded first and --train-count/--test-count count samples AFTER the subset,
//      so `--train-count 200` means 200 zeros and ones, not 200 digits of which 40 are usable.
//   2. the images must have the model's input shape (else a UsageError naming --data and --model);
//   3. subsetByClasses(classes), relabelling them 0..k-1;
//   4. take(trainCount / testCount);
//   5. standardisation per channel (the cifar recipe): statistics from the TRAINING images,
//      applied to both sets, and kept in the Preprocessing record saved with the model.

import { stat } from 'node:fs/promises';
import { loadData } from '../data/load-node.js';
import type { Dataset, DataSplit } from '../data/dataset.js';
import { applyStandardize, channelStats, subsetByClasses, take } from '../data/transforms.js';
import { formatShape } from '../layers/layer.js';
import { UsageError } from './common.js';

/** How a model's inputs were prepared; stored inside the model file written by `train --save`. */
export interface Preprocessing {
  /** The dataset spec the model was trained on. */
  data?: string;
  /** Original class ids the model's outputs stand for, in output order (tanh-binary: [0, 1]). */
  classes?: number[];
  /** Names of the model's output classes. */
  classNames?: string[];
  /** Per-channel standardisation applied to every input: (x − mean[c]) / std[c]. */
  standardize?: { mean: number[]; std: number[] };
}

export interface PrepareOptions {
  /** Per-sample input shape of the model [H, W, C]. */
  inputShape: readonly number[];
  /** Number of class scores the model outputs. */
  numClasses: number;
  /** Keep only these original classes (relabelled 0..k-1). */
  classes?: readonly number[];
  trainCount?: number;
  testCount?: number;
  /** 'fit': standardise with the training set's statistics; stats: apply these; absent: none. */
  standardize?: 'fit' | { mean: number[]; std: number[] };
  /** Who asks, for messages: the flag that chose the model, e.g. "--model lenet5". */
  modelLabel: string;
}

export interface Prepared extends DataSplit {
  preprocessing: Preprocessing;
}

/** Loads `spec` and prepares it for the model described by `o` (see the header). */
export async function prepareData(spec: string, o: PrepareOptions): Promise<Prepared> {
  const counts = o.classes ? {} : { trainCount: o.trainCount, testCount: o.testCount };
  const dirSpec = /^(idx|cifar):(.+)$/.exec(spec);
  if (dirSpec) {
    const st = await stat(dirSpec[2]!).catch(() => undefined);
    if (st === undefined || !st.isDirectory()) {
      throw new UsageError(`--data '${spec}': ${st === undefined ? 'no such directory' : 'is not a directory'}; expected ${dirSpec[1]}:DIR with DIR ` +
        (dirSpec[1] === 'idx' ? 'holding MNIST-style IDX files (train-images-idx3-ubyte, ...)' : 'holding the CIFAR-10 binary batches (data_batch_1.bin, ...)'));
    }
  }
  let split: DataSplit;
  try {
    split = await loadData(spec, counts);
  } catch (e) {
    const err = e as Error;
    // An unknown spec is a bad --data value; anything else (missing or corrupt files) is a failure
    // of the work: keep the loader's message, which names the file and what was expected.
    if (/unknown data spec|names no directory/.test(err.message)) {
      throw new UsageError(`--data '${spec}': ${err.message.replace(/^loadData: /, '')}`);
    }
    throw e;
  }
  let { train, test } = split;
  checkShape(spec, train, o);
  if (o.classes) {
    const bad = o.classes.filter((c) => !(c < train.numClasses));
    if (bad.length > 0) {
      throw new UsageError(`--data '${spec}' has classes 0..${train.numClasses - 1}, but ${o.modelLabel} needs classes [${o.classes.join(', ')}]`);
    }
    train = subsetByClasses(train, o.classes);
    test = subsetByClasses(test, o.classes);
    if (o.trainCount !== undefined) train = take(train, o.trainCount);
    if (o.testCount !== undefined) test = take(test, o.testCount);
  }
  if (train.numClasses > o.numClasses) {
    throw new UsageError(`--data '${spec}' has ${train.numClasses} classes but ${o.modelLabel} outputs only ${o.numClasses} class scores`);
  }
  const preprocessing: Preprocessing = { data: spec };
  if (o.classes) preprocessing.classes = [...o.classes];
  if (train.classNames) preprocessing.classNames = [...train.classNames];
  if (o.standardize !== undefined) {
    const stats = o.standardize === 'fit' ? channelStats(train) : o.standardize;
    train = applyStandardize(train, stats);
    test = applyStandardize(test, stats);
    preprocessing.standardize = { mean: [...stats.mean], std: [...stats.std] };
  }
  return { train, test, preprocessing };
}

function checkShape(spec: string, d: Dataset, o: PrepareOptions): void {
  const got = [d.height, d.width, d.channels];
  const want = o.inputShape;
  if (want.length !== 3 || want.some((v, i) => v !== got[i])) {
    const hint = want[2] === 3 && got[2] === 1 ? '; use --data cifar:DIR (the CIFAR-10 binary version)'
      : want[2] === 1 && got[2] === 3 ? '; use --data mnist, mnist-full or idx:DIR' : '';
    throw new UsageError(`--data '${spec}' has ${formatShape(got)} images but ${o.modelLabel} expects ${formatShape(want)}${hint}`);
  }
}

/** Applies a stored standardisation to one image in place (HWC, channels last). */
export function standardizeImage(x: Float32Array, stats: { mean: number[]; std: number[] }): void {
  const C = stats.mean.length;
  for (let i = 0; i < x.length; i++) {
    const c = i % C;
    const s = stats.std[c]!;
    x[i] = (x[i]! - stats.mean[c]!) / (s === 0 ? 1 : s);
  }
}
