// Helpers for the CLI tests: an in-memory stdout/stderr and a scratch directory per test file.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIO } from '../../src/cli/common.js';

export interface Captured {
  io: CliIO;
  out: () => string;
  err: () => string;
}

/** stdout/stderr that collect text; not TTYs, so the train script prints plain log lines. */
export function capture(): Captured {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: { write: (s: string) => { out += s; return true; }, isTTY: false },
      stderr: { write: (s: string) => { err += s; return true; }, isTTY: false },
    },
    out: () => out,
    err: () => err,
  };
}

/** Runs a CLI main with captured output. */
export async function runCli(main: (argv: string[], io: CliIO) => Promise<number>, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const c = capture();
  const code = await main(argv, c.io);
  return { code, out: c.out(), err: c.err() };
}

export async function scratchDir(tag: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `simdnet-cli-${tag}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function readJson<T = Record<string, unknown>>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}
