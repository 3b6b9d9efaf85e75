// Defect: train records the build it ran on (model.build: 'relaxed' under the default 'auto' on
// Node ≥ 22 and Chromium) in the run record, and --resume took it as a flag that must not change.
// A run trained on Node 22 then could not be resumed where relaxed SIMD is missing (Node 20):
// without --build the load failed ("build 'relaxed' was asked for"), and --build simd was refused
// as a conflict. The build changes rounding, not what is trained: a resumed run now takes the
// recorded build where it can, else (or when --build says otherwise) runs on with a note that its
// bits will differ from a straight run. The file here is made as Node 22 would write it: a real
// run whose record says 'relaxed', and the engine told it has no relaxed SIMD.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { main as trainMain } from '../../src/cli/train.js';
import { decodeModel, encodeModel } from '../../src/io/format.js';
import { relaxedSimdSupported } from '../../src/runtime/features.js';
import { runCli, scratchDir } from '../cli/util.js';

let dir = '';
let cleanup: () => Promise<void> = async () => {};
beforeAll(async () => ({ dir, cleanup } = await scratchDir('resume-relaxed')));
afterAll(() => cleanup());

const common = ['--model', 'simple', '--train-count', '60', '--test-count', '10', '--batch', '16', '--seed', '2', '--threads', '1'];

describe('train --resume of a file trained on the relaxed build', () => {
  let file = '';
  beforeAll(async () => {
    const a = await runCli(trainMain, [...common, '--epochs', '1', '--build', 'simd', '--validation-split', '0', '--save', join(dir, 'simd.simdnet')]);
    expect(a.err).toBe('');
    const s = decodeModel(new Uint8Array(await readFile(join(dir, 'simd.simdnet'))));
    const topology = { ...s.topology, run: { ...(s.topology as unknown as { run: object }).run, build: 'relaxed' } };
    file = join(dir, 'relaxed.simdnet');
    await writeFile(file, encodeModel(topology as never, s.weights, s.training));
  });

  it.skipIf(relaxedSimdSupported())('without --build, on an engine without relaxed SIMD: resumes on simd, saying why the bits will differ', async () => {
    const r = await runCli(trainMain, ['--resume', file, '--epochs', '1', '--threads', '1']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/was trained with the relaxed build, which this engine lacks; resuming with simd/);
    expect(r.out).toMatch(/simd kernels/);
  });

  it('with --build simd: resumes on simd (not refused as a conflicting flag)', async () => {
    const r = await runCli(trainMain, ['--resume', file, '--epochs', '1', '--threads', '1', '--build', 'simd']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/was trained with the relaxed build; resuming with --build simd/);
  });

  it.skipIf(!relaxedSimdSupported())('without --build, on an engine with relaxed SIMD: resumes on relaxed, without a note', async () => {
    const r = await runCli(trainMain, ['--resume', file, '--epochs', '1', '--threads', '1']);
    expect(r.err).toBe('');
    expect(r.out).not.toMatch(/^note:/m);
    expect(r.out).toMatch(/relaxed kernels/);
  });

  it.skipIf(relaxedSimdSupported())('--build relaxed, asked for by name, is still an error naming the flag', async () => {
    const r = await runCli(trainMain, ['--resume', file, '--epochs', '1', '--build', 'relaxed']);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/relaxed/);
  });
});
