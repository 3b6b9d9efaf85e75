// GEMM and bias kernels, SIMD (f32x4) variant.
//
//   gemm_nn   C[M,N] (+)= A[M,K] · B[K,N]       A row-major [M][K], B [K][N]
//   gemm_tn   C[M,N] (+)= A[K,M]ᵀ · B[K,N]      A stored [K][M]
//   gemm_nt   C[M,N] (+)= A[M,K] · B[N,K]ᵀ      B stored [N][K]
//   bias_add  y[r,n] += bias[n]                 y [rows][N], bias [N]
//   bias_grad db[n] += Σ_r dy[r,n]              dy [rows][N], db [N]
//
// Row-major f32, no padding between rows; acc = 0 overwrites C, acc = 1 adds into it; C
// must not alias A or B. Reads A, B, bias, dy; writes C (acc = 0); accumulates into C
// (acc = 1), y, db. Any M, N, K ≥ 0 (K = 0: C = 0, or unchanged with acc = 1). No alignment
// is assumed, and no byte outside the operands is read or written.
//
// Summation order. gemm_nn, gemm_tn, bias_add and bias_grad do, per output, exactly what
// naive.ts does (c = acc ? C : 0, then c += a·b for ascending k, mul then add, no FMA):
// their lanes hold different outputs, never parts of one sum, so they are bit-identical to
// the naive build. gemm_nt (except its small-K path) sums four interleaved partial sums
// per output (k mod 4) and adds them at the end, so it differs from naive by rounding only
// (within the dot-product bound the tests use).
//
// gemm_nn / gemm_tn ("splat" form; no packing, since kernels get no scratch memory):
//   - Micro-tile of 4 rows × 8 columns of C in 8 f32x4 accumulators: tile4x8 in tile.ts,
//     the one register tile shared with packed.ts and conv2d/simd.ts. Per k, the two
//     vectors of B's row k are loaded once and used by 4 rows, and each A value is loaded
//     once as a splat and used by 8 columns: 6 loads per 8 mul + 8 add. 8 accumulators +
//     2 B + 1 splat fit V8's 16 xmm registers; 4×12 or 8×8 spill. Unrolling k by hand
//     made V8 schedule all the loads first and spill, so the k loop is one k per trip.
//   - gemm_tn's 4 rows of a tile are 4 adjacent floats of A's row k: one pointer, splats
//     at +0/+4/+8/+12.
//   - Column tail (N mod 8 = 1..7): a tile of 1 or 2 vectors whose last one is partial,
//     read with load32_zero / load64_zero (+ load32_lane), written with store32/64_lane.
//   - Row tail (M mod 4 rows): one row at a time, 32 columns (8 accumulators) per tile, so
//     M = 1 (a matrix-vector product) still keeps both the mul and the add pipes busy.
//   - Cache blocking over K: blocks of KC so that the KC×N slab of B swept by every row
//     tile stays in the 1 MB L2 (about 256 KB); later blocks accumulate into C. gemm_tn
//     caps KC at 128: its A cache lines (16 floats of a row of [K][M]) are shared by 4
//     consecutive row tiles, and 128 lines stay in L1 until the next 3 tiles use them.
//   - gemm_tn, cache-set aliasing: a row tile reads A at a stride of 4M bytes, once per column
//     tile. When 4M is a multiple of a large power of two (M = 512, 1024, 9216: convnet's
//     fc1 weight gradient), those kc lines fall into few L1 sets, evict each other, and come
//     from L2 on every column tile (measured: half speed, 31 vs 58 GFLOP/s at 9216×128×32
//     against 9200×128×32). Then each row tile runs its K block in sub-blocks of KA = 8·sets
//     values of k (sets: the distinct sets of a 64-set L1, the common L1 geometry of x86 and
//     ARM cores, that lines at that stride visit), so at most 8 of its lines share a set; C's
//     4 rows stay in L1 between sub-blocks. Only C is stored and reloaded more often (exact),
//     so the summation order per output stays the naive one. Measured on the busy 2-core dev
//     machine (best of 10, side by side): 9216×128×32 39-40 vs 32 GFLOP/s, 1024×1024×256 21-22
//     vs 10-16; KA = 4·sets gained less (34 at 9216×128×32: the extra C passes cost more).
//
// gemm_nt (dot-product form): B's rows are rows of K, so both operands are contiguous in
//   k. Tile of 2 rows of A × 4 rows of B: 8 accumulators whose lanes are k mod 4, 6 loads
//   per 8 mul + 8 add, then one 4-way transpose-and-add per row gives the 4 outputs as a
//   vector. K tail (1..3): the last k-vector is read with zeros in the missing lanes.
//   Column tail: B rows past N − 1 are clamped to row N − 1 and their lanes not stored;
//   odd M: the last row alone. K blocks as above.
//   Small K (≤ 8, with M ≥ 16): the reduction is too short to amortize the lane reduction,
//   so instead, per block of 256 rows and group of 4 columns, the K vectors
//   (B[j,k], B[j+1,k], B[j+2,k], B[j+3,k]) are gathered once into registers and each row
//   costs K splats and K multiply-adds (naive order, so bit-identical in this case).
//
// bias_add: 4 columns per vector, scalar tail. bias_grad: per-column running sums kept in
// registers over all rows, 16 columns at a time (four independent add chains), then 4,
// then scalar columns.

