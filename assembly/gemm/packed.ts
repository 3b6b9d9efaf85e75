// Packed GEMM, SIMD (f32x4) variant: gemm_nn with A and B copied into caller-given scratch.
//
//   gemm_nn_packed   C[M,N] (+)= A[M,K] · B[K,N]     A row-major [M][K], B [K][N], C [M][N]
//   gemm_packed_scratch_bytes(M, N, K)               bytes of scratch gemm_nn_packed needs
//
// Same contract as gemm_nn (simd.ts): row-major f32 with no padding between rows, acc = 0
// overwrites C, acc = 1 adds into it, C must not alias A, B or the scratch; any M, N, K ≥ 0
// (K = 0: C = 0, or unchanged with acc = 1, scratch untouched). Reads A, B; writes the
// scratch (its first gemm_packed_scratch_bytes(M, N, K) bytes); writes C (acc = 0) or
// accumulates into it (acc = 1). No other byte is written, and no byte outside A, B, C and
// the scratch is read. No pointer needs any alignment (a 16-byte-aligned scratch is the
// documented contract and the fast case). The scratch size depends only on the shape, is
// non-decreasing in each of M, N and K, and is at most 1,769,600 bytes (K block 384 × column
// block 1024 + row block 128 × 384, + 128).
//
// Summation order: per output, exactly what naive.ts does: c = acc ? C : 0, then c += a·b
// for ascending k (mul then add, no FMA), one accumulator per output lane. Blocking K only
// stores c to C and loads it back (exact in f32), packing only copies values, and the zero
// padding of partial tiles lands in lanes that are never stored. So the result is
// bit-identical to the naive build (tested), and to gemm_nn_simd.
//
// Blocking (the usual three-level scheme, for a 32 KB L1 / 1 MB L2 core):
//   for each block of NC ≤ 1024 columns, for each block of KC ≤ 384 values of k (K split
//   into equal blocks, so a short last block never costs a C pass of its own):
//     pack B[k-block, column block] into panels of 8 columns: panel p holds, for each k, the
//       8 values B[k, j..j+7] next to each other (32 bytes), so the micro-kernel streams it
//       with unit stride; the last panel is zero-padded to 8 columns.
//     for each block of MC ≤ 128 rows:
//       pack A[row block, k-block] into tiles of 4 rows: tile t holds, for each k, the 4
//         values A[i..i+3, k] next to each other (a 4 × 4 transpose per 4 k in registers);
//         the last tile is zero-padded.
//       for each B panel, for each A tile: the 4 × 8 micro-kernel.
//   One B panel (KC × 32 bytes ≤ 12 KB) stays in L1 while the A tiles of the block (≤ 192 KB)
//   stream past it from L2. Packing costs O(MK + KN) copies against 2MNK flops.
//
// Micro-kernel: tile4x8 of tile.ts (the register tile gemm_nn and conv2d use too), a 4 × 8
// tile of C in 8 f32x4 accumulators; per k, the two vectors of the B panel row are loaded
// once and used by 4 rows, and each A value is one splat load (from one pointer, at
// +0/+4/+8/+12) used by 8 columns: 6 loads per 8 mul + 8 add, and the loop carries two
// pointer adds and one compare. Measured on the dev machine (AMD EPYC, V8 11.3),
// 512³: 4 × 8 ≈ 42–45 GFLOP/s; 6 × 8 (12 accumulators) ≈ 23 and 4 × 8 with k unrolled by 2
// ≈ 26 (both presumably spilling: V8 has 15 allocatable xmm registers); K blocks of
// 256/384/512 and row blocks of 64/96/128/256 all within noise of each other, except K = 288
// (one 384 block beats two of 144 by ~12%). Packing A with scalar copies instead of the 4 × 4
// transposes cost ~20% at N = 64 (18432 × 64 × 288: 28 vs 35 GFLOP/s).
//
// Tails: a tile across the right or bottom edge of C (N mod 8 columns, M mod 4 rows) runs
// the same micro-kernel on a 4 × 8 tile in the scratch that starts as the valid part of C
// (acc = 1) or zeros; only the valid part is copied back. Partial panels/tiles of A and B
// were zero-padded by the packing, so no operand is read past its end.
//
// When it pays: packing costs O(MK + KN) per call and the 4-row tile wastes work when M is
// small (M = 1: ~3× slower than gemm_nn), so callers choose this path by shape: measured, it
// wins from M ≥ 32, N ≥ 48, K ≥ 64 (usesPackedGemm in src/tensor/gemm-path.ts), up to ~1.4× at 512³.

import { tile4x8, START_C, START_ZERO } from "./tile";

// MR rows × NR columns per micro-tile (micro() and packA() are written for exactly these).
const MR: i32 = 4;
const NR: i32 = 8;
// Block sizes (see the header): KC values of k, at most NC columns, at most MC rows.
const KC_MAX: i32 = 384;
const NC_MAX: i32 = 1024;
const MC_MAX: i32 = 128;

