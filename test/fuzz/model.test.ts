// Fuzz: simdnet model files. A small model is compiled and serialized with the library, then
// mutated three ways:
//   raw    generic byte mutations and edits of the header fields (magic, version, JSON length,
//          weight length, CRC-32), checksum left as it falls: deserialize must refuse or accept;
//   fixed  the same mutations with the CRC-32 recomputed afterwards, so damage reaches the JSON
//          and the weights manifest;
//   json   edits of the parsed JSON document (a value replaced by a boundary value, another
//          type or another node's value; a key or array element removed or duplicated), written
//          back as a well-formed file (lengths, padding, checksum), so that deserialize accepts
//          most of them and modelFromSerialized has to cope with the topology.
// Every file must load (and then predict) or fail with an Error that names the file, fast,
// without growing the wasm memory beyond what the declared weights justify, and silently.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRuntime } from '../helpers/runtime.js';
import { makeRng } from '../helpers/rng.js';
import { Sequential } from '../../src/model/sequential.js';
import { Conv2D } from '../../src/layers/conv2d.js';
import { MaxPool2D } from '../../src/layers/pool2d.js';
import { Dense } from '../../src/layers/dense.js';
import { Flatten } from '../../src/layers/flatten.js';
import { Dropout } from '../../src/layers/dropout.js';
import { deserialize, modelFromSerialized, serialize } from '../../src/io/model-io.js';
import { crc32, HEADER_BYTES, ModelFormatError, type SerializedModel } from '../../src/io/format.js';
import type { Runtime } from '../../src/runtime/load.js';
import { caseSeed, expectClearError, mutateCase, runAsync, runSync, Tally, watchStdout, type Field, type Rng } from './harness.js';

const SEED_RAW = 0x5e70001;
const SEED_FIXED = 0x5e70002;
const SEED_JSON = 0x5e70003;
const RAW_CASES = 2000;
const FIXED_CASES = 2000;
const JSON_CASES = 1200;

const FIELDS: Field[] = [
  ...Array.from({ length: 8 }, (_, k): Field => ({ name: `magic${k}`, offset: k, size: 1 })),
  { name: 'version', offset: 8, size: 4, le: true },
  { name: 'jsonLength', offset: 12, size: 4, le: true },
  { name: 'weightLength', offset: 16, size: 4, le: true },
  { name: 'crc', offset: 20, size: 4, le: true },
];

let rt: Runtime;
let bases: { name: string; bytes: Uint8Array }[] = [];
let out: ReturnType<typeof watchStdout>;

beforeAll(async () => {
  rt = await getRuntime();
  const conv = new Sequential([
    new Conv2D({ filters: 2, kernelSize: 3, activation: 'relu' }), new MaxPool2D({ poolSize: 2 }), new Dropout({ rate: 0.1 }),
    new Flatten(), new Dense({ units: 3 }),
  ], 'fuzz-conv');
  conv.compileWith(rt, { inputShape: [6, 6, 1], optimizer: { type: 'adam', lr: 0.01 }, seed: 1 });
  const dense = new Sequential([new Dense({ units: 4, activation: 'tanh' }), new Dense({ units: 2, useBias: false })], 'fuzz-dense');
  dense.compileWith(rt, { inputShape: [5], optimizer: { type: 'momentum', lr: 0.1, momentum: 0.9 }, seed: 2 });
  bases = [{ name: 'conv', bytes: serialize(conv) }, { name: 'dense', bytes: serialize(dense) }];
  conv.dispose();
  dense.dispose();
  out = watchStdout();
});
afterAll(() => out?.restore());

function patchCrc(b: Uint8Array): void {
  if (b.length >= HEADER_BYTES) new DataView(b.buffer, b.byteOffset).setUint32(20, crc32(b, HEADER_BYTES), true);
}

/** A well-formed file around `json` and raw weight bytes (lengths, padding and checksum right). */
function wellFormed(json: string, weights: Uint8Array): Uint8Array {
  const j = new TextEncoder().encode(json);
  const D = HEADER_BYTES + Math.ceil(j.length / 4) * 4;
  const b = new Uint8Array(D + weights.length);
  b.set([0x89, 0x53, 0x4e, 0x45, 0x54, 0x0d, 0x0a, 0x1a]);
  const dv = new DataView(b.buffer);
  dv.setUint32(8, 1, true);
  dv.setUint32(12, j.length, true);
  dv.setUint32(16, weights.length, true);
  b.set(j, HEADER_BYTES);
  b.fill(0x20, HEADER_BYTES + j.length, D);
  b.set(weights, D);
  patchCrc(b);
  return b;
}

