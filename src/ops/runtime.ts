// The runtime behind the functional ops: loaded once by `init`, then every op is synchronous.
//
// Each op takes an arena mark, allocates its inputs, outputs, scratch and geometry in the
// shared wasm memory, runs kernels, copies the results out into fresh Float32Arrays and
// releases the mark (also when it throws), so repeated calls reuse the same bytes and the
// memory only grows when a call needs more than any earlier one did.

import { buildUnavailable, isBuildName, loadRuntime, type BuildName, type LoadOptions, type Runtime, type WasmSource } from '../runtime/load.js';
import type { Kernels } from '../runtime/abi.js';
import type { Arena } from '../runtime/arena.js';
import { product } from './ndarray.js';
import { disposeRuntime } from '../pool/pool.js';
import { shown } from '../util/format.js';

export interface InitOptions {
  /** 'auto' (default): relaxed SIMD where the engine has it, else SIMD, else the naive build. */
  build?: BuildName | 'auto';
  /** Where to get each build (bytes, a Response, or a URL/path); defaults to build/<name>.wasm. */
  sources?: Partial<Record<BuildName, WasmSource>>;
  /** Base URL of the .wasm files in a browser. */
  baseUrl?: string | URL;
  /** Receives warnings such as the SIMD → naive fallback (default console.warn). */
  warn?: (message: string) => void;
}

export interface InitInfo {
  /** The build the ops now run on. */
  build: BuildName;
}

interface State {
  rt: Runtime;
  kernels: Kernels;
  build: BuildName;
}

let state: State | undefined;
let loading: Promise<Runtime> | undefined;

function pick(rt: Runtime, want: BuildName | 'auto', warn: ((m: string) => void) | undefined): State {
  if (want === 'naive') return { rt, kernels: rt.naive, build: 'naive' };
  if (want === 'relaxed' && rt.relaxed === undefined) throw new Error(`init: build 'relaxed' requested but ${buildUnavailable(rt, 'relaxed')}`);
  if (want !== 'simd' && rt.relaxed !== undefined) return { rt, kernels: rt.relaxed, build: 'relaxed' };
  if (rt.simd !== undefined) return { rt, kernels: rt.simd, build: 'simd' };
  warn?.('simdnet: this engine has no WebAssembly SIMD; the ops use the naive (scalar) kernels.');
  return { rt, kernels: rt.naive, build: 'naive' };
}

/**
 * Loads the kernels (both builds over one memory). Resolves when the ops are ready.
 * Calling it again is cheap: the wasm is loaded once, and a later call only switches
 * which build the ops use if it passes `build` (without it the current build stays);
 * its `sources`/`baseUrl` are ignored.
 */
export async function init(options: InitOptions = {}): Promise<InitInfo> {
  // Without `build`, a later call keeps the build the ops use now (the first call: 'auto').
  const want = options.build ?? state?.build ?? 'auto';
  if (want !== 'auto' && !isBuildName(want)) {
    throw new TypeError(`init: build must be 'auto', 'naive', 'simd' or 'relaxed', got ${shown(want)}`);
  }
  const warn = options.warn ?? ((m: string) => console.warn(m));
  // loadRuntime itself warns about a missing SIMD on the first load; later calls warn here.
  let warnLater: ((m: string) => void) | undefined = warn;
  if (loading === undefined) {
    warnLater = undefined;
    // loadRuntime always loads the naive build and, where supported, the SIMD ones, so a later
    // init({ build }) can switch between them without loading anything.
    const load: LoadOptions = { build: want, warn };
    if (options.sources !== undefined) load.sources = options.sources;
    if (options.baseUrl !== undefined) load.baseUrl = options.baseUrl;
    loading = loadRuntime(load);
    // A failed load may be retried by calling init again.
    loading.catch(() => { loading = undefined; });
  }
  const rt = await loading;
  state = pick(rt, want, want === 'naive' ? undefined : warnLater);
  return { build: state.build };
}

/**
 * Lets go of the ops' runtime: its wasm memory (freed by the engine once nothing refers to it)
 * and any worker threads. The ops then throw until `init` is called again, which loads anew.
 * Models compiled on their own runtimes are not affected.
 */
export function dispose(): void {
  const rt = state?.rt;
  state = undefined;
  loading = undefined;
  if (rt !== undefined) disposeRuntime(rt);
}

/** True once `init` has resolved. */
export function isReady(): boolean {
  return state !== undefined;
}

export interface MemoryStats {
  /** Bytes of the wasm memory handed out by the arena right now (between calls: the baseline). */
  usedBytes: number;
  /** Current size of the wasm memory in bytes. */
  capacityBytes: number;
}

/** How much of the shared wasm memory is in use; useful to check that calls do not leak. */
export function memoryStats(): MemoryStats {
  const s = ready('memoryStats');
  return { usedBytes: s.rt.arena.used, capacityBytes: s.rt.arena.capacity };
}

function ready(label: string): State {
  if (state === undefined) {
    throw new Error(`${label}: the simdnet kernels are not loaded yet; call \`await init()\` once before using the ops`);
  }
  return state;
}

/** What an op body gets: the kernels, and helpers to move arrays in and out of wasm memory. */
export interface Scope {
  k: Kernels;
  arena: Arena;
  memory: WebAssembly.Memory;
  /** Allocates room for `n` f32 values, zero-filled. */
  zeros(n: number, what: string): number;
  /** Allocates and copies `data` in. */
  put(data: Float32Array, what: string): number;
  /** Copies `shape`'s worth of f32 values at `ptr` out into a fresh array. */
  take(ptr: number, shape: number[]): { data: Float32Array; shape: number[] };
}

/**
 * Runs `body` with a scope over the shared memory and releases everything it allocated.
 * Callers validate all arguments BEFORE calling this.
 */
export function withScope<T>(label: string, body: (s: Scope) => T): T {
  const st = ready(label);
  const arena = st.rt.arena;
  const mark = arena.mark();
  const scope: Scope = {
    k: st.kernels,
    arena,
    memory: arena.memory,
    zeros: (n, what) => arena.allocF32(n, `${label} ${what}`),
    put: (data, what) => {
      const p = arena.alloc(data.length * 4, `${label} ${what}`);
      // A fresh view after the allocation: alloc may have grown (and detached) the buffer.
      arena.f32(p, data.length).set(data);
      return p;
    },
    take: (ptr, shape) => ({ data: arena.f32(ptr, product(shape)).slice(), shape: [...shape] }),
  };
  try {
    return body(scope);
  } finally {
    arena.release(mark);
  }
}

/** Throws the "not initialised" error when init has not resolved (for ops that validate first). */
export function requireReady(label: string): void {
  ready(label);
}
