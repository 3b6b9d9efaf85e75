// Activations, naive variant: one scalar loop per kernel, straight from the definition.
// All tensors are flat f32 arrays of n values (softmax: rows × N, row-major). Backward
// kernels take the forward OUTPUT y (not x) and overwrite dx; y may alias x in forward and
// dx may alias dy in backward (each element is read before it is written).
//
//   relu_forward     y = max(x, 0)            (f32.max: NaN stays NaN, −0 becomes +0)
//   relu_backward    dx = y > 0 ? dy : 0
//   tanh_forward     y = tanhApprox(x)        (act/math.ts: Cephes polynomial below |x| 0.625,
//                                             (1 − e^−2|x|)/(1 + e^−2|x|) above; ≤ 4 ulp)
//   tanh_backward    dx = dy · (1 − y·y)
//   sigmoid_forward  t = exp(−|x|);  y = (x ≥ 0 ? 1 : t) / (1 + t)       (act/math.ts)
//                    (the stable form: exp never overflows, and for x < 0 the result keeps
//                    full relative accuracy instead of rounding 1 − tiny)
//   sigmoid_backward dx = (dy · y) · (1 − y)
//   softmax_forward  per row: m = max_j x_j;  e_j = exp(x_j − m);  y_j = e_j / Σ_k e_k
//                    (exp is expNeg from act/math.ts: x_j − m ≤ 0)
//                    (sum in j order; the max is subtracted so exp never overflows)
//   softmax_backward per row: d = Σ_j dy_j·y_j (j order);  dx_j = y_j · (dy_j − d)
//   mul              y = x · mask             (dropout forward with a mask, and its backward)
//   leaky_relu_forward   y = x > 0 ? x : alpha·x          (alpha ≥ 0, checked by the layer)
//   leaky_relu_backward  dx = y > 0 ? dy : alpha·dy       (y > 0 exactly when x > 0, as alpha ≥ 0)
//   elu_forward          y = x > 0 ? x : alpha·(expNeg(x) − 1)   (alpha > 0; expNeg from act/math.ts)
//   elu_backward         dx = y > 0 ? dy : dy·(y + alpha)  (for x ≤ 0, d/dx alpha·(eˣ − 1) = y + alpha)
//
// exp/tanh/sigmoid come from act/math.ts, not Mathf: AssemblyScript's exp reads a lookup
// table from static data in the shared memory, where the arena also puts tensors (see there).
// They are the scalar twins of the f32x4 code in act/simd.ts, so both builds agree bit for bit.
//
// Writes y (forward) or dx (backward); reads the rest; accumulates into nothing.
import { f32At } from "../util/ptr";
import { expNeg, tanhApprox, sigmoidApprox } from "./math";

export function relu_forward_naive(y: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(f32At(y, i), max<f32>(load<f32>(f32At(x, i)), 0));
}

export function relu_backward_naive(dx: usize, dy: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    store<f32>(f32At(dx, i), load<f32>(f32At(y, i)) > 0 ? load<f32>(f32At(dy, i)) : <f32>0);
  }
}

export function tanh_forward_naive(y: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(f32At(y, i), tanhApprox(load<f32>(f32At(x, i))));
}

export function tanh_backward_naive(dx: usize, dy: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const v = load<f32>(f32At(y, i));
    store<f32>(f32At(dx, i), load<f32>(f32At(dy, i)) * (<f32>1 - v * v));
  }
}

export function sigmoid_forward_naive(y: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    store<f32>(f32At(y, i), sigmoidApprox(load<f32>(f32At(x, i))));
  }
}

export function sigmoid_backward_naive(dx: usize, dy: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const v = load<f32>(f32At(y, i));
    store<f32>(f32At(dx, i), (load<f32>(f32At(dy, i)) * v) * (<f32>1 - v));
  }
}

export function softmax_forward_naive(y: usize, x: usize, rows: i32, N: i32): void {
  for (let r = 0; r < rows; r++) {
    const xr = f32At(x, r * N), yr = f32At(y, r * N);
    let m: f32 = -Infinity;
    for (let j = 0; j < N; j++) m = max<f32>(m, load<f32>(f32At(xr, j)));
    let s: f32 = 0;
    for (let j = 0; j < N; j++) {
      const e = expNeg(load<f32>(f32At(xr, j)) - m);
      store<f32>(f32At(yr, j), e);
      s += e;
    }
    for (let j = 0; j < N; j++) store<f32>(f32At(yr, j), load<f32>(f32At(yr, j)) / s);
  }
}

export function softmax_backward_naive(dx: usize, dy: usize, y: usize, rows: i32, N: i32): void {
  for (let r = 0; r < rows; r++) {
    const dxr = f32At(dx, r * N), dyr = f32At(dy, r * N), yr = f32At(y, r * N);
    let d: f32 = 0;
    for (let j = 0; j < N; j++) d += load<f32>(f32At(dyr, j)) * load<f32>(f32At(yr, j));
    for (let j = 0; j < N; j++) {
      store<f32>(f32At(dxr, j), load<f32>(f32At(yr, j)) * (load<f32>(f32At(dyr, j)) - d));
    }
  }
}

export function mul_naive(y: usize, x: usize, mask: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(f32At(y, i), load<f32>(f32At(x, i)) * load<f32>(f32At(mask, i)));
}

export function leaky_relu_forward_naive(y: usize, x: usize, n: i32, alpha: f32): void {
  for (let i = 0; i < n; i++) {
    const v = load<f32>(f32At(x, i));
    store<f32>(f32At(y, i), v > 0 ? v : alpha * v);
  }
}

export function leaky_relu_backward_naive(dx: usize, dy: usize, y: usize, n: i32, alpha: f32): void {
  for (let i = 0; i < n; i++) {
    const d = load<f32>(f32At(dy, i));
    store<f32>(f32At(dx, i), load<f32>(f32At(y, i)) > 0 ? d : alpha * d);
  }
}

export function elu_forward_naive(y: usize, x: usize, n: i32, alpha: f32): void {
  for (let i = 0; i < n; i++) {
    const v = load<f32>(f32At(x, i));
    store<f32>(f32At(y, i), v > 0 ? v : alpha * (expNeg(v) - <f32>1));
  }
}

export function elu_backward_naive(dx: usize, dy: usize, y: usize, n: i32, alpha: f32): void {
  for (let i = 0; i < n; i++) {
    const v = load<f32>(f32At(y, i));
    const d = load<f32>(f32At(dy, i));
    store<f32>(f32At(dx, i), v > 0 ? d : d * (v + alpha));
  }
}
