// Feature detection for wasm SIMD: validate a minimal module that uses one v128 op.
// (module (func (result v128) i32.const 0 i32x4.splat))
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic + version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b,       // type: () -> v128
  0x03, 0x02, 0x01, 0x00,                         // one function of type 0
  0x0a, 0x08, 0x01, 0x06, 0x00,                   // code: one body, no locals
  0x41, 0x00, 0xfd, 0x11, 0x0b,                   // i32.const 0; i32x4.splat; end
]);

let cached: boolean | undefined;

/** True when this engine can compile wasm SIMD (f32x4). */
export function simdSupported(): boolean {
  if (cached === undefined) {
    try {
      cached = typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
    } catch {
      cached = false;
    }
  }
  return cached;
}