// ---- helpers ---------------------------------------------------------------------------

import { tile4x8, loadPart, storePart, START_C, START_ZERO } from "./tile";
import { madd } from "../util/simd";

/** The starting value of an accumulator: C (acc = 1) or 0. */
@inline function startAcc(p: usize, acc: i32, W: i32): v128 {
  return acc != 0 ? loadPart(p, W) : f32x4.splat(0);
}

/** K block length: the KC×N slab of B near 256 KB, a multiple of 4, at least 64, ≤ cap. */
@inline function blockK(N: i32, K: i32, cap: i32): i32 {
  const kc = max((65536 / max(N, 1)) & ~3, 64);
  return min(min(kc, cap), K);
}

/** C = 0 for an empty sum (K = 0, acc = 0). */
function zeroC(c: usize, n: i32): void {
  const z = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(c + (<usize>i << 2), z);
  for (; i < n; i++) store<f32>(c + (<usize>i << 2), 0);
}

// ---- gemm_nn / gemm_tn -----------------------------------------------------------------

/**
 * 4 × (4·NV) tile (tile.ts): C rows c0..c3 (at column j0) (+)= A rows · B[k0.., j0..], kc
 * values of k. A value (row r, k) at ar + k·csA; with aContig (gemm_tn) the rows are
 * a0 + 0/4/8/12. B row k at b + k·ldb. NV = 1 or 2 vectors, the last one W lanes wide.
 */
@inline function tile4(
  c0: usize, c1: usize, c2: usize, c3: usize,
  a0: usize, a1: usize, a2: usize, a3: usize, csA: usize, aContig: bool,
  b: usize, ldb: usize, kc: i32, acc: i32, NV: i32, W: i32,
): void {
  tile4x8(c0, c1, c2, c3, 4, acc != 0 ? START_C : START_ZERO, 0, a0, a1, a2, a3, csA, aContig, b, ldb, kc, NV, W);
}

/** Four rows of C: 8 columns per tile, then the 1..7 column tail. */
@inline function rows4(
  c0: usize, ldc: usize, a0: usize, rsA: usize, csA: usize, aContig: bool,
  b: usize, ldb: usize, N: i32, kc: i32, acc: i32,
): void {
  const c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
  const a1 = a0 + rsA, a2 = a1 + rsA, a3 = a2 + rsA;
  let j0 = 0;
  for (; j0 + 8 <= N; j0 += 8) {
    const jb = <usize>j0 << 2;
    tile4(c0 + jb, c1 + jb, c2 + jb, c3 + jb, a0, a1, a2, a3, csA, aContig, b + jb, ldb, kc, acc, 2, 4);
  }
  const jb = <usize>j0 << 2;
  const t0 = c0 + jb, t1 = c1 + jb, t2 = c2 + jb, t3 = c3 + jb, tb = b + jb;
  switch (N - j0) {
    case 1: tile4(t0, t1, t2, t3, a0, a1, a2, a3, csA, aContig, tb, ldb, kc, acc, 1, 1); break;
    case 2: tile4(t0, t1, t2, t3, a0, a1, a2, a3, csA, aContig, tb, ldb, kc, acc, 1, 2); break;
    case 3: tile4(t0, t1, t2, t3, a0, a1, a2, a3, csA, aContig, tb, ldb, kc, acc, 1, 3); break;
    case 4: tile4(t0, t1, t2, t3, a0, a1, a2, a3, csA, aContig, tb, ldb, kc, acc, 1, 4); break;
    case 5: tile4(t0, t1, t2, t3, a0, a1, a2, a3, csA, aContig, tb, ldb, kc, acc, 2, 1); break;
    case 6: tile4(t0, t1, t2, t3, a0, a1, a2, a3, csA, aContig, tb, ldb, kc, acc, 2, 2); break;
    case 7: tile4(t0, t1, t2, t3, a0, a1, a2, a3, csA, aContig, tb, ldb, kc, acc, 2, 3); break;
    default: break;
  }
}

