// The browser entry reaches no Node built-in: esbuild bundles src/browser.ts for the browser
// with nothing marked external, so any `node:` import (static or dynamic) fails the build, and
// the metafile must list no node: import and no file outside src/.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('the browser entry', () => {
  for (const entry of ['src/browser.ts', 'src/browser/trainer-worker.ts']) {
    it(`${entry} bundles for platform 'browser' with no externals and imports nothing from Node`, async () => {
      const out = await build({
        entryPoints: [join(root, entry)], bundle: true, format: 'esm', platform: 'browser', target: 'es2022',
        write: false, metafile: true, logLevel: 'silent',
      });
      const inputs = Object.entries(out.metafile.inputs);
      const nodeImports = inputs.flatMap(([file, i]) => i.imports.filter((m) => m.path.startsWith('node:') || m.external).map((m) => `${file} -> ${m.path}`));
      expect(nodeImports).toEqual([]);
      expect(inputs.map(([f]) => f).filter((f) => !f.startsWith('src/')), 'only the library\'s own modules').toEqual([]);
      // The defaults a bundler resolves: the kernel builds next to the loader, the worker next to the client.
      const text = out.outputFiles[0]!.text;
      if (entry === 'src/browser.ts') expect(text).toContain('new URL("./trainer-worker.js", import.meta.url)');
      for (const w of ['naive.wasm', 'simd.wasm', 'naive.shared.wasm', 'simd.shared.wasm']) expect(text).toContain(`new URL("./${w}", import.meta.url)`);
    });
  }
});
