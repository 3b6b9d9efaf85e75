// Loads the kernel builds into one shared memory, in Node (from disk) and in the
// browser (from a URL), with the same code.
//
// Both builds import `env.memory` and never allocate, so they can share one memory:
// the naive and SIMD kernels see the same tensors, which lets tests and benchmarks run
// them side by side on identical data.
//
// Each build exists twice, differing only in how the memory import is declared:
// <name>.shared.wasm imports a shared memory (AssemblyScript's threads feature), so the
// worker pool (src/pool) can instantiate the same module over the same memory in other
// threads; <name>.wasm imports an ordinary one, for engines without SharedArrayBuffer
// (a page that is not cross-origin isolated). The compiled modules are kept on the runtime
// so the pool can hand them to its workers.

import { Arena } from './arena.js';
import { KERNEL_NAMES, type Kernels } from './abi.js';
import { simdSupported } from './features.js';
import { shown } from '../util/format.js';

export type BuildName = 'naive' | 'simd';
export type WasmSource = BufferSource | Response | URL | string;

export interface LoadOptions {
  /** Which build `runtime.kernels` uses. 'auto' (default): SIMD when supported. */
  build?: BuildName | 'auto';
  /** Where to get each build: bytes, a Response, or a URL/path. Default: build/<name>.wasm in Node; in a browser, the copy next to this module (BROWSER_URLS). */
  sources?: Partial<Record<BuildName, WasmSource>>;
  /** Base URL of the folder holding the builds, in a browser (default: the copies next to this module, see BROWSER_URLS). */
  baseUrl?: string | URL;
  /** Called with a warning (default: console.warn), e.g. when SIMD falls back to naive. */
  warn?: (message: string) => void;
  /** Override SIMD detection (false: behave as on an engine without wasm SIMD). Default: detect. */
  simd?: boolean;
  /**
   * Use a shared memory and the .shared.wasm builds, which worker threads can run over.
   * Default: where SharedArrayBuffer is usable (Node; a cross-origin isolated page).
   * `sources` must then give the shared builds.
   */
  shared?: boolean;
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
  /** True when the memory is shared and the builds are the .shared.wasm ones (threads possible). */
  shared: boolean;
  /** The compiled modules behind `naive` and `simd`, for worker threads. */
  modules: { naive: WebAssembly.Module; simd?: WebAssembly.Module };
}

