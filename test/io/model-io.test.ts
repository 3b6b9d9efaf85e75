// Save/load: the single-file format round-trips bit-identically (weights and predictions),
// rebuilds layers through the registry, writes atomically, and rejects truncated, corrupt,
// foreign and future-version files with errors that name the byte offset.
import { describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getRuntime } from '../helpers/runtime.js';
import { makeRng } from '../helpers/rng.js';
import { Sequential } from '../../src/model/sequential.js';
import { Conv2D } from '../../src/layers/conv2d.js';
import { MaxPool2D, AvgPool2D } from '../../src/layers/pool2d.js';
import { Dense } from '../../src/layers/dense.js';
import { Flatten } from '../../src/layers/flatten.js';
import { Dropout } from '../../src/layers/dropout.js';
import { Softmax } from '../../src/layers/activations.js';
import { serialize, deserialize, modelFromSerialized } from '../../src/io/model-io.js';
import { crc32, HEADER_BYTES, ModelFormatError } from '../../src/io/format.js';
import { saveModel, loadModel } from '../../src/io/model-node.js';
import { synthDataset } from '../model/util.js';

async function trained(): Promise<Sequential> {
  const m = new Sequential([
    new Conv2D({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }), new MaxPool2D({ poolSize: 2 }),
    new Conv2D({ filters: 3, kernelSize: [2, 3], strides: [1, 2], activation: 'tanh', kernelInitializer: 'heNormal' }),
    new AvgPool2D({ poolSize: 2, padding: 'same' }), new Dropout({ rate: 0.2 }), new Flatten(),
    new Dense({ units: 6, activation: 'sigmoid' }), new Dense({ units: 3, useBias: false }), new Softmax(),
  ], 'io-test');
  m.compileWith(await getRuntime(), { inputShape: [10, 12, 2], optimizer: { type: 'momentum', lr: 0.05, momentum: 0.5, weightDecay: 1e-4 }, seed: 4 });
  await m.fit(synthDataset(40, [10, 12, 2], 3, 6), { epochs: 1, batchSize: 8 });
  return m;
}

function patchCrc(bytes: Uint8Array): void {
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(20, crc32(bytes, HEADER_BYTES), true);
}

describe('model file round trip', () => {
  it('serialize → deserialize → model gives bit-identical weights and predictions', async () => {
    const m = await trained();
    const bytes = serialize(m);
    const parsed = deserialize(bytes);
    expect(parsed.topology.inputShape).toEqual([10, 12, 2]);
    expect(parsed.topology.layers.map((l) => l.type)).toEqual(['Conv2D', 'MaxPool2D', 'Conv2D', 'AvgPool2D', 'Dropout', 'Flatten', 'Dense', 'Dense', 'Softmax']);
    expect(parsed.topology.optimizer).toEqual({ type: 'momentum', config: { lr: 0.05, momentum: 0.5, weightDecay: 1e-4 } });
    const back = await modelFromSerialized(parsed, { runtime: await getRuntime() });
    expect(back.layers.map((l) => l.name)).toEqual(m.layers.map((l) => l.name));
    const w0 = m.getWeights();
    const w1 = back.getWeights();
    expect(w1.map((w) => w.name)).toEqual(w0.map((w) => w.name));
    w0.forEach((w, i) => expect(Array.from(new Uint32Array(w1[i]!.data.buffer))).toEqual(Array.from(new Uint32Array(w.data.buffer))));
    const rng = makeRng(8);
    const x = Float32Array.from({ length: 7 * 240 }, () => rng());
    const p0 = m.predict(x);
    const p1 = back.predict(x);
    expect(Array.from(new Uint32Array(p1.probabilities.buffer))).toEqual(Array.from(new Uint32Array(p0.probabilities.buffer)));
    expect(back.summary()).toContain('Total params: ' + m.nParams.toLocaleString('en-US'));
    // Serialising the loaded model gives the same bytes.
    expect(Array.from(serialize(back))).toEqual(Array.from(bytes));
  });

  it('saveModel writes via a temp file + rename; loadModel reads it back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'simdnet-io-'));
    const path = join(dir, 'model.snet');
    const m = await trained();
    await saveModel(m, path);
    expect(await readdir(dir)).toEqual(['model.snet']); // no temp file left behind
    const back = await loadModel(path, { runtime: await getRuntime() });
    const x = new Float32Array(240).fill(0.5);
    expect(Array.from(back.predict(x).probabilities)).toEqual(Array.from(m.predict(x).probabilities));
    // Overwriting an existing file also goes through rename: the old file is replaced whole.
    await saveModel(back, path);
    expect(Array.from(new Uint8Array(await readFile(path)))).toEqual(Array.from(serialize(m)));
    // A short text file is not ours, whatever its length: the magic is checked before the size.
    await writeFile(path, 'hello');
    await expect(loadModel(path)).rejects.toThrow(new RegExp(`${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: not a simdnet model file: bad magic bytes 68 65 6c 6c 6f`));
  });
});

