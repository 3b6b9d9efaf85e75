// Activations, SIMD variant: four values per f32x4, then the naive loop for the n % 4 tail.
// Same formulas, layouts and aliasing rules as act/naive.ts (read its header).
//
// Every kernel here is bit-identical to its naive twin: the same IEEE operations in the same
// order, lane by lane (no FMA). relu uses f32x4.max / f32.max, which agree on NaN and ±0.
// tanh/sigmoid need exp, which wasm SIMD lacks: expNeg4 below is the f32x4 form of expNeg in
// act/math.ts (Cody–Waite range reduction + Cephes degree-5 polynomial + 2^n from exponent
// bits; the header there states the formula and the error bound, ≤ 4·2^−24 relative against
// f64). The alternative, extracting lanes and calling the scalar function per lane, measured
// 2.0-2.4x slower than this vector code (tanh over 110592 values, B=32 24x24x6, Node 20), and
// lane-wise Mathf.tanh (musl) 3-4x slower.
// leaky_relu / elu: a lane mask (x > 0, or y > 0 in backward) selects between the two naive
// branches, both computed per lane; elu's exp runs on min(x, 0), which is x on the lanes that
// keep it, so the kept lanes did exactly the naive operations.
// softmax_*: rows are as short as the class count (10), so four lanes would buy little over
// the call; these call the naive kernels and are bit-identical by construction.
import { f32At } from "../util/ptr";
import {
  relu_forward_naive, relu_backward_naive, tanh_forward_naive, tanh_backward_naive,
  sigmoid_forward_naive, sigmoid_backward_naive, softmax_forward_naive, softmax_backward_naive,
  mul_naive, leaky_relu_forward_naive, leaky_relu_backward_naive, elu_forward_naive, elu_backward_naive,
} from "./naive";
import {
  LOG2E, LN2_HI, LN2_LO, EXP_CLAMP, EXP_ZERO_BELOW, EP0, EP1, EP2, EP3, EP4, EP5,
  TQ0, TQ1, TQ2, TQ3, TQ4, TANH_SMALL,
} from "./math";

// ---- f32x4 twins of act/math.ts (same operations, same order) -------------------

@inline function expNeg4(x: v128): v128 {
  const xc = f32x4.max(x, f32x4.splat(EXP_CLAMP));
  const n = f32x4.nearest(f32x4.mul(xc, f32x4.splat(LOG2E)));
  const r = f32x4.sub(f32x4.sub(xc, f32x4.mul(n, f32x4.splat(LN2_HI))), f32x4.mul(n, f32x4.splat(LN2_LO)));
  let p = f32x4.splat(EP0);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(EP1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(EP2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(EP3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(EP4));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(EP5));
  const er = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1));
  const pow2n = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  const e = f32x4.mul(er, pow2n);
  // lt is false for NaN, so NaN passes through; below the threshold the lane becomes +0.
  return v128.andnot(e, f32x4.lt(x, f32x4.splat(EXP_ZERO_BELOW)));
}

@inline function tanh4(x: v128): v128 {
  const a = f32x4.abs(x);
  const z = f32x4.mul(a, a);
  let q = f32x4.splat(TQ0);
  q = f32x4.add(f32x4.mul(q, z), f32x4.splat(TQ1));
  q = f32x4.add(f32x4.mul(q, z), f32x4.splat(TQ2));
  q = f32x4.add(f32x4.mul(q, z), f32x4.splat(TQ3));
  q = f32x4.add(f32x4.mul(q, z), f32x4.splat(TQ4));
  const small = f32x4.add(f32x4.mul(f32x4.mul(q, z), a), a);
  const t = expNeg4(f32x4.mul(a, f32x4.splat(-2)));
  const one = f32x4.splat(1);
  const large = f32x4.div(f32x4.sub(one, t), f32x4.add(one, t));
  const y = v128.bitselect(small, large, f32x4.lt(a, f32x4.splat(TANH_SMALL)));
  return v128.or(y, v128.and(x, i32x4.splat(0x80000000)));
}

@inline function sigmoid4(x: v128): v128 {
  const one = f32x4.splat(1);
  const t = expNeg4(f32x4.neg(f32x4.abs(x)));
  const num = v128.bitselect(one, t, f32x4.ge(x, f32x4.splat(0)));
  return f32x4.div(num, f32x4.add(one, t));
}

// ---- kernels ------------------------------------------------------------------

