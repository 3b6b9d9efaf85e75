// TypeScript mirror of assembly/abi.ts and the full list of kernel exports.
// Both wasm builds (naive and SIMD) export exactly the functions in KERNEL_TABLE, with the
// signatures documented in `Kernels` (test/runtime/kernel-table.test.ts checks the built
// modules against the table); load.ts checks that each name is there before handing a
// module out.
//
// Conventions (see assembly/abi.ts for the shape letters):
//   - every pointer is a byte offset into the one shared WebAssembly.Memory;
//     0 means "absent" (e.g. no bias), the arena never hands out offset 0.
//   - outputs first, then inputs, then sizes/geometry.
//   - "overwrite" kernels write every output element; "accumulate" kernels add
//     into their output (parameter gradients use +=, the trainer zeroes them).

export const GEOM = {
  B: 0, H: 1, W: 2, C: 3, OH: 4, OW: 5, OC: 6, KH: 7, KW: 8, SH: 9, SW: 10, PT: 11, PL: 12,
} as const;
/** Activation codes of conv2d_forward_act (assembly/conv2d/direct.ts ACT_*). */
export const CONV_ACT = { linear: 0, relu: 1 } as const;
/** i32 slots in a Geom2d struct (64 bytes). */
export const GEOM_I32S = 16;
export const GEOM_BYTES = GEOM_I32S * 4;

export interface Geom2d {
  B: number; H: number; W: number; C: number;
  OH: number; OW: number; OC: number;
  KH: number; KW: number; SH: number; SW: number;
  PT: number; PL: number;
}

type Ptr = number;

export interface Kernels {
  // ---- misc ----------------------------------------------------------------
  /** x[i] = value for i < n. */
  fill(x: Ptr, n: number, value: number): void;
  /** x[i] *= s. */
  scale(x: Ptr, n: number, s: number): void;
  /**
   * y[i] += x[i] for i < n: one f32 addition per element, so both builds agree bit for bit.
   * Accumulates into y, reads x. y and x are the same buffer (y doubles) or do not overlap.
   */
  add(y: Ptr, x: Ptr, n: number): void;
  /** 1 in the SIMD build, 0 in the naive build. */
  build_is_simd(): number;
  /** Index of the first NaN or ±infinity in x[0, n), or −1; reads x. Both builds give the same index. */
  first_nonfinite(x: Ptr, n: number): number;
  /**
   * Writes the Geom2d field indices the kernels read (assembly/abi.ts GEOM_*) as 14 i32 at
   * `out`: B H W C OH OW OC KH KW SH SW PT PL, then GEOM_I32S. Lets a test hold GEOM and
   * GEOM_I32S above to the AssemblyScript constants; no kernel work needs it.
   */
  geom_layout(out: Ptr): void;

  // ---- gemm (row-major; acc = 0 overwrites C, acc = 1 adds into C) ----------
  /** C[M,N] (+)= A[M,K] · B[K,N] */
  gemm_nn(c: Ptr, a: Ptr, b: Ptr, M: number, N: number, K: number, acc: number): void;
  /** C[M,N] (+)= A[K,M]ᵀ · B[K,N] */
  gemm_tn(c: Ptr, a: Ptr, b: Ptr, M: number, N: number, K: number, acc: number): void;
  /** C[M,N] (+)= A[M,K] · B[N,K]ᵀ */
  gemm_nt(c: Ptr, a: Ptr, b: Ptr, M: number, N: number, K: number, acc: number): void;
  /**
   * C[M,N] (+)= A[M,K] · B[K,N], as gemm_nn (same result bit for bit), with A and B packed
   * into `scratch` first: gemm_packed_scratch_bytes(M, N, K) bytes, caller-allocated,
   * 16-byte aligned, not overlapping A, B or C; its contents are clobbered. Faster than
   * gemm_nn for large products (measured: M ≥ 32, N ≥ 48, K ≥ 64); the naive build ignores scratch.
   */
  gemm_nn_packed(c: Ptr, a: Ptr, b: Ptr, M: number, N: number, K: number, acc: number, scratch: Ptr): void;
  /**
   * Bytes of scratch gemm_nn_packed needs for this shape: 0 in the naive build; in the SIMD
   * build ≤ 1,769,600 and non-decreasing in each of M, N, K (a buffer sized for a batch B
   * serves every smaller batch).
   */
  gemm_packed_scratch_bytes(M: number, N: number, K: number): number;
  /** y[r,n] += bias[n] for r < rows, n < N. */
  bias_add(y: Ptr, bias: Ptr, rows: number, N: number): void;
  /** db[n] += Σ_r dy[r,n]. */
  bias_grad(db: Ptr, dy: Ptr, rows: number, N: number): void;