/**
 * 1 × (4·NV) tile for a single row: NV = 1..8 vectors, the last one W lanes wide. With
 * NV = 8 the eight independent accumulators hide the add latency although only one A value
 * is splat per k.
 */
@inline function tile1(c: usize, a: usize, csA: usize, b: usize, ldb: usize, kc: i32, acc: i32, NV: i32, W: i32): void {
  const z = f32x4.splat(0);
  let x0 = startAcc(c, acc, NV == 1 ? W : 4);
  let x1 = NV > 1 ? startAcc(c + 16, acc, NV == 2 ? W : 4) : z;
  let x2 = NV > 2 ? startAcc(c + 32, acc, NV == 3 ? W : 4) : z;
  let x3 = NV > 3 ? startAcc(c + 48, acc, NV == 4 ? W : 4) : z;
  let x4 = NV > 4 ? startAcc(c + 64, acc, NV == 5 ? W : 4) : z;
  let x5 = NV > 5 ? startAcc(c + 80, acc, NV == 6 ? W : 4) : z;
  let x6 = NV > 6 ? startAcc(c + 96, acc, NV == 7 ? W : 4) : z;
  let x7 = NV > 7 ? startAcc(c + 112, acc, W) : z;
  let pa = a, pb = b;
  for (let k = 0; k < kc; k++) {
    const s = v128.load32_splat(pa);
    x0 = madd(s, loadPart(pb, NV == 1 ? W : 4), x0);
    if (NV > 1) x1 = madd(s, loadPart(pb + 16, NV == 2 ? W : 4), x1);
    if (NV > 2) x2 = madd(s, loadPart(pb + 32, NV == 3 ? W : 4), x2);
    if (NV > 3) x3 = madd(s, loadPart(pb + 48, NV == 4 ? W : 4), x3);
    if (NV > 4) x4 = madd(s, loadPart(pb + 64, NV == 5 ? W : 4), x4);
    if (NV > 5) x5 = madd(s, loadPart(pb + 80, NV == 6 ? W : 4), x5);
    if (NV > 6) x6 = madd(s, loadPart(pb + 96, NV == 7 ? W : 4), x6);
    if (NV > 7) x7 = madd(s, loadPart(pb + 112, W), x7);
    pa += csA;
    pb += ldb;
  }
  storePart(c, x0, NV == 1 ? W : 4);
  if (NV > 1) storePart(c + 16, x1, NV == 2 ? W : 4);
  if (NV > 2) storePart(c + 32, x2, NV == 3 ? W : 4);
  if (NV > 3) storePart(c + 48, x3, NV == 4 ? W : 4);
  if (NV > 4) storePart(c + 64, x4, NV == 5 ? W : 4);
  if (NV > 5) storePart(c + 80, x5, NV == 6 ? W : 4);
  if (NV > 6) storePart(c + 96, x6, NV == 7 ? W : 4);
  if (NV > 7) storePart(c + 112, x7, W);
}

