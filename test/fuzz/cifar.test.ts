// Fuzz: CIFAR-10 binary batches (parseCifarBatch). The format has no header, so besides the
// generic mutations (truncations, bit flips, byte sets, insertions, deletions, duplications) the
// label byte of each record is a field, and some cases cut or grow the batch by whole records so
// that sizes which are a multiple of 3073 (the only ones that can parse) come up often.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CIFAR_RECORD_BYTES, parseCifarBatch } from '../../src/data/cifar.js';
import { DataFormatError } from '../../src/data/errors.js';
import { makeRng } from '../helpers/rng.js';
import { caseSeed, expectClearError, mutateCase, runSync, Tally, watchStdout, type Field } from './harness.js';

const SEED = 0xc1fa0001;
const CASES = 3000;
const RECORDS = 3;

function base(): Uint8Array {
  const rng = makeRng(10);
  const b = Uint8Array.from({ length: RECORDS * CIFAR_RECORD_BYTES }, () => Math.floor(rng() * 256));
  for (let r = 0; r < RECORDS; r++) b[r * CIFAR_RECORD_BYTES] = (r * 4) % 10;
  return b;
}

const FIELDS: Field[] = Array.from({ length: RECORDS + 1 }, (_, r) => ({ name: `label${r}`, offset: r * CIFAR_RECORD_BYTES, size: 1 }));

/** Whole-record edits: keep k records, or append copies of one (then maybe mutate further). */
function recordEdit(b: Uint8Array, i: number): Uint8Array {
  const rng = makeRng(caseSeed(SEED ^ 0xffff, i));
  const k = Math.floor(rng() * (RECORDS + 3));
  if (k <= RECORDS) return b.slice(0, k * CIFAR_RECORD_BYTES);
  const out = new Uint8Array(k * CIFAR_RECORD_BYTES);
  for (let r = 0; r < k; r++) out.set(b.subarray((r % RECORDS) * CIFAR_RECORD_BYTES, (r % RECORDS + 1) * CIFAR_RECORD_BYTES), r * CIFAR_RECORD_BYTES);
  return out;
}

let out: ReturnType<typeof watchStdout>;
beforeAll(() => { out = watchStdout(); });
afterAll(() => out.restore());

describe('fuzz: CIFAR-10 batches', () => {
  it(`${CASES} mutated batches parse consistently or fail with a DataFormatError naming the file`, () => {
    const good = base();
    const tally = new Tally();
    for (let i = 0; i < CASES; i++) {
      // A third of the cases start from a whole-record edit of the batch.
      const start = i % 3 === 0 ? recordEdit(good, i) : good;
      const { bytes, what } = mutateCase(start, SEED, i, FIELDS);
      const label = `seed ${SEED.toString(16)} case ${i} (${start.length / CIFAR_RECORD_BYTES} records: ${what})`;
      const file = `fuzz-${i}.bin`;
      const r = runSync(label, () => parseCifarBatch(bytes, file), 4 * bytes.length + 8 * 2 ** 20);
      out.check(label);
      if (!r.ok) {
        expectClearError(label, r.error, file, DataFormatError);
        tally.add('error');
        continue;
      }
      const d = r.value;
      expect(d.count * CIFAR_RECORD_BYTES, label).toBe(bytes.length);
      expect(d.images.length, label).toBe(d.count * 32 * 32 * 3);
      for (let k = 0; k < d.count; k++) {
        expect(d.labels[k], label).toBe(bytes[k * CIFAR_RECORD_BYTES]);
        expect(d.labels[k]! <= 9, label).toBe(true);
      }
      for (const v of d.images) if (!(v >= 0 && v <= 1)) expect.fail(`${label}: pixel ${v} outside [0, 1]`);
      tally.add('parsed');
    }
    expect(tally.get('error')).toBeGreaterThan(CASES / 4);
    expect(tally.get('parsed')).toBeGreaterThan(100);
  });
});
