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
// (acc = 1), y, db. No alignment is assumed (unaligned v128 loads and stores).
//
// Every kernel here does, per output, exactly the operations of its naive twin in the
// same order: c = (acc ? C : 0), then c += a·b for ascending k (mul then add, no FMA).
// Lanes only ever hold different OUTPUTS, never parts of one sum, so the results are
// bit-identical to naive.ts. (The tests still use the dot-product bound, so a future
// reordering, e.g. splitting K, stays legal.)
//
// GEMM structure ("splat" form, no packing: the kernels get no scratch memory):
//   - Micro-tile of 4 rows × 8 columns of C held in 8 f32x4 accumulators. Per k, two
//     vectors of B's row k are loaded once and reused by the 4 rows, and each A value is
//     loaded once as a splat and reused by the 8 columns: 6 loads per 16 mul/add. 4×8 is
//     the largest tile that stays in V8's 16 xmm registers (8 acc + 2 B + splat).
//   - gemm_nt has no contiguous row of B for a fixed k, so it loads a 4×4 block of B
//     (4 rows j, 4 values of k) and transposes it in registers (8 shuffles), which gives
//     four "B row k" vectors; then the same multiply-add as above.
//   - Cache blocking over K: the k range is split into blocks of KC so that the KC×N slab
//     of B being swept stays in the 1 MB L2 across all the row tiles (after the first
//     block the tile accumulates into C).
//   - Tails: a row tile past the last row re-computes the last row (the duplicate rows
//     read the same C and store the same values, so even acc = 1 is exact). A column tail
//     of 1..7 uses a tile of 1 or 2 vectors whose last vector is partial: it is read with
//     load32_zero / load64_zero (+ load32_lane) and written with store32/64_lane, so no
//     byte outside the matrices is read or written. gemm_nt's K tail (K % 4) gathers the
//     B column lanes one value at a time.
//   - bias_add / bias_grad: 4 columns per vector, scalar tail columns; bias_grad keeps
//     one running sum per column, in registers, for 16 columns at a time.

// ---- partial vectors: lanes [0, W) of a row; W is a compile-time constant 1..4 ---------

@inline function loadPart(p: usize, W: i32): v128 {
  if (W == 4) return v128.load(p);
  if (W == 3) return v128.load32_lane(p, v128.load64_zero(p), 2, 8);
  if (W == 2) return v128.load64_zero(p);
  return v128.load32_zero(p);
}

@inline function storePart(p: usize, v: v128, W: i32): void {
  if (W == 4) {
    v128.store(p, v);
  } else if (W == 3) {
    v128.store64_lane(p, v, 0);
    v128.store32_lane(p, v, 2, 8);
  } else if (W == 2) {
    v128.store64_lane(p, v, 0);
  } else {
    v128.store32_lane(p, v, 0);
  }
}

@inline function startAcc(p: usize, acc: i32, W: i32): v128 {
  return acc != 0 ? loadPart(p, W) : f32x4.splat(0);
}

/** Byte offset of row min(i, M − 1): the clamped row a tail tile re-computes. */
@inline function rowAt(base: usize, i: i32, M: i32, rowBytes: usize): usize {
  return base + <usize>min(i, M - 1) * rowBytes;
}

/** K block length: keeps the KC×N slab of B near 256 KB (within L2), a multiple of 4. */
@inline function blockK(N: i32, K: i32): i32 {
  let kc = (65536 / max(N, 1)) & ~3;
  kc = max(kc, 64);
  return min(kc, K);
}

/** acc = 0 with K = 0: C = 0 (an empty sum); acc = 1 with K = 0 leaves C alone. */
function zeroC(c: usize, n: i32): void {
  const z = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(c + (<usize>i << 2), z);
  for (; i < n; i++) store<f32>(c + (<usize>i << 2), 0);
}