function split(b: Uint8Array): { doc: unknown; weights: Uint8Array } {
  const dv = new DataView(b.buffer, b.byteOffset);
  const J = dv.getUint32(12, true);
  const D = HEADER_BYTES + Math.ceil(J / 4) * 4;
  return { doc: JSON.parse(new TextDecoder().decode(b.subarray(HEADER_BYTES, HEADER_BYTES + J))), weights: b.slice(D) };
}

type Container = Record<string, unknown> | unknown[];
/** Every (container, key) pair in the document, depth first. */
function slots(doc: unknown): [Container, string | number][] {
  const all: [Container, string | number][] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach((x, k) => { all.push([v, k]); walk(x); });
    else if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) { all.push([v as Record<string, unknown>, k]); walk((v as Record<string, unknown>)[k]); }
  };
  walk(doc);
  return all;
}

const POOL: unknown[] = [0, -1, 1, 2, 3, 7, 1.5, -0.5, 1e9, 2 ** 31, 2 ** 32, 2 ** 53, 1e308, -1e308, null, true, false,
  '', 'x', 'same', 'valid', 'relu', 'softmax', 'Dense', 'Conv2D', 'Flatten', 'Reshape', 'MaxPool2D', 'Dropout', 'Softmax',
  'sgd', 'adam', 'momentum', '__proto__', 'constructor', 'toString', [], {}, [1], [0, 0], [3, 3], [1e6, 1e6, 1], [1, 1, 1],
  1000, 4096, 1e5, 1e6, [1000, 1000, 1], [3000, 3000, 3], [1e6]];

/** One to three edits of the JSON document, described for the failure message. */
function mutateJson(doc: unknown, rng: Rng): string {
  const what: string[] = [];
  const steps = rng() < 0.7 ? 1 : 2 + Math.floor(rng() * 2);
  for (let s = 0; s < steps; s++) {
    const all = slots(doc);
    if (all.length === 0) break;
    const [c, k] = all[Math.floor(rng() * all.length)]!;
    const cur = (c as Record<string | number, unknown>)[k];
    const op = rng();
    const path = String(k);
    if (op < 0.5) {
      const v = POOL[Math.floor(rng() * POOL.length)];
      (c as Record<string | number, unknown>)[k] = structuredClone(v);
      what.push(`${path}=${JSON.stringify(v)}`);
    } else if (op < 0.65 && typeof cur === 'number') {
      const v = [cur + 1, cur - 1, cur * 2, -cur, cur * 1000, cur + 0.5][Math.floor(rng() * 6)]!;
      (c as Record<string | number, unknown>)[k] = v;
      what.push(`${path}=${v}`);
    } else if (op < 0.8) {
      if (Array.isArray(c)) c.splice(k as number, 1);
      else delete c[k as string];
      what.push(`delete ${path}`);
    } else if (op < 0.9 && Array.isArray(c)) {
      c.splice(k as number, 0, structuredClone(cur));
      what.push(`duplicate ${path}`);
    } else {
      const [c2, k2] = all[Math.floor(rng() * all.length)]!;
      (c as Record<string | number, unknown>)[k] = structuredClone((c2 as Record<string | number, unknown>)[k2]);
      what.push(`${path}=<value of ${String(k2)}>`);
    }
  }
  return what.join('; ');
}

/** Memory a load may take: the wasm memory may grow by this much over its size before the case. */
const WASM_GROWTH_BOUND = 64 * 2 ** 20;

/** Loads what deserialize accepted, predicts one sample, disposes; checks the outcome. */
async function load(label: string, s: SerializedModel, file: string, tally: Tally): Promise<void> {
  const wasmBefore = rt.arena.memory.buffer.byteLength;
  const r = await runAsync(`${label} modelFromSerialized`, () => modelFromSerialized(s, { runtime: rt }), 8 * 2 ** 20);
  out.check(label);
  const grew = rt.arena.memory.buffer.byteLength - wasmBefore;
  expect(grew, `${label}: wasm memory grew by ${grew} bytes for a file of ${s.weights.reduce((a, w) => a + 4 * w.data.length, 0)} weight bytes`)
    .toBeLessThanOrEqual(WASM_GROWTH_BOUND);
  if (!r.ok) {
    expectClearError(`${label} modelFromSerialized`, r.error, file);
    tally.add('load error');
    return;
  }
  const m = r.value;
  try {
    const x = new Float32Array(m.inputShape.reduce((a, b) => a * b, 1)).fill(0.25);
    const p = runSync(`${label} predict`, () => m.predict(x), 8 * 2 ** 20);
    out.check(label);
    if (!p.ok) {
      expectClearError(`${label} predict`, p.error, m.name);
      tally.add('predict error');
    } else {
      expect(p.value.probabilities.length, label).toBe(m.numClasses);
      tally.add('loaded');
    }
  } finally {
    m.dispose();
  }
}

