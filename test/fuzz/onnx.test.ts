// Fuzz: ONNX files read by importOnnx. Two valid files (one exportOnnx wrote, one PyTorch 1.13
// wrote: test/onnx/fixtures) are mutated bytewise (truncate, flip, set, insert, delete,
// duplicate a span); protobuf is lenient, so many mutants still decode and reach the graph
// reader with odd shapes, attributes and tensors. Every mutant must be read or refused with an
// Error whose one-line message starts "importOnnx:", fast and silently; the ones that are read
// must then compile and predict, or be refused the same way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { getRuntime } from '../helpers/runtime.js';
import { Sequential } from '../../src/model/sequential.js';
import { Conv2D } from '../../src/layers/conv2d.js';
import { MaxPool2D } from '../../src/layers/pool2d.js';
import { Dense } from '../../src/layers/dense.js';
import { Flatten } from '../../src/layers/flatten.js';
import { exportOnnx } from '../../src/onnx/export.js';
import { importOnnx, readOnnxLayers } from '../../src/onnx/import.js';
import type { Runtime } from '../../src/runtime/load.js';
import { expectClearError, mutateCase, runAsync, runSync, Tally, watchStdout } from './harness.js';

const CASES = 1500;
let rt: Runtime;
const bases: { name: string; bytes: Uint8Array; seed: number }[] = [];

beforeAll(async () => {
  rt = await getRuntime();
  const m = new Sequential([new Conv2D({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }), new MaxPool2D(),
    new Flatten(), new Dense({ units: 4 })]);
  await m.compile({ inputShape: [6, 6, 2], seed: 2, runtime: rt, threads: 1 });
  bases.push({ name: 'exportOnnx', bytes: exportOnnx(m), seed: 0x0a110001 });
  m.dispose();
  bases.push({ name: 'pytorch', bytes: new Uint8Array(await readFile(new URL('../onnx/fixtures/pytorch-mixed.onnx', import.meta.url))), seed: 0x0a110002 });
});

const stdout = watchStdout();
afterAll(() => stdout.restore());

describe('fuzz: importOnnx on mutated ONNX files', () => {
  for (const which of [0, 1]) {
    it(`${which === 0 ? 'an exportOnnx file' : 'a PyTorch export'}: ${CASES} mutants read or refused clearly`, async () => {
      const base = bases[which]!;
      const tally = new Tally();
      for (let i = 0; i < CASES; i++) {
        const { bytes, what } = mutateCase(base.bytes, base.seed, i, []);
        const label = `${base.name} case ${i} (${what})`;
        const r = runSync(label, () => readOnnxLayers(bytes), 16 * 2 ** 20);
        if (!r.ok) {
          expectClearError(label, r.error, 'importOnnx:');
          tally.add('refused');
          continue;
        }
        const elements = r.value.inputShape.reduce((a, b) => a * b, 1);
        if (elements > 1 << 20) { tally.add('read, input too large to compile here'); continue; }
        const c = await runAsync(`${label} import`, () => importOnnx(bytes, { runtime: rt, threads: 1 }), 64 * 2 ** 20);
        if (!c.ok) {
          // Past the reader, the layers' own checks speak (they name the layer, not the file).
          expect(c.error, `${label}: threw a non-Error`).toBeInstanceOf(Error);
          expect((c.error as Error).message, label).not.toMatch(/\n|\[object |(?<!got )\bundefined\b/);
          tally.add('read, refused at compile');
          continue;
        }
        const model = c.value;
        const p = runSync(`${label} predict`, () => model.predict(new Float32Array(elements).fill(0.5)), 16 * 2 ** 20);
        tally.add(p.ok ? 'imported and predicted' : 'imported, predict refused');
        if (!p.ok) expectClearError(`${label} predict`, p.error, model.name);
        model.dispose();
      }
      expect(tally.total).toBe(CASES);
      expect(tally.get('refused')).toBeGreaterThan(0);
      expect(tally.get('imported and predicted'), 'no mutant reached the whole path').toBeGreaterThan(0);
      process.stderr.write(`fuzz onnx ${base.name}: ${[...tally.counts].map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
    });
  }
});