/** One row of C: 32 columns per tile, then 8, then the 1..7 column tail. */
function row1(c: usize, a: usize, csA: usize, b: usize, ldb: usize, N: i32, kc: i32, acc: i32): void {
  let j0 = 0;
  for (; j0 + 32 <= N; j0 += 32) tile1(c + (<usize>j0 << 2), a, csA, b + (<usize>j0 << 2), ldb, kc, acc, 8, 4);
  for (; j0 + 8 <= N; j0 += 8) tile1(c + (<usize>j0 << 2), a, csA, b + (<usize>j0 << 2), ldb, kc, acc, 2, 4);
  const jb = <usize>j0 << 2;
  switch (N - j0) {
    case 1: tile1(c + jb, a, csA, b + jb, ldb, kc, acc, 1, 1); break;
    case 2: tile1(c + jb, a, csA, b + jb, ldb, kc, acc, 1, 2); break;
    case 3: tile1(c + jb, a, csA, b + jb, ldb, kc, acc, 1, 3); break;
    case 4: tile1(c + jb, a, csA, b + jb, ldb, kc, acc, 1, 4); break;
    case 5: tile1(c + jb, a, csA, b + jb, ldb, kc, acc, 2, 1); break;
    case 6: tile1(c + jb, a, csA, b + jb, ldb, kc, acc, 2, 2); break;
    case 7: tile1(c + jb, a, csA, b + jb, ldb, kc, acc, 2, 3); break;
    default: break;
  }
}

/** Greatest common divisor of two positive integers. */
function gcd(x: i32, y: i32): i32 {
  while (y != 0) { const t = x % y; x = y; y = t; }
  return x;
}

/**
 * The k sub-block for gemm_tn's A stride csA (bytes; see the header): 8 × the number of sets of
 * a 64-set, 64-byte-line L1 that lines csA apart visit, or 0 when they visit ≥ 32 sets (no
 * sub-blocks needed). A stride that is not a whole number of lines drifts across sets: 0.
 */
function aliasBlockK(csA: usize): i32 {
  if ((csA & 63) != 0) return 0;
  const step = <i32>((csA >> 6) & 63);
  const sets = 64 / gcd(step == 0 ? 64 : step, 64);
  return sets >= 32 ? 0 : 8 * sets;
}

/**
 * C[M,N] (+)= op(A) · B for B row-major [K][N], with A's element (i, k) at
 * a + i·rsA + k·csA bytes: gemm_nn rsA = 4K, csA = 4; gemm_tn rsA = 4, csA = 4M.
 */
function gemmSplat(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, acc: i32, rsA: usize, csA: usize, kcCap: i32): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (acc == 0) zeroC(c, M * N);
    return;
  }
  const ldc = <usize>N << 2;
  const ldb = ldc;
  const KC = blockK(N, K, kcCap);
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    const accB = k0 == 0 ? acc : 1;
    const ak = a + <usize>k0 * csA;
    const bk = b + <usize>k0 * ldb;
    let i0 = 0;
    const KA = rsA == 4 ? aliasBlockK(csA) : 0;
    if (KA > 0 && KA < kc) {
      // gemm_tn with an aliasing A stride: sub-blocks of KA values of k per row tile.
      for (; i0 + 4 <= M; i0 += 4) {
        for (let k1 = 0; k1 < kc; k1 += KA) {
          rows4(c + <usize>i0 * ldc, ldc, ak + <usize>k1 * csA + (<usize>i0 << 2), 4, csA, true,
            bk + <usize>k1 * ldb, ldb, N, min(KA, kc - k1), k1 == 0 ? accB : 1);
        }
      }
    } else if (rsA == 4) {
      for (; i0 + 4 <= M; i0 += 4) rows4(c + <usize>i0 * ldc, ldc, ak + (<usize>i0 << 2), 4, csA, true, bk, ldb, N, kc, accB);
    } else {
      for (; i0 + 4 <= M; i0 += 4) rows4(c + <usize>i0 * ldc, ldc, ak + <usize>i0 * rsA, rsA, csA, false, bk, ldb, N, kc, accB);
    }
    for (; i0 < M; i0++) row1(c + <usize>i0 * ldc, ak + <usize>i0 * rsA, csA, bk, ldb, N, kc, accB);
  }
}