// ---- gemm_nn / gemm_tn micro-tile -------------------------------------------------------
//
// C rows c0..c3 (byte offsets of column j0); B at b + k·ldb; NV = 1 or 2 vectors of
// columns, the last one W lanes wide. A, by layout (all compile-time constants):
//   kUnit    (gemm_nn) four row pointers, k at +4 bytes: the k loop is unrolled by 4 so
//            the A loads use immediate offsets and the pointers move once per 4 k;
//   aContig  (gemm_tn, full row tiles) one pointer, rows at +0/+4/+8/+12, k at +csA;
//   neither  (gemm_tn, the clamped last row tile) four row pointers, k at +csA.

@inline function madd(x: v128, s: v128, b: v128): v128 {
  return f32x4.add(x, f32x4.mul(s, b));
}

@inline function tileBcast(
  c0: usize, c1: usize, c2: usize, c3: usize,
  a0: usize, a1: usize, a2: usize, a3: usize, csA: usize, kUnit: bool, aContig: bool,
  b: usize, ldb: usize, kc: i32, acc: i32, NV: i32, W: i32,
): void {
  const W0 = NV == 2 ? 4 : W;
  let x00 = startAcc(c0, acc, W0), x10 = startAcc(c1, acc, W0);
  let x20 = startAcc(c2, acc, W0), x30 = startAcc(c3, acc, W0);
  let x01 = f32x4.splat(0), x11 = x01, x21 = x01, x31 = x01;
  if (NV == 2) {
    x01 = startAcc(c0 + 16, acc, W); x11 = startAcc(c1 + 16, acc, W);
    x21 = startAcc(c2 + 16, acc, W); x31 = startAcc(c3 + 16, acc, W);
  }
  let pb = b;
  let k = 0;
  // One k at a time: the whole loop for gemm_tn, the k % 4 tail for gemm_nn.
  for (; k < kc; k++) {
    const b0 = loadPart(pb, W0);
    const b1 = NV == 2 ? loadPart(pb + 16, W) : b0;
    let s0: v128, s1: v128, s2: v128, s3: v128;
    if (aContig) {
      s0 = v128.load32_splat(a0); s1 = v128.load32_splat(a0, 4);
      s2 = v128.load32_splat(a0, 8); s3 = v128.load32_splat(a0, 12);
    } else {
      s0 = v128.load32_splat(a0); s1 = v128.load32_splat(a1);
      s2 = v128.load32_splat(a2); s3 = v128.load32_splat(a3);
      a1 += csA; a2 += csA; a3 += csA;
    }
    a0 += csA;
    x00 = madd(x00, s0, b0); x10 = madd(x10, s1, b0); x20 = madd(x20, s2, b0); x30 = madd(x30, s3, b0);
    if (NV == 2) {
      x01 = madd(x01, s0, b1); x11 = madd(x11, s1, b1); x21 = madd(x21, s2, b1); x31 = madd(x31, s3, b1);
    }
    pb += ldb;
  }
  // Store rows 3..0 so that, when clamped rows coincide, all writes carry the same value.
  storePart(c3, x30, W0); storePart(c2, x20, W0); storePart(c1, x10, W0); storePart(c0, x00, W0);
  if (NV == 2) {
    storePart(c3 + 16, x31, W); storePart(c2 + 16, x21, W);
    storePart(c1 + 16, x11, W); storePart(c0 + 16, x01, W);
  }
}

/** Column tail of a row tile: 1..7 columns starting at byte offset `jb` of every row. */
@inline function tailBcast(
  c0: usize, c1: usize, c2: usize, c3: usize,
  a0: usize, a1: usize, a2: usize, a3: usize, csA: usize, kUnit: bool, aContig: bool,
  b: usize, ldb: usize, kc: i32, acc: i32, rem: i32,
): void {
  switch (rem) {
    case 1: tileBcast(c0, c1, c2, c3, a0, a1, a2, a3, csA, kUnit, aContig, b, ldb, kc, acc, 1, 1); break;
    case 2: tileBcast(c0, c1, c2, c3, a0, a1, a2, a3, csA, kUnit, aContig, b, ldb, kc, acc, 1, 2); break;
    case 3: tileBcast(c0, c1, c2, c3, a0, a1, a2, a3, csA, kUnit, aContig, b, ldb, kc, acc, 1, 3); break;
    case 4: tileBcast(c0, c1, c2, c3, a0, a1, a2, a3, csA, kUnit, aContig, b, ldb, kc, acc, 1, 4); break;
    case 5: tileBcast(c0, c1, c2, c3, a0, a1, a2, a3, csA, kUnit, aContig, b, ldb, kc, acc, 2, 1); break;
    case 6: tileBcast(c0, c1, c2, c3, a0, a1, a2, a3, csA, kUnit, aContig, b, ldb, kc, acc, 2, 2); break;
    case 7: tileBcast(c0, c1, c2, c3, a0, a1, a2, a3, csA, kUnit, aContig, b, ldb, kc, acc, 2, 3); break;
    default: break;
  }
}

