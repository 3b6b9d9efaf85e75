// Shared machinery for the decoder fuzz tests: seeded mutations of a valid file, and a checker
// that runs one decode and insists on a valid result or a clear Error: no non-Error throw, no
// decode slower than the per-input cap, no allocation out of proportion to the input, and nothing
// written to stdout.
//
// Every case draws its mutations from its own generator, makeRng(caseSeed(seed, i)), so a failing
// case is reproduced from (seed, i) alone: mutateCase(base, seed, i, fields) gives the same bytes.
import { expect, vi } from 'vitest';
import { makeRng } from '../helpers/rng.js';

/** Per-input time cap: a decode that takes longer counts as a hang. */
export const HANG_CAP_MS = 1000;

/** A header field the mutator may rewrite with boundary values. */
export interface Field {
  name: string;
  offset: number;
  size: 1 | 2 | 4;
  /** Byte order; default big-endian. */
  le?: boolean;
}

export type Rng = () => number;

/** Mixes a suite seed and a case index into one 32-bit seed (so cases are independent). */
export function caseSeed(seed: number, i: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(i + 1, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 0;
}

const int = (rng: Rng, n: number): number => Math.floor(rng() * n);

/** Boundary values for a field of `size` bytes whose current value is `cur`. */
function interesting(rng: Rng, size: number, cur: number): number {
  const max = size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
  const picks = [0, 1, 2, 3, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff,
    cur + 1, cur - 1, cur * 2, cur >>> 1, cur + 4, cur - 4, int(rng, max + 1)];
  const v = picks[int(rng, picks.length)]!;
  return ((v % (max + 1)) + (max + 1)) % (max + 1);
}

function readField(b: Uint8Array, f: Field): number {
  let v = 0;
  for (let k = 0; k < f.size; k++) v = v * 256 + b[f.offset + (f.le ? f.size - 1 - k : k)]!;
  return v;
}

function writeField(b: Uint8Array, f: Field, v: number): void {
  for (let k = 0; k < f.size; k++) {
    const byte = Math.floor(v / 256 ** k) & 0xff;
    b[f.offset + (f.le ? k : f.size - 1 - k)] = byte;
  }
}

export type MutationKind = 'truncate' | 'flip' | 'set' | 'insert' | 'delete' | 'duplicate' | 'field';

/** Applies one random mutation of `kind` to `b`; returns the new bytes and a description. */
export function mutateOnce(rng: Rng, b: Uint8Array, kind: MutationKind, fields: readonly Field[]): { bytes: Uint8Array; what: string } {
  const n = b.length;
  // Positions favour the first 64 bytes half the time: that is where the headers are.
  const pos = (limit: number) => (rng() < 0.5 ? int(rng, Math.min(limit, 64)) : int(rng, limit));
  switch (kind) {
    case 'truncate': {
      const at = rng() < 0.3 ? int(rng, Math.min(n + 1, 40)) : int(rng, n + 1);
      return { bytes: b.slice(0, at), what: `truncate to ${at}` };
    }
    case 'flip': {
      if (n === 0) return { bytes: b.slice(), what: 'flip (empty)' };
      const at = pos(n);
      const bit = int(rng, 8);
      const out = b.slice();
      out[at]! ^= 1 << bit;
      return { bytes: out, what: `flip bit ${bit} at ${at}` };
    }
    case 'set': {
      if (n === 0) return { bytes: b.slice(), what: 'set (empty)' };
      const at = pos(n);
      const v = [0, 0xff, 0x7f, 0x80, int(rng, 256)][int(rng, 5)]!;
      const out = b.slice();
      out[at] = v;
      return { bytes: out, what: `set ${at}=${v}` };
    }
    case 'insert': {
      const at = pos(n + 1);
      const len = 1 + int(rng, rng() < 0.8 ? 8 : 600);
      const fill = Uint8Array.from({ length: len }, () => int(rng, 256));
      const out = new Uint8Array(n + len);
      out.set(b.subarray(0, at), 0);
      out.set(fill, at);
      out.set(b.subarray(at), at + len);
      return { bytes: out, what: `insert ${len} at ${at}` };
    }
    case 'delete': {
      if (n === 0) return { bytes: b.slice(), what: 'delete (empty)' };
      const at = pos(n);
      const len = 1 + int(rng, Math.min(n - at, rng() < 0.8 ? 8 : 600));
      const out = new Uint8Array(n - len);
      out.set(b.subarray(0, at), 0);
      out.set(b.subarray(at + len), at);
      return { bytes: out, what: `delete ${len} at ${at}` };
    }
    case 'duplicate': {
      if (n === 0) return { bytes: b.slice(), what: 'duplicate (empty)' };
      const at = int(rng, n);
      const len = 1 + int(rng, Math.min(n - at, 64));
      const out = new Uint8Array(n + len);
      out.set(b.subarray(0, at + len), 0);
      out.set(b.subarray(at, at + len), at + len);
      out.set(b.subarray(at + len), at + 2 * len);
      return { bytes: out, what: `duplicate ${len} at ${at}` };
    }
    case 'field': {
      const usable = fields.filter((f) => f.offset + f.size <= n);
      if (usable.length === 0) return mutateOnce(rng, b, 'set', fields);
      const f = usable[int(rng, usable.length)]!;
      const v = interesting(rng, f.size, readField(b, f));
      const out = b.slice();
      writeField(out, f, v);
      return { bytes: out, what: `${f.name}@${f.offset}=${v}` };
    }
  }
}

/** Relative odds of each mutation kind. */
const KINDS: readonly [MutationKind, number][] = [
  ['truncate', 2], ['flip', 3], ['set', 2], ['insert', 2], ['delete', 2], ['duplicate', 1], ['field', 4],
];
const KIND_TOTAL = KINDS.reduce((a, [, w]) => a + w, 0);

function pickKind(rng: Rng, noField: boolean): MutationKind {
  for (;;) {
    let r = rng() * KIND_TOTAL;
    for (const [k, w] of KINDS) {
      if ((r -= w) < 0) {
        if (k === 'field' && noField) break;
        return k;
      }
    }
  }
}

/** Case i of suite `seed`: one to three stacked mutations of `base`. Deterministic in (seed, i). */
export function mutateCase(base: Uint8Array, seed: number, i: number, fields: readonly Field[]): { bytes: Uint8Array; what: string } {
  const rng = makeRng(caseSeed(seed, i));
  const steps = 1 + (rng() < 0.6 ? 0 : int(rng, 3));
  let bytes = base;
  const what: string[] = [];
  for (let s = 0; s < steps; s++) {
    const m = mutateOnce(rng, bytes, pickKind(rng, fields.length === 0), fields);
    bytes = m.bytes;
    what.push(m.what);
  }
  return { bytes, what: what.join('; ') };
}

/** What one decode did. */
export type Outcome<T> = { ok: true; value: T; ms: number } | { ok: false; error: unknown; ms: number };

/** Bytes of ArrayBuffers (typed-array backing stores, Buffers) currently alive in this process. */
function bufferBytes(): number {
  const m = process.memoryUsage();
  return m.arrayBuffers + m.heapUsed;
}

/** The time cap and the memory bound, asserted on one finished decode. */
function checked<T>(label: string, out: Outcome<T>, before: number, maxGrowth: number): Outcome<T> {
  const grew = bufferBytes() - before;
  expect(out.ms, `${label}: took ${out.ms.toFixed(0)} ms (cap ${HANG_CAP_MS} ms)`).toBeLessThan(HANG_CAP_MS);
  expect(grew, `${label}: memory grew by ${grew} bytes during one decode (bound ${maxGrowth})`).toBeLessThanOrEqual(maxGrowth);
  return out;
}

/**
 * Runs `fn` and records what it did. Asserts the time cap, and that memory held after the call
 * (buffers + JS heap, before any collection) grew by at most `maxGrowth` bytes: a decoder that
 * allocates what a corrupt header claims, rather than what the file holds, trips this.
 */
export function runSync<T>(label: string, fn: () => T, maxGrowth: number): Outcome<T> {
  const before = bufferBytes();
  const t0 = performance.now();
  let out: Outcome<T>;
  try {
    const value = fn();
    out = { ok: true, value, ms: performance.now() - t0 };
  } catch (error) {
    out = { ok: false, error, ms: performance.now() - t0 };
  }
  return checked(label, out, before, maxGrowth);
}

/** runSync for an async decode (file reads, gunzip). */
export async function runAsync<T>(label: string, fn: () => Promise<T>, maxGrowth: number): Promise<Outcome<T>> {
  const before = bufferBytes();
  const t0 = performance.now();
  let out: Outcome<T>;
  try {
    const value = await fn();
    out = { ok: true, value, ms: performance.now() - t0 };
  } catch (error) {
    out = { ok: false, error, ms: performance.now() - t0 };
  }
  return checked(label, out, before, maxGrowth);
}

/**
 * Asserts `error` is a clear one: an Error (of `type` when given) with a one-line message that
 * contains `names` (the file) and no placeholder text: "[object …]", or "undefined" other than
 * as the value found ("got undefined" says what was there; "entry 0 (undefined)" does not).
 */
export function expectClearError(label: string, error: unknown, names: string, type?: abstract new (...a: never[]) => Error): void {
  expect(error, `${label}: threw a non-Error: ${String(error)}`).toBeInstanceOf(Error);
  if (type) expect(error, `${label}: expected ${type.name}, got ${(error as Error).name}: ${(error as Error).message}`).toBeInstanceOf(type);
  const msg = (error as Error).message;
  expect(msg, `${label}: the message does not name the file: ${msg}`).toContain(names);
  expect(msg, `${label}: the message spans lines: ${msg}`).not.toMatch(/\n/);
  expect(msg, `${label}: the message has placeholder text: ${msg}`).not.toMatch(/(?<!got )\bundefined\b|\[object /);
}

/**
 * Spies on stdout and console.log/info/debug for the duration of a test. `check()` fails if
 * anything was written since the last check; `restore()` puts everything back.
 */
export function watchStdout(): { check: (label: string) => void; restore: () => void } {
  const written: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    return true;
  });
  const spies = (['log', 'info', 'debug'] as const).map((m) =>
    vi.spyOn(console, m).mockImplementation((...args: unknown[]) => { written.push(args.map(String).join(' ')); }));
  return {
    check(label) {
      const got = written.splice(0);
      expect(got, `${label}: printed to stdout`).toEqual([]);
    },
    restore() {
      write.mockRestore();
      for (const s of spies) s.mockRestore();
    },
  };
}

/** Counts outcomes per kind, for the summary each suite checks (both paths must be exercised). */
export class Tally {
  readonly counts = new Map<string, number>();
  add(key: string): void { this.counts.set(key, (this.counts.get(key) ?? 0) + 1); }
  get(key: string): number { return this.counts.get(key) ?? 0; }
  get total(): number { let t = 0; for (const v of this.counts.values()) t += v; return t; }
}
