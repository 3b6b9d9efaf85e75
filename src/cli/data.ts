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
//      A count larger than the data holds is a bad flag value (UsageError naming --train-count or
//      --test-count, the value and the maximum). 'mnist' and cifar:DIR are checked before loading
//      (constants / file sizes); idx:DIR and mnist-full only when the loader refuses the count,
//      by reading the IDX headers, so a good run does not read the files twice.
// Input normalization (standardisation) is not done here: it belongs to the model
// (fit's normalize, src/model/normalization.ts), which stores it and applies it to every input.

import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CIFAR_TEST_FILE, CIFAR_TRAIN_FILES } from '../data/cifar-node.js';
import { CIFAR_RECORD_BYTES } from '../data/cifar.js';
import { pickIdxFile, readIdxFile } from '../data/idx-node.js';
import { loadData } from '../data/load-node.js';
import { EMBEDDED_TEST_TOTAL, EMBEDDED_TRAIN_TOTAL } from '../data/mnist-embedded.js';
import { mnistFullDir } from '../data/mnist-node.js';
import type { Dataset, DataSplit } from '../data/dataset.js';
import { subsetByClasses, take } from '../data/transforms.js';
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
  /**
   * Files written before models carried their own normalization: the per-channel
   * standardisation (x − mean[c]) / std[c] their inputs had. loadTrainedModel turns it into the
   * model's normalization; nothing writes it any more.
   */
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
  const asked = counts.trainCount !== undefined || counts.testCount !== undefined;
  // Cheap to know up front (and cifar would otherwise read every batch before refusing the count).
  // If the sizes cannot be read (missing files), the loader below reports that in its own words.
  if (asked && (spec === 'mnist' || spec.startsWith('cifar:'))) {
    const have = await availableCounts(spec).catch(() => undefined);
    if (have !== undefined) checkCounts(spec, counts, have, '');
  }
  let split: DataSplit;
  try {
    split = await loadData(spec, counts);
  } catch (e) {
    const err = e as Error;
    if (asked && err instanceof RangeError) {
      // Probably a count beyond the data; if the headers say so, report it as the flag's fault.
      const have = await availableCounts(spec).catch(() => undefined);
      if (have !== undefined) checkCounts(spec, counts, have, '');
    }
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
    checkCounts(spec, o, { train: train.count, test: test.count }, ` of classes [${o.classes.join(', ')}]`);
    if (o.trainCount !== undefined) train = take(train, o.trainCount);
    if (o.testCount !== undefined) test = take(test, o.testCount);
  }
  if (train.numClasses > o.numClasses) {
    throw new UsageError(`--data '${spec}' has ${train.numClasses} classes but ${o.modelLabel} outputs only ${o.numClasses} class scores`);
  }
  const preprocessing: Preprocessing = { data: spec };
  if (o.classes) preprocessing.classes = [...o.classes];
  if (train.classNames) preprocessing.classNames = [...train.classNames];
  return { train, test, preprocessing };
}

interface Available { train: number; test: number }

/** Throws a UsageError when --train-count / --test-count asks for more samples than `have`. */
function checkCounts(spec: string, want: { trainCount?: number; testCount?: number }, have: Available, what: string): void {
  for (const [flag, n, max, split] of [
    ['--train-count', want.trainCount, have.train, 'training'],
    ['--test-count', want.testCount, have.test, 'test'],
  ] as const) {
    if (n !== undefined && n > max) {
      throw new UsageError(`${flag} ${n}: --data '${spec}' has only ${max} ${split} samples${what}; expected at most ${max}`);
    }
  }
}

/** Samples in the train and test splits of `spec`, from constants, file sizes or IDX headers. */
async function availableCounts(spec: string): Promise<Available> {
  if (spec === 'mnist') return { train: EMBEDDED_TRAIN_TOTAL, test: EMBEDDED_TEST_TOTAL };
  const m = /^(idx|cifar):(.+)$/.exec(spec);
  const dir = spec === 'mnist-full' ? mnistFullDir() : m?.[2];
  if (dir === undefined) throw new Error(`availableCounts: unknown data spec '${spec}'`);
  if (m?.[1] === 'cifar') {
    // Same lookup as loadCifarDir: DIR itself, else DIR/cifar-10-batches-bin; a missing file rejects.
    let root = dir;
    const size = (f: string) => stat(join(root, f)).then((s) => Math.floor(s.size / CIFAR_RECORD_BYTES));
    if (await size(CIFAR_TRAIN_FILES[0]!).catch(() => undefined) === undefined) root = join(dir, 'cifar-10-batches-bin');
    const parts = await Promise.all(CIFAR_TRAIN_FILES.map(size));
    return { train: parts.reduce((a, b) => a + b, 0), test: await size(CIFAR_TEST_FILE) };
  }
  const names = (await readdir(dir)).sort();
  const count = async (role: 'train images' | 'test images') => (await readIdxFile(join(dir, pickIdxFile(dir, names, role)))).dims[0]!;
  return { train: await count('train images'), test: await count('test images') };
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