export function gemm_nn_simd(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, acc: i32): void {
  gemmSplat(c, a, b, M, N, K, acc, <usize>K << 2, 4, i32.MAX_VALUE);
}

export function gemm_tn_simd(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, acc: i32): void {
  gemmSplat(c, a, b, M, N, K, acc, 4, <usize>M << 2, 128);
}

// ---- gemm_nt ---------------------------------------------------------------------------

/** (Σ lanes of p, Σ of q, Σ of r, Σ of s), each as (l0 + l2) + (l1 + l3). */
@inline function reduce4(p: v128, q: v128, r: v128, s: v128): v128 {
  const u = f32x4.add(i32x4.shuffle(p, q, 0, 4, 1, 5), i32x4.shuffle(p, q, 2, 6, 3, 7));
  const v = f32x4.add(i32x4.shuffle(r, s, 0, 4, 1, 5), i32x4.shuffle(r, s, 2, 6, 3, 7));
  return f32x4.add(i32x4.shuffle(u, v, 0, 1, 4, 5), i32x4.shuffle(u, v, 2, 3, 6, 7));
}

/** The last 1..3 values of a row (n, runtime) as a vector, zeros above. */
@inline function loadTailK(p: usize, n: i32): v128 {
  let v = v128.load32_zero(p);
  if (n > 1) v = v128.load32_lane(p, v, 1, 4);
  if (n > 2) v = v128.load32_lane(p, v, 2, 8);
  return v;
}

/**
 * C[i+r, j..j+3] (+)= Σ_k A[i+r,k]·B[j+q,k] for R = 1 or 2 rows (a0, a1; c0, c1) and the 4
 * rows b0..b3 of B; lanes of the accumulators are k mod 4. Stores W columns.
 */
@inline function tileDot(
  c0: usize, c1: usize, a0: usize, a1: usize,
  b0: usize, b1: usize, b2: usize, b3: usize, kc: i32, acc: i32, R: i32, W: i32,
): void {
  const z = f32x4.splat(0);
  let x00 = z, x01 = z, x02 = z, x03 = z, x10 = z, x11 = z, x12 = z, x13 = z;
  const end = <usize>(kc & ~3) << 2;
  let o: usize = 0;
  for (; o < end; o += 16) {
    const u0 = v128.load(a0 + o);
    const u1 = R == 2 ? v128.load(a1 + o) : z;
    let v = v128.load(b0 + o); x00 = madd(u0, v, x00); if (R == 2) x10 = madd(u1, v, x10);
    v = v128.load(b1 + o); x01 = madd(u0, v, x01); if (R == 2) x11 = madd(u1, v, x11);
    v = v128.load(b2 + o); x02 = madd(u0, v, x02); if (R == 2) x12 = madd(u1, v, x12);
    v = v128.load(b3 + o); x03 = madd(u0, v, x03); if (R == 2) x13 = madd(u1, v, x13);
  }
  const rest = kc & 3;
  if (rest != 0) {
    const u0 = loadTailK(a0 + o, rest);
    const u1 = R == 2 ? loadTailK(a1 + o, rest) : z;
    let v = loadTailK(b0 + o, rest); x00 = madd(u0, v, x00); if (R == 2) x10 = madd(u1, v, x10);
    v = loadTailK(b1 + o, rest); x01 = madd(u0, v, x01); if (R == 2) x11 = madd(u1, v, x11);
    v = loadTailK(b2 + o, rest); x02 = madd(u0, v, x02); if (R == 2) x12 = madd(u1, v, x12);
    v = loadTailK(b3 + o, rest); x03 = madd(u0, v, x03); if (R == 2) x13 = madd(u1, v, x13);
  }
  let y0 = reduce4(x00, x01, x02, x03);
  if (acc != 0) y0 = f32x4.add(loadPart(c0, W), y0);
  storePart(c0, y0, W);
  if (R == 2) {
    let y1 = reduce4(x10, x11, x12, x13);
    if (acc != 0) y1 = f32x4.add(loadPart(c1, W), y1);
    storePart(c1, y1, W);
  }
}