/**
 * C[M,N] (+)= op(A) · B with B row-major [K][N]; A's element (i, k) at a + i·rsA + k·csA
 * (bytes). gemm_nn: rsA = 4K, csA = 4; gemm_tn: rsA = 4, csA = 4M.
 */
function gemmBcast(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, acc: i32, rsA: usize, csA: usize): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (acc == 0) zeroC(c, M * N);
    return;
  }
  const ldc = <usize>N << 2;
  const ldb = ldc;
  const KC = blockK(N, K);
  const kUnit = csA == 4; // gemm_nn (rows of A are contiguous in k)
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    const accB = k0 == 0 ? acc : 1;
    const ak = a + <usize>k0 * csA;
    const bk = b + <usize>k0 * ldb;
    for (let i0 = 0; i0 < M; i0 += 4) {
      const c0 = rowAt(c, i0, M, ldc), c1 = rowAt(c, i0 + 1, M, ldc);
      const c2 = rowAt(c, i0 + 2, M, ldc), c3 = rowAt(c, i0 + 3, M, ldc);
      const a0 = rowAt(ak, i0, M, rsA), a1 = rowAt(ak, i0 + 1, M, rsA);
      const a2 = rowAt(ak, i0 + 2, M, rsA), a3 = rowAt(ak, i0 + 3, M, rsA);
      let j0 = 0;
      if (kUnit) {
        for (; j0 + 8 <= N; j0 += 8) {
          const jb = <usize>j0 << 2;
          tileBcast(c0 + jb, c1 + jb, c2 + jb, c3 + jb, a0, a1, a2, a3, 4, true, false, bk + jb, ldb, kc, accB, 2, 4);
        }
        if (j0 < N) {
          const jb = <usize>j0 << 2;
          tailBcast(c0 + jb, c1 + jb, c2 + jb, c3 + jb, a0, a1, a2, a3, 4, true, false, bk + jb, ldb, kc, accB, N - j0);
        }
      } else if (i0 + 4 <= M) {
        for (; j0 + 8 <= N; j0 += 8) {
          const jb = <usize>j0 << 2;
          tileBcast(c0 + jb, c1 + jb, c2 + jb, c3 + jb, a0, a0, a0, a0, csA, false, true, bk + jb, ldb, kc, accB, 2, 4);
        }
        if (j0 < N) {
          const jb = <usize>j0 << 2;
          tailBcast(c0 + jb, c1 + jb, c2 + jb, c3 + jb, a0, a0, a0, a0, csA, false, true, bk + jb, ldb, kc, accB, N - j0);
        }
      } else {
        for (; j0 + 8 <= N; j0 += 8) {
          const jb = <usize>j0 << 2;
          tileBcast(c0 + jb, c1 + jb, c2 + jb, c3 + jb, a0, a1, a2, a3, csA, false, false, bk + jb, ldb, kc, accB, 2, 4);
        }
        if (j0 < N) {
          const jb = <usize>j0 << 2;
          tailBcast(c0 + jb, c1 + jb, c2 + jb, c3 + jb, a0, a1, a2, a3, csA, false, false, bk + jb, ldb, kc, accB, N - j0);
        }
      }
    }
  }
}

export function gemm_nn_simd(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, acc: i32): void {
  gemmBcast(c, a, b, M, N, K, acc, <usize>K << 2, 4);
}