  // ---- conv2d (x NHWC, w HWIO, y NHWC, geometry struct at g) ----------------
  /** Bytes of scratch conv2d_* needs for geometry g (0 if none). Same for all three. */
  conv2d_scratch_bytes(g: Ptr): number;
  /** y = conv(x, w) + bias (bias may be 0 = absent). Overwrites y. */
  conv2d_forward(y: Ptr, x: Ptr, w: Ptr, bias: Ptr, g: Ptr, scratch: Ptr): void;
  /**
   * conv2d_forward, then the activation `act` (CONV_ACT: 0 linear, 1 relu) applied to y; the
   * inference path's fused conv + bias + activation. Bit-identical to conv2d_forward followed by
   * relu_forward in the same build (the same max(z, 0) on the same z). Overwrites y.
   */
  conv2d_forward_act(y: Ptr, x: Ptr, w: Ptr, bias: Ptr, g: Ptr, scratch: Ptr, act: number): void;
  /** dx = conv_transpose(dy, w). Overwrites dx. */
  conv2d_backward_input(dx: Ptr, dy: Ptr, w: Ptr, g: Ptr, scratch: Ptr): void;
  /** dw += corr(x, dy); db += Σ dy (db may be 0 = absent). Accumulates. */
  conv2d_backward_filter(dw: Ptr, db: Ptr, dy: Ptr, x: Ptr, g: Ptr, scratch: Ptr): void;

  // ---- pooling (x [B,H,W,C], y [B,OH,OW,C]; windows clipped to the input) ---
  /**
   * y = max over window; argmax (i32 per output) = flat index h*W*C + w*C + c within the sample.
   * argmax = 0: y only (inference plans keep no argmax), the same y bit for bit.
   */
  maxpool2d_forward(y: Ptr, argmax: Ptr, x: Ptr, g: Ptr): void;
  /** dx = 0, then dx[argmax] += dy. Overwrites dx (overlapping windows add). */
  maxpool2d_backward(dx: Ptr, dy: Ptr, argmax: Ptr, g: Ptr): void;
  /** y = mean over the in-bounds part of the window. */
  avgpool2d_forward(y: Ptr, x: Ptr, g: Ptr): void;
  /** dx = 0, then each dy spread evenly over its window's in-bounds inputs. Overwrites dx. */
  avgpool2d_backward(dx: Ptr, dy: Ptr, g: Ptr): void;

