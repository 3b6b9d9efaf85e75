// The browser entry reaches no Node built-in: esbuild bundles src/browser.ts for the browser
// with nothing marked external, so any `node:` import (static or dynamic) fails the build, and
// the metafile must list no node: import and no file outside src/ but the runtime dependencies'
// (protobufjs for ONNX, and what it needs). A module a dependency's package.json "browser" field
// turns off (protobufjs's `fs: false`) is listed as "(disabled):NAME": esbuild bundles an empty
// module for it, so it reaches nothing either.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The package's runtime dependencies and theirs (names), read from the installed package.json files. */
function runtimeDependencies(): Set<string> {
  const seen = new Set<string>();
  const visit = (dir: string): void => {
    const deps = Object.keys((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: object }).dependencies ?? {});
    for (const d of deps) {
      if (seen.has(d)) continue;
      seen.add(d);
      visit(join(root, 'node_modules', d));
    }
  };
  visit(root);
  return seen;
}
const allowed = runtimeDependencies();
const packageOf = (file: string): string | undefined => /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file)?.[1];

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
      const foreign = inputs.map(([f]) => f).filter((f) => !f.startsWith('src/') && !f.startsWith('(disabled):') && !allowed.has(packageOf(f) ?? ''));
      expect(foreign, 'only the library\'s own modules and its runtime dependencies').toEqual([]);
      const disabled = inputs.map(([f]) => f).filter((f) => f.startsWith('(disabled):'));
      expect(disabled.filter((f) => f !== '(disabled):fs'), 'only what protobufjs\'s browser field turns off').toEqual([]);
      // The defaults a bundler resolves: the kernel builds next to the loader, the worker next to the client.
      const text = out.outputFiles[0]!.text;
      if (entry === 'src/browser.ts') expect(text).toContain('new URL("./trainer-worker.js", import.meta.url)');
      for (const w of ['naive.wasm', 'simd.wasm', 'naive.shared.wasm', 'simd.shared.wasm', 'relaxed.wasm', 'relaxed.shared.wasm']) expect(text).toContain(`new URL("./${w}", import.meta.url)`);
    });
  }
});
