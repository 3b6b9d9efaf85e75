// The built modules against the one kernel table (KERNEL_TABLE in src/runtime/abi.ts), and the
// constants TypeScript mirrors from AssemblyScript (the Geom2d field indices, the SIMD conv
// block size) against the builds.
//
// Exports: `WebAssembly.Module.exports()` of each build must be exactly the table's names, all
// functions; after instantiation each function's `.length` (its wasm parameter count, by the JS
// API) must equal the table's `params`; and the result count, read from the module's type
// section, must be 1 where the table says `returns` and 0 elsewhere. The one import is the
// shared memory.

import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { GEOM, GEOM_I32S, KERNEL_NAMES, KERNEL_TABLE, writeGeom, type Geom2d } from '../../src/runtime/abi.js';
import { CONV_SIMD_BLOCK, convScratchFloats } from '../../src/tensor/geometry.js';
import { getRuntime } from '../helpers/runtime.js';
import { relaxedSimdSupported } from '../../src/runtime/features.js';

// Each build also exists for a shared memory (.shared.wasm, for worker threads): same table.
const BUILDS = ['naive', 'simd', 'relaxed', 'naive.shared', 'simd.shared', 'relaxed.shared'] as const;
// An engine without relaxed SIMD cannot compile the relaxed builds; their type and export
// sections are still read from the binary below.
const compiles = (build: string) => !build.startsWith('relaxed') || relaxedSimdSupported();
const noRelaxed = ` (not compiled: this engine (Node ${process.version}) has no relaxed SIMD; the binary's sections are checked)`;

async function wasmBytes(name: string): Promise<Uint8Array<ArrayBuffer>> {
  const buf = await readFile(new URL(`../../build/${name}.wasm`, import.meta.url));
  return new Uint8Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
}

/** Parameter and result counts of each exported function, read from the binary's sections. */
function exportedSignatures(b: Uint8Array): Map<string, { params: number; results: number }> {
  let pos = 8; // magic + version
  const leb = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = b[pos++]!;
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
    }
  };
  const name = (): string => {
    const n = leb();
    const s = new TextDecoder().decode(b.subarray(pos, pos + n));
    pos += n;
    return s;
  };
  const limits = (): void => { const flags = b[pos++]!; leb(); if (flags & 1) leb(); };
  const types: { params: number; results: number }[] = [];
  const funcTypes: number[] = []; // type index per function index (imports first)
  const exports = new Map<string, { params: number; results: number }>();
  while (pos < b.length) {
    const id = b[pos++]!;
    const size = leb();
    const end = pos + size;
    if (id === 1) { // type
      for (let i = leb(); i > 0; i--) {
        if (b[pos++] !== 0x60) throw new Error('type section: expected a function type');
        const params = leb(); pos += params;
        const results = leb(); pos += results;
        types.push({ params, results });
      }
    } else if (id === 2) { // import
      for (let i = leb(); i > 0; i--) {
        name(); name();
        const kind = b[pos++]!;
        if (kind === 0) funcTypes.push(leb());
        else if (kind === 1) { pos++; limits(); }
        else if (kind === 2) limits();
        else if (kind === 3) pos += 2;
        else throw new Error(`import section: kind ${kind}`);
      }
    } else if (id === 3) { // function
      for (let i = leb(); i > 0; i--) funcTypes.push(leb());
    } else if (id === 7) { // export
      for (let i = leb(); i > 0; i--) {
        const n = name();
        const kind = b[pos++]!;
        const index = leb();
        if (kind === 0) exports.set(n, types[funcTypes[index]!]!);
      }
    }
    pos = end;
  }
  return exports;
}

describe('kernel table ↔ built modules', () => {
  it('the table and KERNEL_NAMES list the same names, once each', () => {
    expect([...KERNEL_NAMES]).toEqual(Object.keys(KERNEL_TABLE));
    expect(new Set(KERNEL_NAMES).size).toBe(KERNEL_NAMES.length);
  });

  for (const build of BUILDS) {
    it(`${build}.wasm exports exactly the table's functions and imports only env.memory${compiles(build) ? '' : noRelaxed}`, async () => {
      if (!compiles(build)) {
        expect([...exportedSignatures(await wasmBytes(build)).keys()].sort()).toEqual(Object.keys(KERNEL_TABLE).sort());
        return;
      }
      const mod = new WebAssembly.Module(await wasmBytes(build));
      const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
      const got = WebAssembly.Module.exports(mod).map(({ name, kind }) => ({ name, kind })).sort(byName);
      const want = Object.keys(KERNEL_TABLE).map((name) => ({ name, kind: 'function' })).sort(byName);
      expect(got).toEqual(want);
      expect(WebAssembly.Module.imports(mod)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
    });

    it(`${build}.wasm: each function takes the table's parameter count and returns a value iff the table says so`, async () => {
      const bytes = await wasmBytes(build);
      const sigs = exportedSignatures(bytes);
      for (const [name, spec] of Object.entries(KERNEL_TABLE)) {
        expect(sigs.get(name), `${name}: signature in the type section`).toEqual({ params: spec.params, results: spec.returns ? 1 : 0 });
      }
      if (!compiles(build)) return;
      const shared = build.endsWith('.shared');
      const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared });
      const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
      for (const [name, spec] of Object.entries(KERNEL_TABLE)) {
        const fn = instance.exports[name] as (...args: number[]) => unknown;
        expect(typeof fn, name).toBe('function');
        expect(fn.length, `${name}: parameters (.length)`).toBe(spec.params);
      }
    });
  }
});

