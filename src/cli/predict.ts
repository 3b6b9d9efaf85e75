// npm run predict -- --model FILE [--data SPEC] [--top K] [--build relaxed|simd|naive] [--threads N|auto] [--json FILE] <image.png | idx:INDEX>...
//
// Prints the predicted class and the top-K (default 3) class probabilities of each input:
//   image.png  any PNG. For a gray model it goes through decodeToGray(..., { invert: 'auto',
//              fit: 'mnist' }): dark-on-light drawings are inverted, the ink is cropped, scaled to
//              20/28 of the frame and centred by mass, as MNIST digits were. For an RGB model
//              (cifar) each channel is resized to the model's input size (aspect not kept).
//   idx:N      test image N of --data (default: the dataset the model was trained on), counted
//              after the model's class subset (tanh-binary sees only the 0s and 1s); its label
//              is printed too.
// Inputs go through the model's own normalization (stored in the model file), when it has one.

import { readFile } from 'node:fs/promises';
import { Option } from 'commander';
import type { BuildName } from '../runtime/load.js';
import type { Dataset } from '../data/dataset.js';
import { imageSize } from '../data/dataset.js';
import { decodePng, rgbaToGray, type DecodedPng } from '../image/png.js';
import { resizeGray } from '../image/resize.js';
import { product } from '../layers/layer.js';
import { type CliIO, newProgram, pct, println, processIO, run, UsageError, checkBuildFlag } from './common.js';
import { positiveInt, type Threads, threadsOption } from './flags.js';
import { isMainModule, runAsScript } from './script.js';
import { checkOutputPaths } from './output-paths.js';
import { writeJsonAtomic } from './atomic-write.js';
import { prepareData } from './data.js';
import { loadTrainedModel, needsGuessedNormalization } from './model-file.js';

interface PredictOptions { model: string; data?: string; top: number; build?: BuildName; threads: Threads; json?: string }

export interface PredictionLine {
  input: string;
  class: number;
  className: string;
  top: { class: number; className: string; probability: number }[];
  /** True class, for idx: inputs. */
  label?: number;
}

export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  return run('predict', io, async () => {
    const program = newProgram('predict', 'Predict the class of PNG images or of test images of a dataset with a saved model.', io)
      .requiredOption('--model <file>', 'model file written by "train --save"')
      .argument('<inputs...>', 'PNG files and/or idx:N (test image N of --data)')
      .option('--data <spec>', 'dataset for idx:N inputs (default: the dataset the model was trained on, else mnist)')
      .option('--top <k>', 'how many of the most probable classes to print', positiveInt('--top'), 3)
      .addOption(new Option('--build <b>', 'kernels (default: relaxed, else simd, where supported)').choices(['relaxed', 'simd', 'naive']))
      .addOption(threadsOption())
      .option('--json <file>', 'also write the predictions as JSON to FILE');
    program.parse(argv, { from: 'user' });
    const o = program.opts<PredictOptions>();
    const inputs = program.args;

    // Check every input's form before loading anything.
    const idxOf = new Map<string, number>();
    for (const s of inputs) {
      if (s.startsWith('idx:')) {
        const t = s.slice(4);
        if (!/^\d+$/.test(t)) throw new UsageError(`input '${s}': expected idx:N with N a test-image index (0, 1, 2, ...)`);
        idxOf.set(s, Number(t));
      }
    }

    await checkOutputPaths([{ flag: '--json', path: o.json, kind: 'file' }]);

    checkBuildFlag(o.build);
    const { model, preprocessing: prep } = await loadTrainedModel(o.model, o.build ?? 'auto');
    const [H, W, C] = model.inputShape as [number, number, number];
    if (model.inputShape.length !== 3 || (C !== 1 && C !== 3)) {
      throw new UsageError(`--model ${o.model}: predict handles image models (input [H, W, 1 or 3]), this one takes [${model.inputShape.join(', ')}]`);
    }
    const inSize = product(model.inputShape);
    const N = model.numClasses;
    const names = Array.from({ length: N }, (_, c) => prep.classNames?.[c] ?? String(c));

    let test: Dataset | undefined;
    const spec = o.data ?? prep.data ?? 'mnist';
    const guess = idxOf.size > 0 && needsGuessedNormalization(model); // needs the data: only with idx: inputs, as before
    if (idxOf.size > 0) {
      if (guess) println(io.stderr, `predict: note: the model file stores no input standardisation; using the statistics of the training split of --data '${spec}'`);
      const data = await prepareData(spec, {
        inputShape: model.inputShape, numClasses: N, classes: prep.classes,
        trainCount: guess ? undefined : 1,
        modelLabel: `the model in ${o.model} (${model.name})`,
      });
      if (guess) model.adaptNormalization(data.train);
      test = data.test;
      for (const [s, i] of idxOf) {
        if (i >= test.count) throw new UsageError(`input '${s}': --data '${spec}' has ${test.count} test images for this model (idx:0 to idx:${test.count - 1})`);
      }
    }

    const x = new Float32Array(inputs.length * inSize);
    const labels: (number | undefined)[] = [];
    for (const [k, s] of inputs.entries()) {
      const i = idxOf.get(s);
      if (i !== undefined) {
        x.set(test!.images.subarray(i * imageSize(test!), (i + 1) * imageSize(test!)), k * inSize);
        labels.push(test!.labels[i]);
      } else {
        const png = await pngInput(s, H, W, C);
        if (png.blank !== undefined) println(io.stderr, `predict: warning: input '${s}' ${png.blank}; it is classified anyway, but the result says little`);
        x.set(png.x, k * inSize);
        labels.push(undefined);
      }
    }

    const { probabilities, classes } = model.predict(x, { threads: o.threads });
    const top = Math.min(o.top, N);
    const lines: PredictionLine[] = inputs.map((input, k) => {
      const p = probabilities.subarray(k * N, (k + 1) * N);
      const order = Array.from(p.keys()).sort((a, b) => p[b]! - p[a]! || a - b).slice(0, top);
      const line: PredictionLine = {
        input, class: classes[k]!, className: names[classes[k]!]!,
        top: order.map((c) => ({ class: c, className: names[c]!, probability: p[c]! })),
      };
      if (labels[k] !== undefined) line.label = labels[k];
      return line;
    });
    for (const l of lines) {
      const label = l.label === undefined ? '' : `   label ${names[l.label]} ${l.label === l.class ? '(correct)' : '(wrong)'}`;
      println(io.stdout, `${l.input}: ${l.className}   (${l.top.map((t) => `${t.className} ${pct(t.probability)}`).join(', ')})${label}`);
    }
    if (o.json !== undefined) {
      await writeJsonAtomic(o.json, { modelFile: o.model, model: model.name, build: model.build, data: idxOf.size > 0 ? spec : undefined, predictions: lines });
      println(io.stdout, `wrote ${o.json}`);
    }
    return 0;
  });
}