  // ---- activations (elementwise over n values; backward uses the forward OUTPUT y).
  // Elementwise kernels (activations, mul, scale) may run in place: an output may be the
  // same buffer as an input (y == x, dx == dy), since each element is read before it is
  // written. Layers with a built-in activation rely on this. Partial overlap is not allowed.
  relu_forward(y: Ptr, x: Ptr, n: number): void;
  /** dx = y > 0 ? dy : 0 */
  relu_backward(dx: Ptr, dy: Ptr, y: Ptr, n: number): void;
  tanh_forward(y: Ptr, x: Ptr, n: number): void;
  /** dx = dy · (1 − y²) */
  tanh_backward(dx: Ptr, dy: Ptr, y: Ptr, n: number): void;
  sigmoid_forward(y: Ptr, x: Ptr, n: number): void;
  /** dx = dy · y · (1 − y) */
  sigmoid_backward(dx: Ptr, dy: Ptr, y: Ptr, n: number): void;
  /** Row-wise softmax of x[rows,N] into y (max-subtracted, stable). */
  softmax_forward(y: Ptr, x: Ptr, rows: number, N: number): void;
  /** dx[r,:] = y[r,:] ⊙ (dy[r,:] − Σ_j dy[r,j]·y[r,j]) */
  softmax_backward(dx: Ptr, dy: Ptr, y: Ptr, rows: number, N: number): void;
  /** y = x ⊙ mask (dropout forward with a precomputed mask, and its backward). */
  mul(y: Ptr, x: Ptr, mask: Ptr, n: number): void;
  /** y = x > 0 ? x : alpha·x (alpha ≥ 0). */
  leaky_relu_forward(y: Ptr, x: Ptr, n: number, alpha: number): void;
  /** dx = y > 0 ? dy : alpha·dy */
  leaky_relu_backward(dx: Ptr, dy: Ptr, y: Ptr, n: number, alpha: number): void;
  /** y = x > 0 ? x : alpha·(eˣ − 1) (alpha > 0). */
  elu_forward(y: Ptr, x: Ptr, n: number, alpha: number): void;
  /** dx = y > 0 ? dy : dy·(y + alpha) */
  elu_backward(dx: Ptr, dy: Ptr, y: Ptr, n: number, alpha: number): void;

  // ---- global average pooling (x [B, HW, C] → y [B, C]) -----------------------
  /** y[b,c] = mean over p of x[b,p,c]. Overwrites y. */
  global_avgpool_forward(y: Ptr, x: Ptr, B: number, HW: number, C: number): void;
  /** dx[b,p,c] = dy[b,c] / HW. Overwrites dx. */
  global_avgpool_backward(dx: Ptr, dy: Ptr, B: number, HW: number, C: number): void;

  // ---- batch normalisation over the last axis of x [rows, C] (assembly/norm/naive.ts) ----
  /** One shard's partials: part = [mean (C), Σ(x − mean)² (C), rows]. Overwrites part. */
  batchnorm_stats(part: Ptr, x: Ptr, rows: number, C: number): void;
  /**
   * Combines S shards' partials (shard s at part + s·stride bytes) in shard order (Chan's
   * update, f64) into stats = [mean (C), invstd (C), biased var (C)], and unless runMean = 0
   * updates run = momentum·run + (1 − momentum)·batch for the mean and the biased variance.
   */
  batchnorm_combine(stats: Ptr, part: Ptr, S: number, stride: number, C: number, runMean: Ptr, runVar: Ptr,
    momentum: number, eps: number): void;
  /** out[c] = 1 / sqrt(var[c] + eps). */
  batchnorm_invstd(out: Ptr, v: Ptr, C: number, eps: number): void;
  /** y = ((x − mean)·invstd)·gamma + beta (gamma / beta 0 = absent). y may alias x. */
  batchnorm_forward(y: Ptr, x: Ptr, mean: Ptr, invstd: Ptr, gamma: Ptr, beta: Ptr, rows: number, C: number): void;
  /** One shard's partials: part = [Σ dy (C), Σ dy·x̂ (C)]. Overwrites part. */
  batchnorm_backward_stats(part: Ptr, dy: Ptr, x: Ptr, mean: Ptr, invstd: Ptr, rows: number, C: number): void;
  /** total = Σ_s part_s in shard order (2C values); dbeta += total[0, C), dgamma += total[C, 2C) (0 = skip). */
  batchnorm_backward_combine(total: Ptr, part: Ptr, S: number, stride: number, C: number, dgamma: Ptr, dbeta: Ptr): void;
  /** dx = gamma·invstd·((dy − total[c]/n) − x̂·total[C + c]/n); n = the whole batch's rows. Overwrites dx. */
  batchnorm_backward_input(dx: Ptr, dy: Ptr, x: Ptr, mean: Ptr, invstd: Ptr, gamma: Ptr, total: Ptr,
    rows: number, C: number, n: number): void;

