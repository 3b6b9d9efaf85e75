// Defect: --build relaxed on an engine without relaxed SIMD (Node 20) failed deep in compile as
// "train: error: compile: build 'relaxed' requested but ..." (exit 1, the flag not named, after
// the data was loaded). It is a usage error now, before any work: exit 2, naming --build and what to use.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { main as trainMain } from '../../src/cli/train.js';
import { main as evaluateMain } from '../../src/cli/evaluate.js';
import { main as predictMain } from '../../src/cli/predict.js';
import { relaxedSimdSupported } from '../../src/runtime/features.js';
import { runCli } from '../cli/util.js';

describe.skipIf(relaxedSimdSupported())('--build relaxed where the engine lacks relaxed SIMD', () => {
  const missing = join('no', 'such', 'model.simdnet');
  for (const [name, main, args] of [
    ['train', trainMain, ['--model', 'simple', '--train-count', '20', '--epochs', '1']],
    ['evaluate', evaluateMain, ['--model', missing]],
    ['predict', predictMain, ['--model', missing, 'idx:0']],
  ] as const) {
    it(`${name}: exit 2, one line naming --build and the build to use`, async () => {
      const r = await runCli(main, [...args, '--build', 'relaxed']);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(new RegExp(`^${name}: --build relaxed: this engine has no WebAssembly relaxed SIMD .*; use --build simd or omit it\\n$`));
    });
  }
});