/** deserialize: a clear error (tallied 'error'), or 'read' and then load() the model. */
async function readAndLoad(label: string, bytes: Uint8Array, file: string, tally: Tally): Promise<void> {
  const r = runSync(label, () => deserialize(bytes, file), 4 * bytes.length + 8 * 2 ** 20);
  out.check(label);
  if (!r.ok) {
    expectClearError(label, r.error, file, ModelFormatError);
    tally.add('error');
    return;
  }
  tally.add('read');
  await load(label, r.value, file, tally);
}

describe('fuzz: model files', () => {
  it(`${RAW_CASES} byte-mutated files (checksum not fixed) are refused or read, with a ModelFormatError naming the file`, () => {
    const tally = new Tally();
    for (let i = 0; i < RAW_CASES; i++) {
      const base = bases[i % bases.length]!;
      const { bytes, what } = mutateCase(base.bytes, SEED_RAW, i, FIELDS);
      const label = `seed ${SEED_RAW.toString(16)} case ${i} (${base.name}: ${what})`;
      const file = `fuzz-${i}.simdnet`;
      const r = runSync(label, () => deserialize(bytes, file), 4 * bytes.length + 8 * 2 ** 20);
      out.check(label);
      if (r.ok) tally.add('read');
      else {
        expectClearError(label, r.error, file, ModelFormatError);
        tally.add('error');
      }
    }
    expect(tally.get('error')).toBeGreaterThan(RAW_CASES * 0.9);
  });

  it(`${FIXED_CASES} byte-mutated files with the checksum recomputed are refused, or read and loaded`, async () => {
    const tally = new Tally();
    for (let i = 0; i < FIXED_CASES; i++) {
      const base = bases[i % bases.length]!;
      // Leave the CRC field out of the header edits: it is recomputed anyway.
      const { bytes, what } = mutateCase(base.bytes, SEED_FIXED, i, FIELDS.slice(0, -1));
      patchCrc(bytes);
      const label = `seed ${SEED_FIXED.toString(16)} case ${i} (${base.name}: ${what}; crc fixed)`;
      const file = `fuzz-${i}.simdnet`;
      await readAndLoad(label, bytes, file, tally);
    }
    expect(tally.get('error')).toBeGreaterThan(FIXED_CASES / 4);
    expect(tally.get('read')).toBeGreaterThan(50);
  });

  it(`${JSON_CASES} files with edited JSON (well-formed otherwise) are refused, or read, loaded and run`, async () => {
    const tally = new Tally();
    for (let i = 0; i < JSON_CASES; i++) {
      const base = bases[i % bases.length]!;
      const { doc, weights } = split(base.bytes);
      const what = mutateJson(doc, makeRng(caseSeed(SEED_JSON, i)));
      const bytes = wellFormed(JSON.stringify(doc), weights);
      const label = `seed ${SEED_JSON.toString(16)} case ${i} (${base.name}: ${what})`;
      const file = `fuzz-${i}.simdnet`;
      await readAndLoad(label, bytes, file, tally);
    }
    expect(tally.get('error')).toBeGreaterThan(JSON_CASES / 10);
    expect(tally.get('load error')).toBeGreaterThan(JSON_CASES / 10);
    expect(tally.get('loaded')).toBeGreaterThan(JSON_CASES / 20);
  });
});