/** R = 1 or 2 rows of C across all N columns, 4 per tile, then the 1..3 column tail. */
@inline function rowsDot(
  c0: usize, c1: usize, a0: usize, a1: usize, b: usize, ldb: usize, N: i32, kc: i32, acc: i32, R: i32,
): void {
  let j0 = 0;
  for (; j0 + 4 <= N; j0 += 4) {
    const bj = b + <usize>j0 * ldb;
    const cj = <usize>j0 << 2;
    tileDot(c0 + cj, c1 + cj, a0, a1, bj, bj + ldb, bj + 2 * ldb, bj + 3 * ldb, kc, acc, R, 4);
  }
  const rest = N - j0;
  if (rest > 0) {
    // Rows of B past N − 1 are clamped to it; their lanes are computed but not stored.
    const bj = b + <usize>j0 * ldb;
    const cj = <usize>j0 << 2;
    const b1 = rest > 1 ? bj + ldb : bj;
    const b2 = rest > 2 ? b1 + ldb : b1;
    if (rest == 1) tileDot(c0 + cj, c1 + cj, a0, a1, bj, b1, b2, b2, kc, acc, R, 1);
    else if (rest == 2) tileDot(c0 + cj, c1 + cj, a0, a1, bj, b1, b2, b2, kc, acc, R, 2);
    else tileDot(c0 + cj, c1 + cj, a0, a1, bj, b1, b2, b2, kc, acc, R, 3);
  }
}

/** (B[j,k], B[j+1,k], ...) for the W rows of B at b, b + ldb, ... (zeros above W). */
@inline function gatherCol(p: usize, ldb: usize, W: i32): v128 {
  let v = v128.load32_zero(p);
  if (W > 1) v = v128.load32_lane(p + ldb, v, 1);
  if (W > 2) v = v128.load32_lane(p + 2 * ldb, v, 2);
  if (W > 3) v = v128.load32_lane(p + 3 * ldb, v, 3);
  return v;
}

/**
 * Small K (≤ 8): for a block of rows and a group of W columns, the K vectors
 * t_k = (B[j,k], B[j+1,k], ...) are gathered once and kept in registers, then every row
 * costs K splats and K multiply-adds into one accumulator (independent across rows).
 */
@inline function colGroupSmallK(c: usize, ldc: usize, a: usize, lda: usize, b: usize, ldb: usize,
  rows: i32, K: i32, acc: i32, W: i32): void {
  const z = f32x4.splat(0);
  const t0 = gatherCol(b, ldb, W);
  const t1 = K > 1 ? gatherCol(b + 4, ldb, W) : z;
  const t2 = K > 2 ? gatherCol(b + 8, ldb, W) : z;
  const t3 = K > 3 ? gatherCol(b + 12, ldb, W) : z;
  const t4 = K > 4 ? gatherCol(b + 16, ldb, W) : z;
  const t5 = K > 5 ? gatherCol(b + 20, ldb, W) : z;
  const t6 = K > 6 ? gatherCol(b + 24, ldb, W) : z;
  const t7 = K > 7 ? gatherCol(b + 28, ldb, W) : z;
  let pc = c, pa = a;
  for (let r = 0; r < rows; r++) {
    let x = startAcc(pc, acc, W);
    x = madd(v128.load32_splat(pa), t0, x);
    if (K > 1) x = madd(v128.load32_splat(pa, 4), t1, x);
    if (K > 2) x = madd(v128.load32_splat(pa, 8), t2, x);
    if (K > 3) x = madd(v128.load32_splat(pa, 12), t3, x);
    if (K > 4) x = madd(v128.load32_splat(pa, 16), t4, x);
    if (K > 5) x = madd(v128.load32_splat(pa, 20), t5, x);
    if (K > 6) x = madd(v128.load32_splat(pa, 24), t6, x);
    if (K > 7) x = madd(v128.load32_splat(pa, 28), t7, x);
    storePart(pc, x, W);
    pc += ldc;
    pa += lda;
  }
}