  // ---- losses ---------------------------------------------------------------
  /**
   * Softmax cross-entropy on logits z[rows,N] with integer labels (i32[rows]).
   * Writes probabilities to p (may equal 0 = skip), dz = (softmax − onehot)·scale
   * (dz may be 0 = skip) and returns Σ_r −log softmax(z_r)[label_r] (not scaled).
   * Stable for |z| up to 1e30: no NaN/Inf.
   */
  softmax_xent(p: Ptr, dz: Ptr, z: Ptr, labels: Ptr, rows: number, N: number, scale: number): number;
  /**
   * Binary cross-entropy on logits z[n] with targets t[n] in [0,1] (f32).
   * Writes dz = (sigmoid(z) − t)·scale (0 = skip); returns Σ loss (stable form).
   */
  sigmoid_bce(dz: Ptr, z: Ptr, t: Ptr, n: number, scale: number): number;
  /** out[r] = index of the largest value in row r of x[rows,N] (first on ties). i32 out. */
  argmax_rows(out: Ptr, x: Ptr, rows: number, N: number): void;

  // ---- optimizers (flat ranges of n parameters) ----------------------------
  /** w -= lr · (g + wd·w) */
  sgd_update(w: Ptr, g: Ptr, n: number, lr: number, wd: number): void;
  /** v = mu·v − lr·(g + wd·w);  w += v   (Keras / classic momentum) */
  momentum_update(w: Ptr, v: Ptr, g: Ptr, n: number, lr: number, mu: number, wd: number): void;
  /**
   * Adam (Kingma & Ba, bias-corrected, eps outside the sqrt):
   *   m = b1·m + (1−b1)·g;  v = b2·v + (1−b2)·g²
   *   w -= lr · (m / bc1) / (sqrt(v / bc2) + eps)     with bc1 = 1−b1^t, bc2 = 1−b2^t
   * (g includes wd·w when wd > 0).
   */
  adam_update(w: Ptr, m: Ptr, v: Ptr, g: Ptr, n: number, lr: number, b1: number, b2: number,
    eps: number, bc1: number, bc2: number, wd: number): void;
  /** v = mu·v − lr·(g + wd·w);  w += mu·v − lr·(g + wd·w)   (Keras Nesterov momentum, with the new v) */
  nesterov_update(w: Ptr, v: Ptr, g: Ptr, n: number, lr: number, mu: number, wd: number): void;
  /**
   * AdamW (decoupled weight decay, PyTorch order): w ·= (1 − lr·wd), then the Adam update of
   * adam_update with g alone (no wd·w in the gradient).
   */
  adamw_update(w: Ptr, m: Ptr, v: Ptr, g: Ptr, n: number, lr: number, b1: number, b2: number,
    eps: number, bc1: number, bc2: number, wd: number): void;
  /**
   * RMSProp (PyTorch form, eps outside the sqrt), gg = g + wd·w:
   *   v = rho·v + (1−rho)·gg²;  with b ≠ 0: b = mu·b + gg/(sqrt(v)+eps), w −= lr·b;
   *   with b = 0 (no momentum buffer): w −= lr·gg/(sqrt(v)+eps)
   */
  rmsprop_update(w: Ptr, v: Ptr, b: Ptr, g: Ptr, n: number, lr: number, rho: number, eps: number, mu: number, wd: number): void;
  /**
   * Σ g[i]² over n values, in f64 (squares exact). The SIMD build sums in four lanes, so the two
   * builds differ by f64 rounding; each is a function of (g, n) alone.
   */
  grad_sumsq(g: Ptr, n: number): number;