// Defects the fuzzer found, each as the exact edit that exposed it (the case is named).
describe('model-file fuzz regressions', () => {
  /** The conv base file with its JSON document edited by `edit`, well-formed otherwise. */
  function edited(edit: (doc: { model: Record<string, unknown>; weights: unknown[] }) => void): Uint8Array {
    const { doc, weights } = split(bases[0]!.bytes);
    edit(doc as { model: Record<string, unknown>; weights: unknown[] });
    return wellFormed(JSON.stringify(doc), weights);
  }
  async function loadError(bytes: Uint8Array): Promise<Error> {
    try {
      const m = await modelFromSerialized(deserialize(bytes, 'bad.simdnet'), { runtime: rt });
      m.dispose();
    } catch (e) {
      return e as Error;
    }
    throw new Error('expected the file to be refused');
  }

  it('like seed 5e70003 case 114: "model": null is a ModelFormatError, not a TypeError', () => {
    const bytes = edited((d) => { (d as Record<string, unknown>).model = null; });
    expect(() => deserialize(bytes, 'bad.simdnet')).toThrow(ModelFormatError);
    expect(() => deserialize(bytes, 'bad.simdnet')).toThrow(/^bad\.simdnet: the JSON header lacks .* \(at byte offset 24\)$/);
  });

  it('like seed 5e70003 case 12: a manifest entry that is not an object says so (was "entry 0 (undefined)")', () => {
    const bytes = edited((d) => { d.weights[0] = 'Dense'; });
    expect(() => deserialize(bytes, 'bad.simdnet')).toThrow(/^bad\.simdnet: weights manifest entry 0 is malformed: it is "Dense", not an object/);
  });

  it('like seed 5e70002 case 0: errors from rebuilding the model name the file and the offset', async () => {
    const bytes = edited((d) => { (d.model.layers as { config: Record<string, unknown> }[])[0]!.config.filters = 2.5; });
    const e = await loadError(bytes);
    expect(e).toBeInstanceOf(ModelFormatError);
    expect(e.message).toMatch(/^bad\.simdnet: layer 0: Conv2D .*filters.* \(at byte offset 24\)$/);
  });

  it('like seed 5e70002 case 484: a layer without a type is named as such (was "unknown layer type undefined")', async () => {
    const bytes = edited((d) => { delete (d.model.layers as Record<string, unknown>[])[0]!.type; });
    expect((await loadError(bytes)).message).toMatch(/^bad\.simdnet: layer 0 is \{"config":.*; expected \{ type: string, config \}/);
  });

  it('like seed 5e70002 case 197: a missing optimizer entry is named as such (was "got undefined")', async () => {
    const bytes = edited((d) => { delete d.model.optimizer; });
    expect((await loadError(bytes)).message).toMatch(/^bad\.simdnet: the optimizer entry must be \{ type, config \}, got none/);
  });

  it('like seed 5e70003 case 594: an input shape of [1000000, 6, 1] with 47 stored weights is refused before compile allocates', async () => {
    const bytes = edited((d) => { (d.model.inputShape as number[])[0] = 1e6; });
    const before = rt.arena.capacity;
    const e = await loadError(bytes);
    // Before the fix, compile planned ~96 MB of wasm memory and only setWeights refused the file.
    expect(rt.arena.capacity - before).toBe(0);
    expect(e).toBeInstanceOf(ModelFormatError);
    expect(e.message).toMatch(/^bad\.simdnet: the topology needs \d+ parameters but the weights manifest holds 47; .* \(at byte offset 24\)$/);
  });

  // The exact failing inputs, rebuilt from seed + case index as the fuzz loops build them.
  it('the failing cases replayed exactly give clear ModelFormatErrors naming the file, without wasm growth', async () => {
    const replays: [string, number, number][] = [
      ['fixed', SEED_FIXED, 0], ['fixed', SEED_FIXED, 197], ['fixed', SEED_FIXED, 484], ['fixed', SEED_FIXED, 1402],
      ['json', SEED_JSON, 12], ['json', SEED_JSON, 13], ['json', SEED_JSON, 77], ['json', SEED_JSON, 114], ['json', SEED_JSON, 594],
    ];
    for (const [mode, seed, i] of replays) {
      const base = bases[i % bases.length]!;
      let bytes: Uint8Array;
      if (mode === 'fixed') {
        bytes = mutateCase(base.bytes, seed, i, FIELDS.slice(0, -1)).bytes;
        patchCrc(bytes);
      } else {
        const { doc, weights } = split(base.bytes);
        mutateJson(doc, makeRng(caseSeed(seed, i)));
        bytes = wellFormed(JSON.stringify(doc), weights);
      }
      const before = rt.arena.capacity;
      const e = await loadError(bytes);
      expectClearError(`${mode} case ${i}`, e, 'bad.simdnet', ModelFormatError);
      expect(rt.arena.capacity - before, `${mode} case ${i}`).toBe(0);
    }
  });

  it('a file whose weights do not fit the model gives its compiled memory back', async () => {
    // Same parameter count, wrong name: only setWeights can tell, after compile.
    const bytes = edited((d) => { (d.weights[0] as { name: string }).name = 'conv2d_1/kernelX'; });
    const live = rt.arena.liveBytes;
    const e = await loadError(bytes);
    expect(e.message).toMatch(/^bad\.simdnet: setWeights: .*\(at byte offset 24\)$/);
    expect(rt.arena.liveBytes).toBe(live);
  });
});