export function gemm_tn_simd(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, acc: i32): void {
  gemmBcast(c, a, b, M, N, K, acc, 4, <usize>M << 2);
}

// ---- gemm_nt ---------------------------------------------------------------------------
//
// B is [N][K]: for columns j..j+3 and k..k+3 load the four rows' 4-value pieces and
// transpose, giving t_q = (B[j,k+q], B[j+1,k+q], B[j+2,k+q], B[j+3,k+q]). Rows of B past
// the column tail are not loaded (zero vectors), so the partial stores ignore them.

function gemmNt(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, acc: i32): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (acc == 0) zeroC(c, M * N);
    return;
  }
  const ldc = <usize>N << 2;
  const lda = <usize>K << 2;
  const ldb = lda;
  const KC = blockK(N, K);
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    const accB = k0 == 0 ? acc : 1;
    const ak = a + (<usize>k0 << 2);
    const bk = b + (<usize>k0 << 2);
    for (let i0 = 0; i0 < M; i0 += 4) {
      const c0 = rowAt(c, i0, M, ldc), c1 = rowAt(c, i0 + 1, M, ldc);
      const c2 = rowAt(c, i0 + 2, M, ldc), c3 = rowAt(c, i0 + 3, M, ldc);
      const a0 = rowAt(ak, i0, M, lda), a1 = rowAt(ak, i0 + 1, M, lda);
      const a2 = rowAt(ak, i0 + 2, M, lda), a3 = rowAt(ak, i0 + 3, M, lda);
      let j0 = 0;
      for (; j0 + 8 <= N; j0 += 8) {
        const jb = <usize>j0 << 2;
        tileNt(c0 + jb, c1 + jb, c2 + jb, c3 + jb, a0, a1, a2, a3, bk + <usize>j0 * ldb, ldb, kc, accB, 2, 4);
      }
      if (j0 < N) {
        const jb = <usize>j0 << 2;
        tailNt(c0 + jb, c1 + jb, c2 + jb, c3 + jb, a0, a1, a2, a3, bk + <usize>j0 * ldb, ldb, kc, accB, N - j0);
      }
    }
  }
}

@inline function tailNt(
  c0: usize, c1: usize, c2: usize, c3: usize,
  a0: usize, a1: usize, a2: usize, a3: usize,
  b: usize, ldb: usize, kc: i32, acc: i32, rem: i32,
): void {
  switch (rem) {
    case 1: tileNt(c0, c1, c2, c3, a0, a1, a2, a3, b, ldb, kc, acc, 1, 1); break;
    case 2: tileNt(c0, c1, c2, c3, a0, a1, a2, a3, b, ldb, kc, acc, 1, 2); break;
    case 3: tileNt(c0, c1, c2, c3, a0, a1, a2, a3, b, ldb, kc, acc, 1, 3); break;
    case 4: tileNt(c0, c1, c2, c3, a0, a1, a2, a3, b, ldb, kc, acc, 1, 4); break;
    case 5: tileNt(c0, c1, c2, c3, a0, a1, a2, a3, b, ldb, kc, acc, 2, 1); break;
    case 6: tileNt(c0, c1, c2, c3, a0, a1, a2, a3, b, ldb, kc, acc, 2, 2); break;
    case 7: tileNt(c0, c1, c2, c3, a0, a1, a2, a3, b, ldb, kc, acc, 2, 3); break;
    default: break;
  }
}

/** Row r < W of a 4×4 block of B (4 consecutive k), or zeros for rows past the tail. */
@inline function rowOrZero(p: usize, r: i32, W: i32): v128 {
  return r < W ? v128.load(p) : f32x4.splat(0);
}

/** Lane q of the transposed block: (B[j,k], B[j+1,k], ...) for one k, W rows, gathered. */
@inline function gatherCol(p: usize, ldb: usize, W: i32): v128 {
  let v = v128.load32_zero(p);
  if (W > 1) v = v128.load32_lane(p + ldb, v, 1);
  if (W > 2) v = v128.load32_lane(p + 2 * ldb, v, 2);
  if (W > 3) v = v128.load32_lane(p + 3 * ldb, v, 3);
  return v;
}

