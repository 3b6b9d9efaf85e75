// npm run export -- --model FILE --onnx OUT [--no-standardize] [--build simd|naive]
//
// Writes a model saved by `train --save` as an ONNX file (opset 13; see src/onnx/export.ts for
// the layout): input `input` [batch, H, W, C] NHWC, output `probabilities` [batch, classes].
// When the model file stores an input standardisation (cifar), the ONNX graph applies it first,
// so it takes raw pixels as the data files hold them; --no-standardize leaves it out (the ONNX
// model then takes standardised inputs, like the library's predict). The preprocessing record
// (dataset, class subset, class names, standardisation) goes into the file's metadata as JSON
// under 'simdnet.preprocessing'. The output is checked before the model is read and written
// through a temporary file renamed into place.

import { Option } from 'commander';
import { resolve } from 'node:path';
import type { BuildName } from '../runtime/load.js';
import { exportOnnx } from '../onnx/export.js';
import { type CliIO, newProgram, println, processIO, run, UsageError } from './common.js';
import { isMainModule, runAsScript } from './script.js';
import { checkOutputPaths } from './output-paths.js';
import { writeFileAtomic } from './atomic-write.js';
import { loadTrainedModel } from './model-file.js';

interface ExportOptions { model: string; onnx: string; standardize: boolean; build?: BuildName }

export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  return run('export', io, async () => {
    const program = newProgram('export', 'Write a saved model as an ONNX file (opset 13, NHWC input, dynamic batch).', io)
      .requiredOption('--model <file>', 'model file written by "train --save"')
      .requiredOption('--onnx <file>', 'the ONNX file to write')
      .option('--no-standardize', "leave the model file's input standardisation out of the graph (it then takes standardised inputs)")
      .addOption(new Option('--build <b>', 'kernels used to load the model (default: simd where supported)').choices(['simd', 'naive']));
    program.parse(argv, { from: 'user' });
    const o = program.opts<ExportOptions>();
    if (resolve(o.onnx) === resolve(o.model)) throw new UsageError(`--onnx '${o.onnx}': is the model file itself; give the ONNX file its own name`);
    await checkOutputPaths([{ flag: '--onnx', path: o.onnx, kind: 'file' }]);

    const { model, preprocessing } = await loadTrainedModel(o.model, o.build ?? 'auto');
    try {
      // The model's normalization (older files' preprocessing.standardize became it on load).
      const norm = model.normalization;
      const baked = o.standardize && norm !== undefined;
      const bytes = exportOnnx(model, {
        standardize: baked ? norm : false,
        metadata: { 'simdnet.preprocessing': JSON.stringify({ ...preprocessing, ...(norm ? { standardize: { mean: norm.mean, std: norm.std } } : {}), standardizeInGraph: baked }) },
      });
      await writeFileAtomic(o.onnx, bytes);
      println(io.stdout, `wrote ${o.onnx}: ${model.name}, ${model.paramCount.toLocaleString('en-US')} parameters, ${bytes.length.toLocaleString('en-US')} bytes, ` +
        `opset 13, input [batch, ${model.inputShape.join(', ')}] NHWC${baked ? ' (raw values; standardised in the graph)' : ''}, output probabilities [batch, ${model.numClasses}]`);
      if (!baked && norm !== undefined) {
        println(io.stdout, 'note: inputs must be standardised per channel with the mean and std in the metadata (simdnet.preprocessing)');
      }
    } finally {
      model.dispose();
    }
    return 0;
  });
}

if (isMainModule(import.meta.url)) runAsScript(main);