function gemmNtSmallK(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, acc: i32): void {
  const ldc = <usize>N << 2;
  const lda = <usize>K << 2;
  const ldb = lda;
  const RB = 256; // rows per block: the block's A and C stay in L1 across column groups
  for (let i0 = 0; i0 < M; i0 += RB) {
    const rows = min(RB, M - i0);
    const ci = c + <usize>i0 * ldc, ai = a + <usize>i0 * lda;
    let j0 = 0;
    for (; j0 + 4 <= N; j0 += 4) colGroupSmallK(ci + (<usize>j0 << 2), ldc, ai, lda, b + <usize>j0 * ldb, ldb, rows, K, acc, 4);
    const cj = ci + (<usize>j0 << 2), bj = b + <usize>j0 * ldb;
    switch (N - j0) {
      case 1: colGroupSmallK(cj, ldc, ai, lda, bj, ldb, rows, K, acc, 1); break;
      case 2: colGroupSmallK(cj, ldc, ai, lda, bj, ldb, rows, K, acc, 2); break;
      case 3: colGroupSmallK(cj, ldc, ai, lda, bj, ldb, rows, K, acc, 3); break;
      default: break;
    }
  }
}

export function gemm_nt_simd(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, acc: i32): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (acc == 0) zeroC(c, M * N);
    return;
  }
  if (K <= 8 && M >= 16) {
    gemmNtSmallK(c, a, b, M, N, K, acc);
    return;
  }
  const ldc = <usize>N << 2;
  const lda = <usize>K << 2;
  const ldb = lda;
  const KC = blockK(N, K, i32.MAX_VALUE);
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    const accB = k0 == 0 ? acc : 1;
    const ak = a + (<usize>k0 << 2);
    const bk = b + (<usize>k0 << 2);
    let i0 = 0;
    for (; i0 + 2 <= M; i0 += 2) {
      const ci = c + <usize>i0 * ldc, ai = ak + <usize>i0 * lda;
      rowsDot(ci, ci + ldc, ai, ai + lda, bk, ldb, N, kc, accB, 2);
    }
    if (i0 < M) {
      const ci = c + <usize>i0 * ldc, ai = ak + <usize>i0 * lda;
      rowsDot(ci, ci, ai, ai, bk, ldb, N, kc, accB, 1);
    }
  }
}

// ---- bias ------------------------------------------------------------------------------

export function bias_add_simd(y: usize, bias: usize, rows: i32, N: i32): void {
  const rowBytes = <usize>N << 2;
  let p = y;
  for (let r = 0; r < rows; r++) {
    let n = 0;
    for (; n + 4 <= N; n += 4) {
      const o = <usize>n << 2;
      v128.store(p + o, f32x4.add(v128.load(p + o), v128.load(bias + o)));
    }
    for (; n < N; n++) {
      const o = <usize>n << 2;
      store<f32>(p + o, load<f32>(p + o) + load<f32>(bias + o));
    }
    p += rowBytes;
  }
}

export function bias_grad_simd(db: usize, dy: usize, rows: i32, N: i32): void {
  const rowBytes = <usize>N << 2;
  let n = 0;
  for (; n + 16 <= N; n += 16) {
    const o = <usize>n << 2;
    let s0 = v128.load(db + o), s1 = v128.load(db + o, 16);
    let s2 = v128.load(db + o, 32), s3 = v128.load(db + o, 48);
    let p = dy + o;
    for (let r = 0; r < rows; r++) {
      s0 = f32x4.add(s0, v128.load(p)); s1 = f32x4.add(s1, v128.load(p, 16));
      s2 = f32x4.add(s2, v128.load(p, 32)); s3 = f32x4.add(s3, v128.load(p, 48));
      p += rowBytes;
    }
    v128.store(db + o, s0); v128.store(db + o, s1, 16);
    v128.store(db + o, s2, 32); v128.store(db + o, s3, 48);
  }
  for (; n + 4 <= N; n += 4) {
    const o = <usize>n << 2;
    let s = v128.load(db + o);
    let p = dy + o;
    for (let r = 0; r < rows; r++) {
      s = f32x4.add(s, v128.load(p));
      p += rowBytes;
    }
    v128.store(db + o, s);
  }
  for (; n < N; n++) {
    const o = <usize>n << 2;
    let s = load<f32>(db + o);
    let p = dy + o;
    for (let r = 0; r < rows; r++) {
      s += load<f32>(p);
      p += rowBytes;
    }
    store<f32>(db + o, s);
  }
}
