// Feature detection for wasm SIMD and relaxed SIMD: validate a minimal module that uses one op
// of each. WebAssembly.validate compiles nothing, so a probe costs microseconds.

// (module (func (result v128) i32.const 0 i32x4.splat))
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic + version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b,       // type: () -> v128
  0x03, 0x02, 0x01, 0x00,                         // one function of type 0
  0x0a, 0x08, 0x01, 0x06, 0x00,                   // code: one body, no locals
  0x41, 0x00, 0xfd, 0x11, 0x0b,                   // i32.const 0; i32x4.splat; end
]);

// (module (func (result v128) (f32x4.relaxed_madd (i32x4.splat 0) (i32x4.splat 0) (i32x4.splat 0))))
export const RELAXED_SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic + version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b,       // type: () -> v128
  0x03, 0x02, 0x01, 0x00,                         // one function of type 0
  0x0a, 0x13, 0x01, 0x11, 0x00,                   // code: one body of 17 bytes, no locals
  0x41, 0x00, 0xfd, 0x11,                         // i32.const 0; i32x4.splat   (a)
  0x41, 0x00, 0xfd, 0x11,                         // i32.const 0; i32x4.splat   (b)
  0x41, 0x00, 0xfd, 0x11,                         // i32.const 0; i32x4.splat   (c)
  0xfd, 0x85, 0x02, 0x0b,                         // f32x4.relaxed_madd (0xfd 0x105); end
]);

function validates(bytes: Uint8Array<ArrayBuffer>): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(bytes);
  } catch {
    return false;
  }
}

let simd: boolean | undefined;
let relaxed: boolean | undefined;

/** True when this engine can compile wasm SIMD (f32x4). */
export function simdSupported(): boolean {
  return (simd ??= validates(SIMD_PROBE));
}

/**
 * True when this engine can compile relaxed SIMD (f32x4.relaxed_madd): Chrome ≥ 114,
 * Firefox ≥ 145, Node ≥ 22 (Node 20 only with --experimental-wasm-relaxed-simd).
 */
export function relaxedSimdSupported(): boolean {
  return (relaxed ??= validates(RELAXED_SIMD_PROBE));
}
