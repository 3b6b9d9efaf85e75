// npm run evaluate -- --model FILE [--data SPEC] [--test-count N] [--build relaxed|simd|naive] [--threads N|auto] [--json FILE]
//
// Loads a model saved by `train --save`, prepares the test split of --data the way training did
// (class subset; the model applies its stored normalization itself) and prints the loss, the accuracy, the confusion matrix
// and per-class precision and recall. --data defaults to the dataset the model was trained on.

import { Option } from 'commander';
import type { BuildName } from '../runtime/load.js';
import type { Evaluation } from '../train/evaluate.js';
import { type CliIO, confusionRows, newProgram, type OutStream, pct, println, processIO, run, table, checkBuildFlag } from './common.js';
import { positiveInt, type Threads, threadsOption } from './flags.js';
import { isMainModule, runAsScript } from './script.js';
import { checkOutputPaths } from './output-paths.js';
import { writeJsonAtomic } from './atomic-write.js';
import { prepareData } from './data.js';
import { loadTrainedModel, needsGuessedNormalization } from './model-file.js';

interface EvaluateOptions { model: string; data?: string; testCount?: number; build?: BuildName; threads: Threads; json?: string }

export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  return run('evaluate', io, async () => {
    const program = newProgram('evaluate', 'Evaluate a saved model on a test set: loss, accuracy, confusion matrix, precision and recall.', io)
      .requiredOption('--model <file>', 'model file written by "train --save"')
      .option('--data <spec>', 'mnist, mnist-full, idx:DIR or cifar:DIR (default: the dataset the model was trained on)')
      .option('--test-count <n>', 'use only the first N test images', positiveInt('--test-count'))
      .addOption(new Option('--build <b>', 'kernels (default: relaxed, else simd, where supported)').choices(['relaxed', 'simd', 'naive']))
      .addOption(threadsOption())
      .option('--json <file>', 'also write the figures as JSON to FILE');
    program.parse(argv, { from: 'user' });
    const o = program.opts<EvaluateOptions>();
    await checkOutputPaths([{ flag: '--json', path: o.json, kind: 'file' }]);

    checkBuildFlag(o.build);
    const { model, preprocessing: prep } = await loadTrainedModel(o.model, o.build ?? 'auto');
    const spec = o.data ?? prep.data ?? 'mnist';
    const guess = needsGuessedNormalization(model);
    if (guess) println(io.stderr, 'evaluate: note: the model file stores no input standardisation; using the statistics of the training split of --data');
    const data = await prepareData(spec, {
      inputShape: model.inputShape, numClasses: model.numClasses, classes: prep.classes,
      testCount: o.testCount, trainCount: guess ? undefined : 1,
      modelLabel: `the model in ${o.model} (${model.name})`,
    });
    if (guess) model.adaptNormalization(data.train);
    const test = data.test;
    const ev = model.evaluate(test, { threads: o.threads });
    const names = Array.from({ length: ev.numClasses }, (_, c) => prep.classNames?.[c] ?? test.classNames?.[c] ?? String(c));
    println(io.stdout, `model ${o.model}: ${model.name}, ${model.paramCount.toLocaleString('en-US')} parameters, ${model.build} kernels`);
    println(io.stdout, `data ${spec}: ${test.count} test images${prep.classes ? ` (classes ${prep.classes.join(', ')})` : ''}`);
    printEvaluation(io.stdout, ev, names);
    if (o.json !== undefined) {
      await writeJsonAtomic(o.json, {
        modelFile: o.model, model: model.name, build: model.build, data: spec, testImages: ev.count,
        loss: ev.loss, accuracy: ev.accuracy, classNames: names,
        confusion: confusionRows(ev),
        precision: ev.precision, recall: ev.recall,
      });
      println(io.stdout, `wrote ${o.json}`);
    }
    return 0;
  });
}

/** Loss, accuracy, the confusion matrix (rows true, columns predicted) and per-class metrics. */
export function printEvaluation(out: OutStream, ev: Evaluation, names: string[]): void {
  const N = ev.numClasses;
  const correct = Math.round(ev.accuracy * ev.count);
  println(out, `loss ${ev.loss.toFixed(4)}, accuracy ${pct(ev.accuracy)} (${correct}/${ev.count})`);
  println(out);
  println(out, 'confusion matrix (rows: true class, columns: predicted class)');
  const head = ['true\\pred', ...names];
  const rows = names.map((n, t) => [n, ...Array.from(ev.confusion.subarray(t * N, (t + 1) * N), String)]);
  println(out, table(head, rows));
  println(out);
  const support = names.map((_, t) => ev.confusion.subarray(t * N, (t + 1) * N).reduce((a, b) => a + b, 0));
  println(out, table(['class', 'precision', 'recall', 'support'],
    names.map((n, c) => [n, pct(ev.precision[c]!), pct(ev.recall[c]!), String(support[c])])));
}

if (isMainModule(import.meta.url)) runAsScript(main);