/** A PNG file as the model's input, and why it is blank, if it is (see blankness). */
export interface PngInput {
  x: Float32Array;
  blank?: string;
}

/** A PNG file as the model's input: gray via rgbaToGray (MNIST fit), RGB by resizing each channel. */
export async function pngInput(path: string, H: number, W: number, C: number): Promise<PngInput> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (e) {
    const err = e as Error & { code?: string };
    if (err.code === 'ENOENT' || err.code === 'EISDIR') {
      throw new UsageError(`input '${path}': ${err.code === 'ENOENT' ? 'no such file' : 'is a directory'}; expected a PNG file or idx:N`);
    }
    throw e;
  }
  let png: DecodedPng;
  try {
    png = decodePng(bytes);
  } catch (e) {
    throw new Error(`input '${path}': not a valid PNG file (${pngProblem(bytes, e as Error)})`);
  }
  const blank = blankness(png);
  let x: Float32Array;
  if (C === 1) {
    x = rgbaToGray(png, H, W, { invert: 'auto', fit: 'mnist' });
  } else {
    x = new Float32Array(H * W * 3);
    const plane = new Float32Array(png.width * png.height);
    for (let c = 0; c < 3; c++) {
      // Composite over white by alpha, like rgbaToGray does for gray.
      for (let p = 0; p < plane.length; p++) {
        const a = png.rgba[4 * p + 3]! / 255;
        plane[p] = a * (png.rgba[4 * p + c]! / 255) + (1 - a);
      }
      const r = resizeGray(plane, png.height, png.width, H, W);
      for (let p = 0; p < H * W; p++) x[3 * p + c] = r[p]!;
    }
  }
  return blank === undefined ? { x } : { x, blank };
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** What is wrong with bytes decodePng refused, in words; the decoder's own text when it says more. */
function pngProblem(bytes: Uint8Array, e: Error): string {
  if (bytes.length === 0) return 'the file is empty';
  if (bytes.length < 8 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) return 'it does not start with the PNG signature';
  // decodePng wraps the decoder's message; pngjs says this one when the data stops mid-chunk.
  const detail = (e.cause instanceof Error ? e.cause.message : e.message).replace(/\s*\n\s*/g, ' ');
  if (/read requests wait\w* on finished stream/.test(detail)) return 'the data ends early: truncated or damaged';
  return `decoder: ${detail}`;
}

/**
 * Why a picture carries nothing to classify, or undefined: a single pixel, or every pixel the
 * same colour once composited over white by its alpha (so fully transparent counts as white).
 */
export function blankness(png: DecodedPng): string | undefined {
  const { rgba } = png;
  const n = png.width * png.height;
  if (n === 0) return 'has no pixels';
  const over = (p: number, c: number) => {
    const a = rgba[4 * p + 3]!;
    return Math.round((a * rgba[4 * p + c]! + (255 - a) * 255) / 255);
  };
  const first = [over(0, 0), over(0, 1), over(0, 2)];
  const colour = first[0] === first[1] && first[1] === first[2] ? `gray ${first[0]}` : `rgb(${first.join(', ')})`;
  if (n === 1) return `is a single pixel (${colour})`;
  for (let p = 1; p < n; p++) {
    if (over(p, 0) !== first[0] || over(p, 1) !== first[1] || over(p, 2) !== first[2]) return undefined;
  }
  const name = colour === 'gray 255' ? 'white' : colour === 'gray 0' ? 'black' : colour;
  return `is blank: all ${n} pixels (${png.width}x${png.height}) are ${name}`;
}

if (isMainModule(import.meta.url)) runAsScript(main);