  // ---- random numbers (state: 16 bytes xoshiro128** at `state`) -------------
  /** Seeds the 16-byte state at `state` from a 32-bit seed (splitmix32). */
  rng_seed(state: Ptr, seed: number): void;
  /** out[i] ~ U[lo, hi) */
  rng_uniform(out: Ptr, n: number, state: Ptr, lo: number, hi: number): void;
  /** out[i] ~ N(mean, std²), truncated at ±2σ when trunc = 1 (redrawn, as Keras). */
  rng_normal(out: Ptr, n: number, state: Ptr, mean: number, std: number, trunc: number): void;
  /** mask[i] = (u < keep) ? 1/keep : 0 — inverted dropout mask. */
  rng_dropout_mask(mask: Ptr, n: number, state: Ptr, keep: number): void;

  // ---- data movement ---------------------------------------------------------
  /** dst[r,:] = src[idx[r],:] for r < rows, rowLen f32 per row (idx is i32[]). */
  gather_rows(dst: Ptr, src: Ptr, idx: Ptr, rows: number, rowLen: number): void;
  /** dst[r,:] = u8 src[idx[r],:]·a + b — gathers byte images and normalises in one pass. */
  gather_rows_u8(dst: Ptr, src: Ptr, idx: Ptr, rows: number, rowLen: number, a: number, b: number): void;
  /**
   * y[i] = (x[i] − mean[i % C]) / std[i % C] for i < n (f32[C] mean and std, std ≠ 0); y may
   * equal x. Overwrites y. How a model applies its input normalization to staged data.
   */
  standardize_channels(y: Ptr, x: Ptr, n: number, C: number, mean: Ptr, std: Ptr): void;
  /**
   * dst[r] = src[idx[r]] (H×W×C images, fields H W C of the Geom2d at g) translated by a shift
   * (dy, dx) in [−maxShift, maxShift]² that is a hash of (key, idx[r]); pixels shifted in from
   * outside are fill[c] (f32[C]). Overwrites dst. Training's shift augmentation (src/train/augment.ts).
   */
  gather_rows_shift(dst: Ptr, src: Ptr, idx: Ptr, rows: number, g: Ptr, fill: Ptr, key: number, maxShift: number): void;
}

/** One kernel export: its parameter count and whether it returns a value (i32 or f32). */
export interface KernelSpec {
  readonly params: number;
  readonly returns: boolean;
}

/**
 * The one list of kernel exports (STYLE §9.3). Both builds export exactly these functions and
 * nothing else: test/runtime/kernel-table.test.ts compares `WebAssembly.Module.exports()` of
 * build/naive.wasm and build/simd.wasm with this table (names, kind, parameter count, result
 * count), and the type checks below keep `Kernels` (the documented signatures) in step with it.
 * AssemblyScript cannot import it, so assembly/index.naive.ts and index.simd.ts still name each
 * export by hand; that test is what holds them to the table.
 */
