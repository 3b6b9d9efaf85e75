// The ABI both builds share: shape letters and the 2-D geometry struct.
//
// Shape letters (used in every kernel):
//   B batch;  H W C input height/width/channels;  OH OW OC output;  KH KW kernel;
//   SH SW stride;  PT PL padding added at the top / left (bottom/right padding is
//   implied by OH/OW: windows that run past the input read zeros for conv and are
//   clipped for pooling).  GEMM uses M N K.
//
// Layouts: activations NHWC ([B][H][W][C]), conv weights HWIO ([KH][KW][C][OC]),
// dense weights [in][out], row-major GEMM operands.
//
// Geom2d is 16 little-endian i32 at a 16-byte-aligned byte offset, written once by
// the TypeScript side (GEOM in src/runtime/abi.ts mirrors the indices; both builds export
// geom_layout below, and test/runtime/kernel-table.test.ts checks GEOM against it). Conv and pooling both use it; pooling
// ignores C vs OC (they must be equal) and has no weights.

export const GEOM_B: i32 = 0;
export const GEOM_H: i32 = 1;
export const GEOM_W: i32 = 2;
export const GEOM_C: i32 = 3;
export const GEOM_OH: i32 = 4;
export const GEOM_OW: i32 = 5;
export const GEOM_OC: i32 = 6;
export const GEOM_KH: i32 = 7;
export const GEOM_KW: i32 = 8;
export const GEOM_SH: i32 = 9;
export const GEOM_SW: i32 = 10;
export const GEOM_PT: i32 = 11;
export const GEOM_PL: i32 = 12;
export const GEOM_I32S: i32 = 16;

/** Reads field `k` (one of the GEOM_* indices) of the geometry struct at `g`. */
@inline export function geom(g: usize, k: i32): i32 {
  return load<i32>(g + (<usize>k << 2));
}

/**
 * Writes the field indices above as 14 i32 at `out`, in the order B H W C OH OW OC KH KW SH SW
 * PT PL, then GEOM_I32S: how the TypeScript side checks its mirror against these constants.
 */
export function geom_layout(out: usize): void {
  store<i32>(out, GEOM_B, 0);
  store<i32>(out, GEOM_H, 4);
  store<i32>(out, GEOM_W, 8);
  store<i32>(out, GEOM_C, 12);
  store<i32>(out, GEOM_OH, 16);
  store<i32>(out, GEOM_OW, 20);
  store<i32>(out, GEOM_OC, 24);
  store<i32>(out, GEOM_KH, 28);
  store<i32>(out, GEOM_KW, 32);
  store<i32>(out, GEOM_SH, 36);
  store<i32>(out, GEOM_SW, 40);
  store<i32>(out, GEOM_PT, 44);
  store<i32>(out, GEOM_PL, 48);
  store<i32>(out, GEOM_I32S, 52);
}
