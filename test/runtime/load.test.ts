import { describe, expect, it } from 'vitest';
import { getRuntime } from '../helpers/runtime.js';
import { KERNEL_NAMES } from '../../src/runtime/abi.js';
import { relaxedSimdSupported, simdSupported } from '../../src/runtime/features.js';
import { loadRuntime } from '../../src/runtime/load.js';

describe('runtime', () => {
  it('detects wasm SIMD in Node 20', () => {
    expect(simdSupported()).toBe(true);
  });

  it('loads both builds over one memory, each exporting the whole ABI', async () => {
    const rt = await getRuntime();
    expect(rt.build).toBe('simd');
    expect(rt.simd).toBeDefined();
    expect(rt.naive.build_is_simd()).toBe(0);
    expect(rt.simd!.build_is_simd()).toBe(1);
    for (const name of KERNEL_NAMES) {
      expect(typeof rt.naive[name], name).toBe('function');
      expect(typeof rt.simd![name], name).toBe('function');
    }
  });

  it('both builds write the same shared memory', async () => {
    const rt = await getRuntime();
    const p = rt.arena.allocF32(7);
    rt.naive.fill(p, 7, 2.5);
    rt.simd!.scale(p, 7, 2);
    expect(Array.from(rt.arena.f32(p, 7))).toEqual([5, 5, 5, 5, 5, 5, 5]);
  });
});

describe('static data guard', () => {
  it('accepts the shipped builds, which have no data section', async () => {
    const { readFile } = await import('node:fs/promises');
    const { assertNoStaticData } = await import('../../src/runtime/load.js');
    for (const name of ['naive', 'simd', 'relaxed']) {
      const bytes = new Uint8Array(await readFile(new URL(`../../build/${name}.wasm`, import.meta.url)));
      expect(() => assertNoStaticData(bytes, name)).not.toThrow();
    }
  });

  it('rejects a module with a data segment, naming the build and the byte offset', async () => {
    const { assertNoStaticData } = await import('../../src/runtime/load.js');
    // (module (memory 1) (data (i32.const 1024) "x")): header, memory section, data section.
    const withData = new Uint8Array([
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
      0x05, 0x03, 0x01, 0x00, 0x01,
      0x0b, 0x08, 0x01, 0x00, 0x41, 0x80, 0x08, 0x0b, 0x01, 0x78,
    ]);
    expect(WebAssembly.validate(withData)).toBe(true);
    expect(() => assertNoStaticData(withData, 'simd')).toThrow(/simd\.wasm has static data \(a data section at byte 15\)/);
  });
});

describe('SIMD fallback', () => {
  it('on an engine without SIMD, auto falls back to naive with a warning that says so', async () => {
    const { loadRuntime } = await import('../../src/runtime/load.js');
    const warnings: string[] = [];
    const rt = await loadRuntime({ simd: false, warn: (m) => warnings.push(m) });
    expect(rt.build).toBe('naive');
    expect(rt.simd).toBeUndefined();
    expect(rt.kernels.build_is_simd()).toBe(0);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/no WebAssembly SIMD; using the naive \(scalar\) kernels/);
  });

  it('asking for naive loads quietly; an unknown build name is refused', async () => {
    const { loadRuntime } = await import('../../src/runtime/load.js');
    const warnings: string[] = [];
    const rt = await loadRuntime({ build: 'naive', simd: false, warn: (m) => warnings.push(m) });
    expect(rt.build).toBe('naive');
    expect(warnings).toEqual([]);
    await expect(loadRuntime({ build: 'fast' as never })).rejects.toThrow(/build must be 'auto', 'naive', 'simd' or 'relaxed', got "fast"/);
  });
});