describe('bad files are rejected with the byte offset', () => {
  it('truncated, foreign, future version, corrupt, trailing bytes, broken JSON, manifest past the end', async () => {
    const good = serialize(await trained());
    const fails = (b: Uint8Array, re: RegExp) => {
      let err: unknown;
      try { deserialize(b, 'm.snet'); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(ModelFormatError);
      expect((err as Error).message).toMatch(re);
      return err as ModelFormatError;
    };
    fails(good.slice(0, 10), /m\.snet: truncated: 10 bytes, but the header alone is 24 bytes \(at byte offset 10\)/);
    // Shorter than the header: a prefix of our magic is truncated, anything else is foreign (an
    // 8-byte JSON file used to be reported as "truncated").
    fails(good.slice(0, 3), /m\.snet: truncated: 3 bytes, but the header alone is 24 bytes \(at byte offset 3\)/);
    fails(new Uint8Array(0), /m\.snet: truncated: 0 bytes/);
    fails(new TextEncoder().encode('{"a": 1}'), /m\.snet: not a simdnet model file: bad magic bytes 7b 22 61 22 3a 20 31 7d \(expected .*\) \(at byte offset 0\)/);
    fails(new Uint8Array([0x89, 0x53, 0x4e, 0x45, 0x55]), /not a simdnet model file: bad magic bytes 89 53 4e 45 55 .* \(at byte offset 4\)/);
    expect(fails(good.slice(0, good.length - 3), /truncated: .* the file should be \d+ bytes, but it ends after \d+/).offset).toBe(good.length - 3);
    const png = good.slice();
    png.set([0x89, 0x50, 0x4e, 0x47], 0);
    fails(png, /not a simdnet model file: bad magic bytes 89 50 4e 47 54 0d 0a 1a .* \(at byte offset 1\)/);
    const v2 = good.slice();
    v2[8] = 2;
    fails(v2, /format version 2 is not supported \(this build reads version 1\) \(at byte offset 8\)/);
    const flipped = good.slice();
    flipped[flipped.length - 5]! ^= 0x10;
    fails(flipped, /corrupt: checksum .* \(at byte offset 20\)/);
    const longer = new Uint8Array(good.length + 4);
    longer.set(good);
    fails(longer, /4 unexpected bytes after the weights/);
    const badJson = good.slice();
    badJson[HEADER_BYTES] = 0x5b; // '[' instead of '{'
    patchCrc(badJson);
    fails(badJson, /JSON header is not valid UTF-8 JSON.*\(at byte offset 24\)/);
    // A manifest entry pointing past the weights: rewrite the JSON (same length) and the checksum.
    const J = new DataView(good.buffer).getUint32(12, true);
    const json = new TextDecoder().decode(good.subarray(HEADER_BYTES, HEADER_BYTES + J));
    const evil = json.replace(/"offset":0,/, '"offset":9,'); // same length, misaligned
    const bad = good.slice();
    bad.set(new TextEncoder().encode(evil), HEADER_BYTES);
    patchCrc(bad);
    fails(bad, /weights manifest entry 0 'conv2d_1\/kernel' is malformed: it has offset 9, not a non-negative multiple of 4/);
  });

  it('a file whose topology names an unknown layer type says so', async () => {
    const good = serialize(await trained());
    const J = new DataView(good.buffer).getUint32(12, true);
    const json = new TextDecoder().decode(good.subarray(HEADER_BYTES, HEADER_BYTES + J)).replace('"type":"AvgPool2D"', '"type":"AvgPoolXX"');
    const bad = good.slice();
    bad.set(new TextEncoder().encode(json), HEADER_BYTES);
    patchCrc(bad);
    await expect(modelFromSerialized(bad, { runtime: await getRuntime() })).rejects.toThrow(/layer 3: unknown layer type "AvgPoolXX"; known types: Conv2D/);
  });
});