// ---- blocking ---------------------------------------------------------------------------

@inline function roundUp(x: i32, m: i32): i32 {
  return (x + m - 1) / m * m;
}

/** K block length: K split into equal blocks of at most KC_MAX (a short last block wastes time). */
@inline function blockK(K: i32): i32 {
  const blocks = (K + KC_MAX - 1) / KC_MAX;
  return blocks > 0 ? (K + blocks - 1) / blocks : 0;
}

/** Columns per block: N rounded up to panels, at most NC_MAX. */
@inline function blockN(N: i32): i32 {
  return min(roundUp(N, NR), NC_MAX);
}

/** Rows per block: M rounded up to tiles, at most MC_MAX. */
@inline function blockM(M: i32): i32 {
  return min(roundUp(M, MR), MC_MAX);
}

/**
 * Bytes reserved for the packed-B block (the packed-A block follows it, then the edge tile).
 * Sized with min(K, KC_MAX) ≥ blockK(K), not blockK itself, so that the scratch size is
 * non-decreasing in each of M, N and K (a buffer planned for one shape serves every smaller one).
 */
@inline function bBlockBytes(N: i32, K: i32): i32 {
  return roundUp(min(K, KC_MAX) * blockN(N) * 4, 64);
}

@inline function aBlockBytes(M: i32, K: i32): i32 {
  return roundUp(blockM(M) * min(K, KC_MAX) * 4, 64);
}

export function gemm_packed_scratch_bytes_simd(M: i32, N: i32, K: i32): i32 {
  if (M <= 0 || N <= 0 || K <= 0) return 0;
  return bBlockBytes(N, K) + aBlockBytes(M, K) + MR * NR * 4;
}

// ---- packing ----------------------------------------------------------------------------

/**
 * Packs B[k0 .. k0+kc-1, j0 .. j0+nc-1] (row length ldb bytes, b = &B[k0, j0]) into panels
 * of 8 columns at dst: panel p at dst + p·kc·32, its row k at + k·32. The last panel's
 * columns past nc are zeros.
 */
function packB(dst: usize, b: usize, ldb: usize, kc: i32, nc: i32): void {
  const full = nc & ~7;
  let d = dst;
  for (let j = 0; j < full; j += 8) {
    let s = b + (<usize>j << 2);
    const end = d + (<usize>kc << 5);
    while (d < end) {
      v128.store(d, v128.load(s));
      v128.store(d, v128.load(s, 16), 16);
      d += 32;
      s += ldb;
    }
  }
  const rest = nc - full;
  if (rest > 0) {
    const z = f32x4.splat(0);
    let s = b + (<usize>full << 2);
    for (let k = 0; k < kc; k++) {
      v128.store(d, z);
      v128.store(d, z, 16);
      for (let j = 0; j < rest; j++) store<f32>(d + (<usize>j << 2), load<f32>(s + (<usize>j << 2)));
      d += 32;
      s += ldb;
    }
  }
}

/**
 * Packs A[i0 .. i0+mc-1, k0 .. k0+kc-1] (row length lda bytes, a = &A[i0, k0]) into tiles
 * of MR = 4 rows at dst: tile t at dst + t·kc·16, its column k at + k·16 (the 4 values
 * A[i..i+3, k]). Full tiles go 4 k at a time through a 4 × 4 transpose in registers; the
 * last 1..3 k and a last tile of 1..3 rows (zeros in the missing rows) are scalar.
 */
function packA(dst: usize, a: usize, lda: usize, mc: i32, kc: i32): void {
  const tileBytes = <usize>kc << 4;
  const k4 = kc & ~3;
  let d = dst;
  let i = 0;
  for (; i + 4 <= mc; i += 4) {
    const a0 = a + <usize>i * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
    let o: usize = 0;
    let p = d;
    const end = <usize>k4 << 2;
    for (; o < end; o += 16) {
      const r0 = v128.load(a0 + o), r1 = v128.load(a1 + o), r2 = v128.load(a2 + o), r3 = v128.load(a3 + o);
      const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5), t1 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
      const t2 = i32x4.shuffle(r2, r3, 0, 4, 1, 5), t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
      v128.store(p, i32x4.shuffle(t0, t2, 0, 1, 4, 5));
      v128.store(p, i32x4.shuffle(t0, t2, 2, 3, 6, 7), 16);
      v128.store(p, i32x4.shuffle(t1, t3, 0, 1, 4, 5), 32);
      v128.store(p, i32x4.shuffle(t1, t3, 2, 3, 6, 7), 48);
      p += 64;
    }
    for (; o < (<usize>kc << 2); o += 4) {
      store<f32>(p, load<f32>(a0 + o));
      store<f32>(p, load<f32>(a1 + o), 4);
      store<f32>(p, load<f32>(a2 + o), 8);
      store<f32>(p, load<f32>(a3 + o), 12);
      p += 16;
    }
    d += tileBytes;
  }
  const rows = mc - i;
  if (rows > 0) {
    const ai = a + <usize>i * lda;
    for (let r = 0; r < MR; r++) {
      let p = d + (<usize>r << 2);
      if (r < rows) {
        let s = ai + <usize>r * lda;
        for (let k = 0; k < kc; k++) {
          store<f32>(p, load<f32>(s));
          s += 4;
          p += 16;
        }
      } else {
        for (let k = 0; k < kc; k++) {
          store<f32>(p, 0);
          p += 16;
        }
      }
    }
  }
}