@inline function tileNt(
  c0: usize, c1: usize, c2: usize, c3: usize,
  a0: usize, a1: usize, a2: usize, a3: usize,
  b: usize, ldb: usize, kc: i32, acc: i32, NV: i32, W: i32,
): void {
  const W0 = NV == 2 ? 4 : W;
  let x00 = startAcc(c0, acc, W0), x10 = startAcc(c1, acc, W0);
  let x20 = startAcc(c2, acc, W0), x30 = startAcc(c3, acc, W0);
  let x01 = f32x4.splat(0), x11 = x01, x21 = x01, x31 = x01;
  if (NV == 2) {
    x01 = startAcc(c0 + 16, acc, W); x11 = startAcc(c1 + 16, acc, W);
    x21 = startAcc(c2 + 16, acc, W); x31 = startAcc(c3 + 16, acc, W);
  }
  const b4 = b + (ldb << 2); // first row of the second group of 4 columns
  let k = 0;
  let ko: usize = 0; // byte offset of k within a row
  for (; k + 4 <= kc; k += 4) {
    // Group 0: columns j..j+3.
    {
      const r0 = rowOrZero(b + ko, 0, W0), r1 = rowOrZero(b + ldb + ko, 1, W0);
      const r2 = rowOrZero(b + 2 * ldb + ko, 2, W0), r3 = rowOrZero(b + 3 * ldb + ko, 3, W0);
      const u0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5), u1 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
      const u2 = i32x4.shuffle(r2, r3, 0, 4, 1, 5), u3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
      const t0 = i32x4.shuffle(u0, u2, 0, 1, 4, 5), t1 = i32x4.shuffle(u0, u2, 2, 3, 6, 7);
      const t2 = i32x4.shuffle(u1, u3, 0, 1, 4, 5), t3 = i32x4.shuffle(u1, u3, 2, 3, 6, 7);
      x00 = f32x4.add(x00, f32x4.mul(v128.load32_splat(a0 + ko), t0));
      x10 = f32x4.add(x10, f32x4.mul(v128.load32_splat(a1 + ko), t0));
      x20 = f32x4.add(x20, f32x4.mul(v128.load32_splat(a2 + ko), t0));
      x30 = f32x4.add(x30, f32x4.mul(v128.load32_splat(a3 + ko), t0));
      x00 = f32x4.add(x00, f32x4.mul(v128.load32_splat(a0 + ko, 4), t1));
      x10 = f32x4.add(x10, f32x4.mul(v128.load32_splat(a1 + ko, 4), t1));
      x20 = f32x4.add(x20, f32x4.mul(v128.load32_splat(a2 + ko, 4), t1));
      x30 = f32x4.add(x30, f32x4.mul(v128.load32_splat(a3 + ko, 4), t1));
      x00 = f32x4.add(x00, f32x4.mul(v128.load32_splat(a0 + ko, 8), t2));
      x10 = f32x4.add(x10, f32x4.mul(v128.load32_splat(a1 + ko, 8), t2));
      x20 = f32x4.add(x20, f32x4.mul(v128.load32_splat(a2 + ko, 8), t2));
      x30 = f32x4.add(x30, f32x4.mul(v128.load32_splat(a3 + ko, 8), t2));
      x00 = f32x4.add(x00, f32x4.mul(v128.load32_splat(a0 + ko, 12), t3));
      x10 = f32x4.add(x10, f32x4.mul(v128.load32_splat(a1 + ko, 12), t3));
      x20 = f32x4.add(x20, f32x4.mul(v128.load32_splat(a2 + ko, 12), t3));
      x30 = f32x4.add(x30, f32x4.mul(v128.load32_splat(a3 + ko, 12), t3));
    }
    if (NV == 2) {
      // Group 1: columns j+4..j+7 (the last W of them exist).
      const r0 = rowOrZero(b4 + ko, 0, W), r1 = rowOrZero(b4 + ldb + ko, 1, W);
      const r2 = rowOrZero(b4 + 2 * ldb + ko, 2, W), r3 = rowOrZero(b4 + 3 * ldb + ko, 3, W);
      const u0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5), u1 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
      const u2 = i32x4.shuffle(r2, r3, 0, 4, 1, 5), u3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
      const t0 = i32x4.shuffle(u0, u2, 0, 1, 4, 5), t1 = i32x4.shuffle(u0, u2, 2, 3, 6, 7);
      const t2 = i32x4.shuffle(u1, u3, 0, 1, 4, 5), t3 = i32x4.shuffle(u1, u3, 2, 3, 6, 7);
      x01 = f32x4.add(x01, f32x4.mul(v128.load32_splat(a0 + ko), t0));
      x11 = f32x4.add(x11, f32x4.mul(v128.load32_splat(a1 + ko), t0));
      x21 = f32x4.add(x21, f32x4.mul(v128.load32_splat(a2 + ko), t0));
      x31 = f32x4.add(x31, f32x4.mul(v128.load32_splat(a3 + ko), t0));
      x01 = f32x4.add(x01, f32x4.mul(v128.load32_splat(a0 + ko, 4), t1));
      x11 = f32x4.add(x11, f32x4.mul(v128.load32_splat(a1 + ko, 4), t1));
      x21 = f32x4.add(x21, f32x4.mul(v128.load32_splat(a2 + ko, 4), t1));
      x31 = f32x4.add(x31, f32x4.mul(v128.load32_splat(a3 + ko, 4), t1));
      x01 = f32x4.add(x01, f32x4.mul(v128.load32_splat(a0 + ko, 8), t2));
      x11 = f32x4.add(x11, f32x4.mul(v128.load32_splat(a1 + ko, 8), t2));
      x21 = f32x4.add(x21, f32x4.mul(v128.load32_splat(a2 + ko, 8), t2));
      x31 = f32x4.add(x31, f32x4.mul(v128.load32_splat(a3 + ko, 8), t2));
      x01 = f32x4.add(x01, f32x4.mul(v128.load32_splat(a0 + ko, 12), t3));
      x11 = f32x4.add(x11, f32x4.mul(v128.load32_splat(a1 + ko, 12), t3));
      x21 = f32x4.add(x21, f32x4.mul(v128.load32_splat(a2 + ko, 12), t3));
      x31 = f32x4.add(x31, f32x4.mul(v128.load32_splat(a3 + ko, 12), t3));
    }
    ko += 16;
  }
  // K tail (kc % 4 values): gather each column lane from its row of B.
  for (; k < kc; k++) {
    const t0 = gatherCol(b + ko, ldb, W0);
    const s0 = v128.load32_splat(a0 + ko), s1 = v128.load32_splat(a1 + ko);
    const s2 = v128.load32_splat(a2 + ko), s3 = v128.load32_splat(a3 + ko);
    x00 = f32x4.add(x00, f32x4.mul(s0, t0));
    x10 = f32x4.add(x10, f32x4.mul(s1, t0));
    x20 = f32x4.add(x20, f32x4.mul(s2, t0));
    x30 = f32x4.add(x30, f32x4.mul(s3, t0));
    if (NV == 2) {
      const t1 = gatherCol(b4 + ko, ldb, W);
      x01 = f32x4.add(x01, f32x4.mul(s0, t1));
      x11 = f32x4.add(x11, f32x4.mul(s1, t1));
      x21 = f32x4.add(x21, f32x4.mul(s2, t1));
      x31 = f32x4.add(x31, f32x4.mul(s3, t1));
    }
    ko += 4;
  }
  storePart(c3, x30, W0); storePart(c2, x20, W0); storePart(c1, x10, W0); storePart(c0, x00, W0);
  if (NV == 2) {
    storePart(c3 + 16, x31, W); storePart(c2 + 16, x21, W);
    storePart(c1 + 16, x11, W); storePart(c0 + 16, x01, W);
  }
}

export function gemm_nt_simd(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, acc: i32): void {
  gemmNt(c, a, b, M, N, K, acc);
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
  // Each column's running sum starts at db[n] and adds dy[r,n] for ascending r, like the
  // naive loop; 16 columns at a time so four independent add chains hide the latency.
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
