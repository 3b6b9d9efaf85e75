// Build step (`npm run build:assets`, part of `npm run build`): the files the browser code fetches,
// placed next to the modules that reference them with `new URL('./<file>', import.meta.url)`, so
// that bundlers find them and a flat bundle directory works with the default URLs:
//   build/lib/runtime/{naive,simd}{,.shared}.wasm   copies of build/*.wasm (see src/runtime/load.ts)
//   build/lib/browser/mnist-embedded.bin            the `mnist` package's digits, gzipped
//                                                   (format: src/data/mnist-embedded.ts)
// Run from the compiled output (node build/lib/tools/assets.js) after tsc.

import { copyFile, mkdir, rename, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { loadEmbeddedDigitBytes } from '../data/mnist-node.js';
import { encodeEmbeddedDigits } from '../data/mnist-embedded.js';

/** The build/ folder: this file runs as build/lib/tools/assets.js (or src/tools/assets.ts under tsx). */
const buildDir = new URL(import.meta.url.includes('/build/lib/') ? '../../' : '../../build/', import.meta.url);

export const WASM_FILES = ['naive.wasm', 'simd.wasm', 'naive.shared.wasm', 'simd.shared.wasm'] as const;
export const DIGITS_FILE = 'mnist-embedded.bin';

/** Writes via a temporary name and a rename, so a reader (another test, a server) never sees half a file. */
async function replace(to: URL, write: (tmp: URL) => Promise<void>): Promise<void> {
  const tmp = new URL(`${to.href}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  await write(tmp);
  await rename(tmp, to);
}

export async function buildAssets(): Promise<string[]> {
  const runtimeDir = new URL('lib/runtime/', buildDir);
  const browserDir = new URL('lib/browser/', buildDir);
  await mkdir(runtimeDir, { recursive: true });
  await mkdir(browserDir, { recursive: true });
  const written: string[] = [];
  for (const f of WASM_FILES) {
    const to = new URL(f, runtimeDir);
    try {
      await replace(to, (tmp) => copyFile(new URL(f, buildDir), tmp));
    } catch (e) {
      throw new Error(`assets: cannot copy build/${f} (run "npm run asbuild" first): ${(e as Error).message}`);
    }
    written.push(fileURLToPath(to));
  }
  const digits = encodeEmbeddedDigits(await loadEmbeddedDigitBytes());
  const to = new URL(DIGITS_FILE, browserDir);
  const gz = gzipSync(digits, { level: 9 });
  await replace(to, (tmp) => writeFile(tmp, gz));
  written.push(fileURLToPath(to));
  return written;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = await buildAssets();
  console.log(`assets: wrote ${files.length} files:\n  ${files.join('\n  ')}`);
}
