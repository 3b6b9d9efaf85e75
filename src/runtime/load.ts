// Loads the kernel builds into one shared memory, in Node (from disk) and in the
// browser (from a URL), with the same code.
//
// Both builds import `env.memory` and never allocate, so they can share one memory:
// the naive and SIMD kernels see the same tensors, which lets tests and benchmarks run
// them side by side on identical data.

import { Arena } from './arena.js';
import { KERNEL_NAMES, type Kernels } from './abi.js';
import { simdSupported } from './features.js';

export type BuildName = 'naive' | 'simd';
export type WasmSource = BufferSource | Response | URL | string;

export interface LoadOptions {
  /** Which build `runtime.kernels` uses. 'auto' (default): SIMD when supported. */
  build?: BuildName | 'auto';
  /** Where to get each build: bytes, a Response, or a URL/path. Defaults to build/<name>.wasm. */
  sources?: Partial<Record<BuildName, WasmSource>>;
  /** Base URL for the default sources in a browser (default: next to this module's package). */
  baseUrl?: string | URL;
  /** Called with a warning (default: console.warn), e.g. when SIMD falls back to naive. */
  warn?: (message: string) => void;
}

export interface Runtime {
  arena: Arena;
  /** The build chosen by `options.build`. */
  kernels: Kernels;
  build: BuildName;
  /** The naive build, always loaded (it runs everywhere). */
  naive: Kernels;
  /** The SIMD build, or undefined where the engine lacks wasm SIMD. */
  simd?: Kernels;
}

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

async function defaultBytes(name: BuildName, baseUrl?: string | URL): Promise<BufferSource> {
  const file = `${name}.wasm`;
  if (baseUrl !== undefined) return fetchBytes(new URL(file, baseUrl));
  // From src/runtime/*.ts the builds sit in ../../build; from build/lib/runtime/*.js in ../..
  const candidates = [new URL(`../../build/${file}`, import.meta.url), new URL(`../../${file}`, import.meta.url)];
  if (isNode) {
    const fs = await import('node:fs/promises');
    for (const url of candidates) {
      try {
        return new Uint8Array(await fs.readFile(url));
      } catch { /* try the next place */ }
    }
    throw new Error(`simdnet: cannot find ${file}; looked at ${candidates.map((u) => u.pathname).join(' and ')}. ` +
      `Run "npm run asbuild" to compile the kernels.`);
  }
  return fetchBytes(candidates[1]!);
}

async function fetchBytes(url: URL | string): Promise<ArrayBuffer> {
  if (isNode && (url instanceof URL ? url.protocol === 'file:' : !/^[a-z]+:/i.test(url))) {
    const fs = await import('node:fs/promises');
    const buf = await fs.readFile(url);
    return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`simdnet: fetching ${String(url)} failed with HTTP ${res.status}`);
  return res.arrayBuffer();
}

async function sourceBytes(src: WasmSource): Promise<BufferSource> {
  if (typeof src === 'string' || src instanceof URL) return fetchBytes(src);
  if (typeof Response !== 'undefined' && src instanceof Response) return src.arrayBuffer();
  return src as BufferSource;
}

async function instantiate(name: BuildName, bytes: BufferSource, memory: WebAssembly.Memory): Promise<Kernels> {
  const { instance } = await WebAssembly.instantiate(bytes, { env: { memory } });
  const exports = instance.exports as Record<string, unknown>;
  const missing = KERNEL_NAMES.filter((k) => typeof exports[k] !== 'function');
  if (missing.length > 0) {
    throw new Error(`simdnet: the ${name} build lacks kernels ${missing.join(', ')}; rebuild with "npm run asbuild"`);
  }
  return exports as unknown as Kernels;
}

/** Loads both builds over one new memory and returns the runtime. */
export async function loadRuntime(options: LoadOptions = {}): Promise<Runtime> {
  const want = options.build ?? 'auto';
  if (want !== 'auto' && want !== 'naive' && want !== 'simd') {
    throw new TypeError(`simdnet: build must be 'auto', 'naive' or 'simd', got ${JSON.stringify(want)}`);
  }
  const warn = options.warn ?? ((m: string) => console.warn(m));
  const arena = new Arena();
  const get = (name: BuildName) => {
    const src = options.sources?.[name];
    return src !== undefined ? sourceBytes(src) : defaultBytes(name, options.baseUrl);
  };
  const naive = await instantiate('naive', await get('naive'), arena.memory);
  let simd: Kernels | undefined;
  if (simdSupported()) {
    simd = await instantiate('simd', await get('simd'), arena.memory);
  } else if (want !== 'naive') {
    warn('simdnet: this engine has no WebAssembly SIMD; using the naive (scalar) kernels, which are several times slower.');
  }
  const build: BuildName = want === 'naive' || simd === undefined ? 'naive' : 'simd';
  return { arena, naive, simd, build, kernels: build === 'simd' ? simd! : naive };
}