/** Whether this engine lets us share memory with worker threads. */
export function sharedMemorySupported(): boolean {
  if (typeof SharedArrayBuffer === 'undefined' || typeof Atomics === 'undefined') return false;
  if (isNode) return true;
  return (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
}

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

/**
 * The builds' default browser URLs, each written as `new URL('./<file>', import.meta.url)` so that
 * Vite and webpack find the files and emit them with the bundle. The package keeps a copy
 * of each build next to this module (build/lib/runtime/, made by `npm run build`); esbuild leaves
 * the expression alone, so there the files must sit next to the bundle that runs this code.
 */
const BROWSER_URLS: Record<string, () => URL> = {
  'naive.wasm': () => new URL('./naive.wasm', import.meta.url),
  'simd.wasm': () => new URL('./simd.wasm', import.meta.url),
  'naive.shared.wasm': () => new URL('./naive.shared.wasm', import.meta.url),
  'simd.shared.wasm': () => new URL('./simd.shared.wasm', import.meta.url),
};

/** This module's URL, kept in a variable so that bundlers do not take the Node paths below for assets. */
const here = import.meta.url;

/**
 * A Node built-in module, reached without an import statement a bundler would follow (the browser
 * entry must not reach node:fs): process.getBuiltinModule where it exists (Node >= 20.16), else a
 * dynamic import that bundlers are told to leave alone.
 */
async function nodeModule<T>(name: string): Promise<T> {
  const p = process as unknown as { getBuiltinModule?: (m: string) => unknown };
  return (p.getBuiltinModule?.(name) as T | undefined) ?? import(/* webpackIgnore: true */ /* @vite-ignore */ name) as Promise<T>;
}

type NodeFs = { readFile(path: URL | string): Promise<Uint8Array> };

async function defaultBytes(name: BuildName, shared: boolean, baseUrl?: string | URL): Promise<BufferSource> {
  const file = `${name}${shared ? '.shared' : ''}.wasm`;
  if (baseUrl !== undefined) return fetchBytes(new URL(file, baseUrl));
  if (!isNode) return fetchBytes(BROWSER_URLS[file]!());
  // From src/runtime/*.ts the builds sit in ../../build; from build/lib/runtime/*.js in ../..
  const candidates = [new URL(`../../build/${file}`, here), new URL(`../../${file}`, here)];
  const fs = await nodeModule<NodeFs>('node:fs/promises');
  for (const url of candidates) {
    try {
      return new Uint8Array(await fs.readFile(url));
    } catch { /* try the next place */ }
  }
  throw new Error(`simdnet: cannot find ${file}; looked at ${candidates.map((u) => u.pathname).join(' and ')}. ` +
    `Run "npm run asbuild" to compile the kernels.`);
}

async function fetchBytes(url: URL | string): Promise<ArrayBuffer> {
  if (isNode && (url instanceof URL ? url.protocol === 'file:' : !/^[a-z]+:/i.test(url))) {
    const fs = await nodeModule<NodeFs>('node:fs/promises');
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

/**
 * Throws if a module carries static data (a data section with any segment). The builds
 * share one memory with the arena, which starts at byte 16: a data segment (e.g. the
 * lookup tables behind AssemblyScript's Mathf.exp) would sit under tensors and be
 * overwritten, and two builds' segments would overwrite each other. Kernels must not
 * use anything that needs static data.
 */
export function assertNoStaticData(bytes: BufferSource, name: string): void {
  const b = bytes instanceof ArrayBuffer ? new Uint8Array(bytes)
    : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 8; // magic + version
  const leb = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (pos >= b.length) throw new Error(`simdnet: ${name}.wasm is truncated at byte ${pos}`);
      const byte = b[pos++]!;
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
    }
  };
  while (pos < b.length) {
    const id = b[pos++]!;
    const size = leb();
    const start = pos;
    if (id === 11 && leb() > 0) {
      throw new Error(`simdnet: ${name}.wasm has static data (a data section at byte ${start}); kernels share one ` +
        'memory with the tensors and must not use data segments (e.g. Mathf lookup tables)');
    }
    pos = start + size;
  }
}

async function instantiate(name: BuildName, bytes: BufferSource, memory: WebAssembly.Memory): Promise<{ kernels: Kernels; module: WebAssembly.Module }> {
  assertNoStaticData(bytes, name);
  const module = await WebAssembly.compile(bytes);
  const memoryImport = WebAssembly.Module.imports(module).find((i) => i.kind === 'memory');
  let instance: WebAssembly.Instance;
  try {
    instance = await WebAssembly.instantiate(module, { env: { memory } });
  } catch (e) {
    const want = memory.buffer instanceof ArrayBuffer ? 'an unshared' : 'a shared';
    throw new Error(`simdnet: the ${name} build does not accept ${want} memory (${(e as Error).message}); ` +
      `give the ${want === 'a shared' ? '<name>.shared.wasm' : '<name>.wasm'} build, or set the 'shared' load option to match` +
      (memoryImport ? '' : ' (the module imports no memory)'));
  }
  const exports = instance.exports as Record<string, unknown>;
  const missing = KERNEL_NAMES.filter((k) => typeof exports[k] !== 'function');
  if (missing.length > 0) {
    throw new Error(`simdnet: the ${name} build lacks kernels ${missing.join(', ')}; rebuild with "npm run asbuild"`);
  }
  return { kernels: exports as unknown as Kernels, module };
}

/** Loads both builds over one new memory and returns the runtime. */
export async function loadRuntime(options: LoadOptions = {}): Promise<Runtime> {
  const want = options.build ?? 'auto';
  if (want !== 'auto' && want !== 'naive' && want !== 'simd') {
    throw new TypeError(`simdnet: build must be 'auto', 'naive' or 'simd', got ${shown(want)}`);
  }
  const warn = options.warn ?? ((m: string) => console.warn(m));
  if (options.shared !== undefined && typeof options.shared !== 'boolean') {
    throw new TypeError(`simdnet: the 'shared' load option must be true or false, got ${shown(options.shared)}`);
  }
  const shared = options.shared ?? sharedMemorySupported();
  if (shared && typeof SharedArrayBuffer === 'undefined') {
    throw new Error('simdnet: shared memory was asked for, but this engine has no SharedArrayBuffer ' +
      '(a browser page must be cross-origin isolated: serve it with COOP/COEP headers)');
  }
  const arena = new Arena(undefined, { shared });
  const get = (name: BuildName) => {
    const src = options.sources?.[name];
    return src !== undefined ? sourceBytes(src) : defaultBytes(name, shared, options.baseUrl);
  };
  const naive = await instantiate('naive', await get('naive'), arena.memory);
  let simd: { kernels: Kernels; module: WebAssembly.Module } | undefined;
  if (options.simd ?? simdSupported()) {
    simd = await instantiate('simd', await get('simd'), arena.memory);
  } else if (want !== 'naive') {
    warn('simdnet: this engine has no WebAssembly SIMD; using the naive (scalar) kernels, which are several times slower.');
  }
  const build: BuildName = want === 'naive' || simd === undefined ? 'naive' : 'simd';
  return {
    arena, naive: naive.kernels, simd: simd?.kernels, build, kernels: build === 'simd' ? simd!.kernels : naive.kernels,
    shared, modules: { naive: naive.module, simd: simd?.module },
  };
}
