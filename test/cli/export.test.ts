// npm run export: a model file (written as train --save writes it) becomes an ONNX file that
// onnxruntime-web runs to predict()'s probabilities (|Δp| ≤ 1e-5, see test/onnx/export.test.ts),
// with the stored standardisation in the graph by default; bad command lines fail before work.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { main as exportMain } from '../../src/cli/export.js';
import { saveTrainedModel } from '../../src/cli/model-file.js';
import { zooModel } from '../../src/model/zoo.js';
import type { Sequential } from '../../src/model/sequential.js';
import { decodeModel } from '../../src/onnx/graph.js';
import { getRuntime } from '../helpers/runtime.js';
import { maxAbsDiff, randomImages, randomizeWeights, runOnnx } from '../onnx/ort.js';
import { runCli, scratchDir } from './util.js';

const standardize = { mean: [0.45, 0.5, 0.55], std: [0.25, 0.2, 0] }; // std 0: divided by 1, as applyStandardize does
let dir = '';
let cleanup: () => Promise<void> = async () => {};
let model: Sequential;
let modelFile = '';

beforeAll(async () => {
  ({ dir, cleanup } = await scratchDir('export'));
  model = await zooModel('cifar', { seed: 4, runtime: await getRuntime(), build: 'simd', threads: 1 });
  randomizeWeights(model, 9);
  modelFile = join(dir, 'cifar.simdnet');
  await saveTrainedModel(model, modelFile, { data: 'cifar:somewhere', classNames: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'], standardize });
});
afterAll(async () => { model.dispose(); await cleanup(); });

function standardized(x: Float32Array): Float32Array {
  return Float32Array.from(x, (v, i) => (v - standardize.mean[i % 3]!) / (standardize.std[i % 3] || 1));
}

describe('export --model FILE --onnx OUT', () => {
  it('writes an ONNX file that takes raw inputs and gives predict()\'s probabilities on the standardised ones', async () => {
    const out = join(dir, 'onnx', 'cifar.onnx'); // the directory is created
    const r = await runCli(exportMain, ['--model', modelFile, '--onnx', out]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^wrote .*cifar\.onnx: cifar, [\d,]+ parameters, [\d,]+ bytes, opset 13, input \[batch, 32, 32, 3\] NHWC \(raw values; standardised in the graph\)/);
    const bytes = new Uint8Array(await readFile(out));
    const x = randomImages(3, 5 * 32 * 32 * 3);
    const got = await runOnnx(bytes, x, [5, 32, 32, 3]);
    expect(maxAbsDiff(got.data, model.predict(standardized(x)).probabilities)).toBeLessThanOrEqual(1e-5);
    const meta = decodeModel(bytes).metadata_props!.find((m) => m.key === 'simdnet.preprocessing')!;
    expect(JSON.parse(meta.value!)).toMatchObject({ data: 'cifar:somewhere', standardize, standardizeInGraph: true });
    expect((await readdir(join(dir, 'onnx'))).sort()).toEqual(['cifar.onnx']); // no temporary file left
  });

  it('--no-standardize: the graph takes standardised inputs, like the library', async () => {
    const out = join(dir, 'plain.onnx');
    const r = await runCli(exportMain, ['--model', modelFile, '--onnx', out, '--no-standardize']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('note: inputs must be standardised per channel');
    const x = standardized(randomImages(4, 2 * 32 * 32 * 3));
    const got = await runOnnx(new Uint8Array(await readFile(out)), x, [2, 32, 32, 3]);
    expect(maxAbsDiff(got.data, model.predict(x).probabilities)).toBeLessThanOrEqual(1e-5);
  });
});

describe('export: bad command lines fail with one line and exit code 2, before the model is read', () => {
  it('an --onnx path that is a directory is refused even when the model file does not exist', async () => {
    await mkdir(join(dir, 'adir'), { recursive: true });
    const r = await runCli(exportMain, ['--model', join(dir, 'missing.simdnet'), '--onnx', join(dir, 'adir')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^export: --onnx '.*adir': is a directory; expected a file name \(e\.g\. .*model\.onnx\)/);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('a missing model file, a missing --onnx, the model file as --onnx, a file that is not a model', async () => {
    let r = await runCli(exportMain, ['--model', join(dir, 'missing.simdnet'), '--onnx', join(dir, 'x.onnx')]);
    expect([r.code, r.err]).toEqual([2, expect.stringMatching(/^export: --model '.*missing\.simdnet': no such file; expected a model file written by "train --save FILE"/)]);
    r = await runCli(exportMain, ['--model', modelFile]);
    expect([r.code, r.err]).toEqual([2, expect.stringMatching(/^export: required option '--onnx <file>' not specified/)]);
    r = await runCli(exportMain, ['--model', modelFile, '--onnx', modelFile]);
    expect([r.code, r.err]).toEqual([2, expect.stringMatching(/--onnx '.*cifar\.simdnet': is the model file itself/)]);
    const junk = join(dir, 'junk.simdnet');
    await writeFile(junk, 'not a model');
    r = await runCli(exportMain, ['--model', junk, '--onnx', join(dir, 'y.onnx')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^export: error: .*junk\.simdnet/);
    expect(await readdir(dir)).not.toContain('y.onnx');
  });
});