describe('constants mirrored from AssemblyScript', () => {
  const FIELDS = ['B', 'H', 'W', 'C', 'OH', 'OW', 'OC', 'KH', 'KW', 'SH', 'SW', 'PT', 'PL'] as const; // geom_layout's order

  it('GEOM and GEOM_I32S equal the indices both builds read (geom_layout)', async () => {
    expect(Object.keys(GEOM).sort()).toEqual([...FIELDS].sort());
    const rt = await getRuntime();
    const mark = rt.arena.mark();
    try {
      for (const k of [rt.naive, rt.simd!, ...(rt.relaxed ? [rt.relaxed] : [])]) {
        const p = rt.arena.alloc(14 * 4);
        rt.arena.i32(p, 14).fill(-1);
        k.geom_layout(p);
        expect(Array.from(rt.arena.i32(p, 14))).toEqual([...FIELDS.map((f) => GEOM[f]), GEOM_I32S]);
      }
    } finally { rt.arena.release(mark); }
  });

  it('writeGeom puts each field where geom_layout says the kernels read it', async () => {
    const rt = await getRuntime();
    const mark = rt.arena.mark();
    try {
      const g = Object.fromEntries(FIELDS.map((f, i) => [f, 100 + i])) as unknown as Geom2d;
      const gp = rt.arena.alloc(GEOM_I32S * 4);
      writeGeom(rt.arena.memory, gp, g);
      const lp = rt.arena.alloc(14 * 4);
      rt.simd!.geom_layout(lp);
      const layout = rt.arena.i32(lp, 14);
      const struct = rt.arena.i32(gp, GEOM_I32S);
      FIELDS.forEach((f, i) => expect(struct[layout[i]!], f).toBe(g[f]));
    } finally { rt.arena.release(mark); }
  });

  it(`CONV_SIMD_BLOCK (${CONV_SIMD_BLOCK}) and convScratchFloats match conv2d_scratch_bytes of the SIMD build`, async () => {
    const rt = await getRuntime();
    const mark = rt.arena.mark();
    try {
      const gp = rt.arena.alloc(GEOM_I32S * 4);
      // B·OH·OW on both sides of 32, 64 and 128, so a block of any other of those sizes shows;
      // KH·KW·C and OC off multiples of 4, so the rounding shows too.
      const pixels: [number, number, number][] = [[1, 1, 1], [1, 1, 31], [1, 4, 8], [1, 3, 11], [1, 8, 8], [5, 13, 1],
        [1, 127, 1], [2, 8, 8], [1, 1, 129], [32, 26, 26],
        // Single-channel images either side of the direct kernels' scratch cap (2^20 floats):
        // 200x200 takes them, 600x600 the im2col path.
        [1, 200, 200], [1, 600, 600]];
      for (const [B, OH, OW] of pixels) {
        for (const [KH, KW, C, OC] of [[3, 3, 1, 6], [5, 5, 6, 16], [1, 1, 3, 5], [3, 3, 32, 64]] as const) {
          const g: Geom2d = { B, H: OH + KH - 1, W: OW + KW - 1, C, OH, OW, OC, KH, KW, SH: 1, SW: 1, PT: 0, PL: 0 };
          writeGeom(rt.arena.memory, gp, g);
          const label = `B=${B} OH=${OH} OW=${OW} ${KH}x${KW}x${C}->${OC}`;
          expect(rt.simd!.conv2d_scratch_bytes(gp), label).toBe(4 * convScratchFloats(g));
          if (rt.relaxed) expect(rt.relaxed.conv2d_scratch_bytes(gp), `relaxed ${label}`).toBe(4 * convScratchFloats(g));
          expect(rt.naive.conv2d_scratch_bytes(gp), `naive ${label}`).toBe(0);
        }
      }
    } finally { rt.arena.release(mark); }
  });
});