describe('relaxed SIMD build', () => {
  // Node 20 has relaxed SIMD only behind --experimental-wasm-relaxed-simd; Node 22 and 24 have it.
  const major = Number(process.versions.node.split('.')[0]);
  const flagged = process.execArgv.includes('--experimental-wasm-relaxed-simd');

  it(`the probe says ${major >= 22 || flagged ? 'yes' : 'no'} on Node ${process.version}${flagged ? ' with the flag' : ''}, and agrees with the engine on build/relaxed.wasm`, async () => {
    expect(relaxedSimdSupported()).toBe(major >= 22 || flagged);
    const { readFile } = await import('node:fs/promises');
    const bytes = new Uint8Array(await readFile(new URL('../../build/relaxed.wasm', import.meta.url)));
    const simdBytes = new Uint8Array(await readFile(new URL('../../build/simd.wasm', import.meta.url)));
    // The relaxed build really uses relaxed ops (else it would validate everywhere), the simd one none.
    expect(WebAssembly.validate(bytes)).toBe(relaxedSimdSupported());
    expect(WebAssembly.validate(simdBytes)).toBe(true);
  });

  it("'auto' picks relaxed where the engine has it, else simd; 'simd' and 'naive' pin their build", async () => {
    const auto = await loadRuntime({});
    expect(auto.build).toBe(relaxedSimdSupported() ? 'relaxed' : 'simd');
    expect(auto.relaxed !== undefined).toBe(relaxedSimdSupported());
    expect(auto.kernels).toBe(relaxedSimdSupported() ? auto.relaxed : auto.simd);
    const noRelaxed = await loadRuntime({ relaxedSimd: false });
    expect(noRelaxed.build).toBe('simd');
    expect(noRelaxed.relaxed).toBeUndefined();
    expect(noRelaxed.modules.relaxed).toBeUndefined();
    expect((await loadRuntime({ build: 'simd' })).build).toBe('simd');
    expect((await loadRuntime({ build: 'naive' })).build).toBe('naive');
  });

  it.skipIf(!relaxedSimdSupported())("'auto' with sources that lack a loadable relaxed build warns and uses simd; build 'relaxed' then fails", async () => {
    const { readFile } = await import('node:fs/promises');
    const bytes = async (name: string) => new Uint8Array(await readFile(new URL(`../../build/${name}.shared.wasm`, import.meta.url)));
    const sources = { naive: await bytes('naive'), simd: await bytes('simd'), relaxed: new Uint8Array([0, 97, 115, 109]) };
    const warnings: string[] = [];
    const rt = await loadRuntime({ sources, warn: (m) => warnings.push(m) });
    expect(rt.build).toBe('simd');
    expect(rt.relaxed).toBeUndefined();
    expect(warnings.join('\n')).toMatch(/the relaxed-SIMD build did not load \(.*\); using the simd build/);
    await expect(loadRuntime({ sources, build: 'relaxed', warn: () => {} })).rejects.toThrow();
  });

  it("build 'relaxed' on an engine without relaxed SIMD is an error that says what is missing and what to use", async () => {
    await expect(loadRuntime({ build: 'relaxed', relaxedSimd: false })).rejects.toThrow(
      /build 'relaxed' was asked for, but this engine has no WebAssembly relaxed SIMD .*Node ≥ 22.*; use build 'simd' or 'auto'/);
    await expect(loadRuntime({ build: 'relaxed', simd: false })).rejects.toThrow(/no WebAssembly SIMD at all/);
  });

  it.skipIf(!relaxedSimdSupported())("build 'relaxed' loads it as runtime.kernels, over the same memory as the others", async () => {
    const rt = await loadRuntime({ build: 'relaxed' });
    expect(rt.build).toBe('relaxed');
    expect(rt.kernels).toBe(rt.relaxed);
    expect(rt.modules.relaxed).toBeInstanceOf(WebAssembly.Module);
    const p = rt.arena.allocF32(5);
    rt.naive.fill(p, 5, 1.5);
    rt.relaxed!.scale(p, 5, 2);
    expect(Array.from(rt.arena.f32(p, 5))).toEqual([3, 3, 3, 3, 3]);
  });
});