// ---- micro-kernel -----------------------------------------------------------------------

/**
 * C[MR rows at c, ldc bytes apart][8] (+)= packed A tile (pa) · packed B panel (pb), kc
 * values of k: tile4x8 (tile.ts) with the four A rows adjacent in the tile (stride 16 per k)
 * and B rows 32 bytes apart. The whole MR × 8 tile is read (acc = 1) and written.
 */
@inline function micro(c: usize, ldc: usize, pa: usize, pb: usize, kc: i32, acc: i32): void {
  const c1 = c + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
  tile4x8(c, c1, c2, c3, MR, acc != 0 ? START_C : START_ZERO, 0, pa, 0, 0, 0, <usize>(MR << 2), true, pb, <usize>(NR << 2), kc, 2, 4);
}

/**
 * An edge tile: rows × cols of C (rows ≤ MR, cols ≤ 8, at least one short) through the
 * MR × 8 tile at t: load the valid part (acc = 1) or zeros, run the micro-kernel, copy
 * the valid part back.
 */
function edgeTile(c: usize, ldc: usize, t: usize, pa: usize, pb: usize, kc: i32, rows: i32, cols: i32, acc: i32): void {
  const z = f32x4.splat(0);
  for (let r = 0; r < MR; r++) {
    const tr = t + (<usize>r << 5);
    v128.store(tr, z);
    v128.store(tr, z, 16);
    if (acc != 0 && r < rows) {
      const cr = c + <usize>r * ldc;
      for (let j = 0; j < cols; j++) store<f32>(tr + (<usize>j << 2), load<f32>(cr + (<usize>j << 2)));
    }
  }
  micro(t, 32, pa, pb, kc, 1);
  for (let r = 0; r < rows; r++) {
    const tr = t + (<usize>r << 5);
    const cr = c + <usize>r * ldc;
    for (let j = 0; j < cols; j++) store<f32>(cr + (<usize>j << 2), load<f32>(tr + (<usize>j << 2)));
  }
}

// ---- driver -----------------------------------------------------------------------------

/** C = 0 for an empty sum (K = 0, acc = 0). */
function zeroC(c: usize, n: i32): void {
  const z = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(c + (<usize>i << 2), z);
  for (; i < n; i++) store<f32>(c + (<usize>i << 2), 0);
}

export function gemm_nn_packed_simd(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, acc: i32, scratch: usize): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (acc == 0) zeroC(c, M * N);
    return;
  }
  const KC = blockK(K), NC = blockN(N), MC = blockM(M);
  const bp = scratch;
  const ap = bp + <usize>bBlockBytes(N, K);
  const tile = ap + <usize>aBlockBytes(M, K);
  const ldc = <usize>N << 2;
  const lda = <usize>K << 2;
  const ldb = ldc;
  for (let j0 = 0; j0 < N; j0 += NC) {
    const nc = min(NC, N - j0);
    for (let k0 = 0; k0 < K; k0 += KC) {
      const kc = min(KC, K - k0);
      const accB = k0 == 0 ? acc : 1;
      packB(bp, b + <usize>k0 * ldb + (<usize>j0 << 2), ldb, kc, nc);
      const panelBytes = <usize>kc << 5;
      const tileBytes = <usize>kc * <usize>(MR << 2);
      for (let i0 = 0; i0 < M; i0 += MC) {
        const mc = min(MC, M - i0);
        packA(ap, a + <usize>i0 * lda + (<usize>k0 << 2), lda, mc, kc);
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = min(NR, nc - jr);
          const pb = bp + <usize>(jr >> 3) * panelBytes;
          let pa = ap;
          let cij = c + <usize>i0 * ldc + (<usize>(j0 + jr) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = min(MR, mc - ir);
            if (rows == MR && cols == NR) micro(cij, ldc, pa, pb, kc, accB);
            else edgeTile(cij, ldc, tile, pa, pb, kc, rows, cols, accB);
            pa += tileBytes;
            cij += <usize>MR * ldc;
          }
        }
      }
    }
  }
}