export function relu_forward_simd(y: usize, x: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(f32At(y, i), f32x4.max(v128.load(f32At(x, i)), zero));
  relu_forward_naive(f32At(y, i), f32At(x, i), n - i);
}

export function relu_backward_simd(dx: usize, dy: usize, y: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const m = f32x4.gt(v128.load(f32At(y, i)), zero);
    v128.store(f32At(dx, i), v128.and(v128.load(f32At(dy, i)), m));
  }
  relu_backward_naive(f32At(dx, i), f32At(dy, i), f32At(y, i), n - i);
}

export function tanh_forward_simd(y: usize, x: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(f32At(y, i), tanh4(v128.load(f32At(x, i))));
  tanh_forward_naive(f32At(y, i), f32At(x, i), n - i);
}

export function tanh_backward_simd(dx: usize, dy: usize, y: usize, n: i32): void {
  const one = f32x4.splat(1);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(f32At(y, i));
    v128.store(f32At(dx, i), f32x4.mul(v128.load(f32At(dy, i)), f32x4.sub(one, f32x4.mul(v, v))));
  }
  tanh_backward_naive(f32At(dx, i), f32At(dy, i), f32At(y, i), n - i);
}

export function sigmoid_forward_simd(y: usize, x: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(f32At(y, i), sigmoid4(v128.load(f32At(x, i))));
  sigmoid_forward_naive(f32At(y, i), f32At(x, i), n - i);
}

export function sigmoid_backward_simd(dx: usize, dy: usize, y: usize, n: i32): void {
  const one = f32x4.splat(1);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(f32At(y, i));
    v128.store(f32At(dx, i), f32x4.mul(f32x4.mul(v128.load(f32At(dy, i)), v), f32x4.sub(one, v)));
  }
  sigmoid_backward_naive(f32At(dx, i), f32At(dy, i), f32At(y, i), n - i);
}

export function softmax_forward_simd(y: usize, x: usize, rows: i32, N: i32): void {
  softmax_forward_naive(y, x, rows, N);
}

export function softmax_backward_simd(dx: usize, dy: usize, y: usize, rows: i32, N: i32): void {
  softmax_backward_naive(dx, dy, y, rows, N);
}

export function mul_simd(y: usize, x: usize, mask: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    v128.store(f32At(y, i), f32x4.mul(v128.load(f32At(x, i)), v128.load(f32At(mask, i))));
  }
  mul_naive(f32At(y, i), f32At(x, i), f32At(mask, i), n - i);
}

export function leaky_relu_forward_simd(y: usize, x: usize, n: i32, alpha: f32): void {
  const zero = f32x4.splat(0), a = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(f32At(x, i));
    v128.store(f32At(y, i), v128.bitselect(v, f32x4.mul(a, v), f32x4.gt(v, zero)));
  }
  leaky_relu_forward_naive(f32At(y, i), f32At(x, i), n - i, alpha);
}

export function leaky_relu_backward_simd(dx: usize, dy: usize, y: usize, n: i32, alpha: f32): void {
  const zero = f32x4.splat(0), a = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const d = v128.load(f32At(dy, i));
    v128.store(f32At(dx, i), v128.bitselect(d, f32x4.mul(a, d), f32x4.gt(v128.load(f32At(y, i)), zero)));
  }
  leaky_relu_backward_naive(f32At(dx, i), f32At(dy, i), f32At(y, i), n - i, alpha);
}

export function elu_forward_simd(y: usize, x: usize, n: i32, alpha: f32): void {
  const zero = f32x4.splat(0), one = f32x4.splat(1), a = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(f32At(x, i));
    const neg = f32x4.mul(a, f32x4.sub(expNeg4(f32x4.min(v, zero)), one));
    v128.store(f32At(y, i), v128.bitselect(v, neg, f32x4.gt(v, zero)));
  }
  elu_forward_naive(f32At(y, i), f32At(x, i), n - i, alpha);
}

export function elu_backward_simd(dx: usize, dy: usize, y: usize, n: i32, alpha: f32): void {
  const zero = f32x4.splat(0), a = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(f32At(y, i));
    const d = v128.load(f32At(dy, i));
    v128.store(f32At(dx, i), v128.bitselect(d, f32x4.mul(d, f32x4.add(v, a)), f32x4.gt(v, zero)));
  }
  elu_backward_naive(f32At(dx, i), f32At(dy, i), f32At(y, i), n - i, alpha);
}