export const KERNEL_TABLE = {
  // misc
  fill: { params: 3, returns: false },
  scale: { params: 3, returns: false },
  add: { params: 3, returns: false },
  build_is_simd: { params: 0, returns: true },
  first_nonfinite: { params: 2, returns: true },
  geom_layout: { params: 1, returns: false },
  // gemm
  gemm_nn: { params: 7, returns: false },
  gemm_tn: { params: 7, returns: false },
  gemm_nt: { params: 7, returns: false },
  gemm_nn_packed: { params: 8, returns: false },
  gemm_packed_scratch_bytes: { params: 3, returns: true },
  bias_add: { params: 4, returns: false },
  bias_grad: { params: 4, returns: false },
  // conv2d
  conv2d_scratch_bytes: { params: 1, returns: true },
  conv2d_forward: { params: 6, returns: false },
  conv2d_forward_act: { params: 7, returns: false },
  conv2d_backward_input: { params: 5, returns: false },
  conv2d_backward_filter: { params: 6, returns: false },
  // pooling
  maxpool2d_forward: { params: 4, returns: false },
  maxpool2d_backward: { params: 4, returns: false },
  avgpool2d_forward: { params: 3, returns: false },
  avgpool2d_backward: { params: 3, returns: false },
  // activations
  relu_forward: { params: 3, returns: false },
  relu_backward: { params: 4, returns: false },
  tanh_forward: { params: 3, returns: false },
  tanh_backward: { params: 4, returns: false },
  sigmoid_forward: { params: 3, returns: false },
  sigmoid_backward: { params: 4, returns: false },
  softmax_forward: { params: 4, returns: false },
  softmax_backward: { params: 5, returns: false },
  mul: { params: 4, returns: false },
  leaky_relu_forward: { params: 4, returns: false },
  leaky_relu_backward: { params: 5, returns: false },
  elu_forward: { params: 4, returns: false },
  elu_backward: { params: 5, returns: false },
  // global average pooling
  global_avgpool_forward: { params: 5, returns: false },
  global_avgpool_backward: { params: 5, returns: false },
  // batch normalisation
  batchnorm_stats: { params: 4, returns: false },
  batchnorm_combine: { params: 9, returns: false },
  batchnorm_invstd: { params: 4, returns: false },
  batchnorm_forward: { params: 8, returns: false },
  batchnorm_backward_stats: { params: 7, returns: false },
  batchnorm_backward_combine: { params: 7, returns: false },
  batchnorm_backward_input: { params: 10, returns: false },
  // losses
  softmax_xent: { params: 7, returns: true },
  sigmoid_bce: { params: 5, returns: true },
  argmax_rows: { params: 4, returns: false },
  // optimizers
  sgd_update: { params: 5, returns: false },
  momentum_update: { params: 7, returns: false },
  adam_update: { params: 12, returns: false },
  nesterov_update: { params: 7, returns: false },
  adamw_update: { params: 12, returns: false },
  rmsprop_update: { params: 10, returns: false },
  grad_sumsq: { params: 2, returns: true },
  // random numbers
  rng_seed: { params: 2, returns: false },
  rng_uniform: { params: 5, returns: false },
  rng_normal: { params: 6, returns: false },
  rng_dropout_mask: { params: 4, returns: false },
  // data movement
  gather_rows: { params: 5, returns: false },
  gather_rows_u8: { params: 7, returns: false },
  standardize_channels: { params: 6, returns: false },
  gather_rows_shift: { params: 8, returns: false },
} as const satisfies Record<string, KernelSpec>;

// Compile-time checks that `Kernels` and KERNEL_TABLE agree: the same names, and per name the
// same parameter count and the same "returns a value" (void ↔ false). A mismatch fails
// `npm run typecheck` at the alias that does not hold.
type Table = typeof KERNEL_TABLE;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
export type KernelTableNamesMatch = Holds<Same<keyof Kernels, keyof Table>>;
/** true when T (one boolean per kernel name) is true for every name. */
type AllHold<T extends Record<keyof Kernels, boolean>> = Same<T[keyof Kernels], true>;
export type KernelTableArityMatches = Holds<AllHold<{
  [K in keyof Kernels]: Same<Parameters<Kernels[K]>['length'], Table[K]['params']>
}>>;
export type KernelTableReturnsMatch = Holds<AllHold<{
  [K in keyof Kernels]: Same<[ReturnType<Kernels[K]>] extends [void] ? false : true, Table[K]['returns']>
}>>;

/** Every kernel name, in table order. */
export const KERNEL_NAMES: readonly (keyof Kernels)[] = Object.keys(KERNEL_TABLE) as (keyof Table)[];

/** Writes geometry `g` into the 64-byte Geom2d struct at byte offset `ptr`. */
export function writeGeom(memory: WebAssembly.Memory, ptr: number, g: Geom2d): void {
  const v = new Int32Array(memory.buffer, ptr, GEOM_I32S);
  v.fill(0);
  for (const k of Object.keys(GEOM) as (keyof typeof GEOM)[]) v[GEOM[k]] = g[k];
}
