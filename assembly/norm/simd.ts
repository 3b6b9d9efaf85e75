// Batch normalisation, SIMD variant: four channels per f32x4 (C is contiguous in [rows, C]).
// Same formulas, layouts and read/write rules as norm/naive.ts (read its header).
//
// Every per-row kernel keeps the naive loop order (rows outer, channels inner) and only
// spreads the channel loop over four lanes; each channel's sum over rows still adds in row
// order, and the C % 4 tail channels run the naive scalar body. So each lane performs exactly
// the naive sequence of IEEE operations (no FMA) and the results are bit-identical to the naive
// build. The per-channel accumulators live in `part` (L1-resident, C floats), as in naive.
//
// batchnorm_combine, batchnorm_invstd and batchnorm_backward_combine call the naive kernels:
// they touch S·C values once per step (combine works in f64, which f32x4 lanes cannot hold),
// next to the rows·C of the per-row kernels.
import { f32At } from "../util/ptr";
export {
  batchnorm_combine_naive as batchnorm_combine_simd,
  batchnorm_invstd_naive as batchnorm_invstd_simd,
  batchnorm_backward_combine_naive as batchnorm_backward_combine_simd,
} from "./naive";

export function batchnorm_stats_simd(part: usize, x: usize, rows: i32, C: i32): void {
  const C4 = C & ~3;
  for (let c = 0; c < C; c++) store<f32>(f32At(part, c), 0);
  for (let r = 0; r < rows; r++) {
    const xr = f32At(x, r * C);
    let c = 0;
    for (; c < C4; c += 4) v128.store(f32At(part, c), f32x4.add(v128.load(f32At(part, c)), v128.load(f32At(xr, c))));
    for (; c < C; c++) store<f32>(f32At(part, c), load<f32>(f32At(part, c)) + load<f32>(f32At(xr, c)));
  }
  const n = <f32>rows;
  const vn = f32x4.splat(n);
  let c = 0;
  for (; c < C4; c += 4) v128.store(f32At(part, c), f32x4.div(v128.load(f32At(part, c)), vn));
  for (; c < C; c++) store<f32>(f32At(part, c), load<f32>(f32At(part, c)) / n);
  const m2 = f32At(part, C);
  for (c = 0; c < C; c++) store<f32>(f32At(m2, c), 0);
  for (let r = 0; r < rows; r++) {
    const xr = f32At(x, r * C);
    c = 0;
    for (; c < C4; c += 4) {
      const d = f32x4.sub(v128.load(f32At(xr, c)), v128.load(f32At(part, c)));
      v128.store(f32At(m2, c), f32x4.add(v128.load(f32At(m2, c)), f32x4.mul(d, d)));
    }
    for (; c < C; c++) {
      const d = load<f32>(f32At(xr, c)) - load<f32>(f32At(part, c));
      store<f32>(f32At(m2, c), load<f32>(f32At(m2, c)) + d * d);
    }
  }
  store<f32>(f32At(part, 2 * C), n);
}

export function batchnorm_forward_simd(y: usize, x: usize, mean: usize, invstd: usize, gamma: usize, beta: usize, rows: i32, C: i32): void {
  const C4 = C & ~3;
  for (let r = 0; r < rows; r++) {
    const xr = f32At(x, r * C), yr = f32At(y, r * C);
    let c = 0;
    for (; c < C4; c += 4) {
      let v = f32x4.mul(f32x4.sub(v128.load(f32At(xr, c)), v128.load(f32At(mean, c))), v128.load(f32At(invstd, c)));
      if (gamma != 0) v = f32x4.mul(v, v128.load(f32At(gamma, c)));
      if (beta != 0) v = f32x4.add(v, v128.load(f32At(beta, c)));
      v128.store(f32At(yr, c), v);
    }
    for (; c < C; c++) {
      let v = (load<f32>(f32At(xr, c)) - load<f32>(f32At(mean, c))) * load<f32>(f32At(invstd, c));
      if (gamma != 0) v = v * load<f32>(f32At(gamma, c));
      if (beta != 0) v = v + load<f32>(f32At(beta, c));
      store<f32>(f32At(yr, c), v);
    }
  }
}

export function batchnorm_backward_stats_simd(part: usize, dy: usize, x: usize, mean: usize, invstd: usize, rows: i32, C: i32): void {
  const C4 = C & ~3;
  const p1 = f32At(part, C);
  for (let c = 0; c < 2 * C; c++) store<f32>(f32At(part, c), 0);
  for (let r = 0; r < rows; r++) {
    const xr = f32At(x, r * C), dr = f32At(dy, r * C);
    let c = 0;
    for (; c < C4; c += 4) {
      const g = v128.load(f32At(dr, c));
      const xh = f32x4.mul(f32x4.sub(v128.load(f32At(xr, c)), v128.load(f32At(mean, c))), v128.load(f32At(invstd, c)));
      v128.store(f32At(part, c), f32x4.add(v128.load(f32At(part, c)), g));
      v128.store(f32At(p1, c), f32x4.add(v128.load(f32At(p1, c)), f32x4.mul(g, xh)));
    }
    for (; c < C; c++) {
      const g = load<f32>(f32At(dr, c));
      const xh = (load<f32>(f32At(xr, c)) - load<f32>(f32At(mean, c))) * load<f32>(f32At(invstd, c));
      store<f32>(f32At(part, c), load<f32>(f32At(part, c)) + g);
      store<f32>(f32At(p1, c), load<f32>(f32At(p1, c)) + g * xh);
    }
  }
}

export function batchnorm_backward_input_simd(dx: usize, dy: usize, x: usize, mean: usize, invstd: usize, gamma: usize,
  total: usize, rows: i32, C: i32, n: f32): void {
  const C4 = C & ~3;
  const vn = f32x4.splat(n);
  const t1 = f32At(total, C);
  for (let r = 0; r < rows; r++) {
    const xr = f32At(x, r * C), dr = f32At(dy, r * C), or = f32At(dx, r * C);
    let c = 0;
    for (; c < C4; c += 4) {
      const is = v128.load(f32At(invstd, c));
      const a = f32x4.div(v128.load(f32At(total, c)), vn);
      const b = f32x4.div(v128.load(f32At(t1, c)), vn);
      const s = gamma != 0 ? f32x4.mul(v128.load(f32At(gamma, c)), is) : is;
      const xh = f32x4.mul(f32x4.sub(v128.load(f32At(xr, c)), v128.load(f32At(mean, c))), is);
      v128.store(f32At(or, c), f32x4.mul(s, f32x4.sub(f32x4.sub(v128.load(f32At(dr, c)), a), f32x4.mul(xh, b))));
    }
    for (; c < C; c++) {
      const is = load<f32>(f32At(invstd, c));
      const a = load<f32>(f32At(total, c)) / n;
      const b = load<f32>(f32At(t1, c)) / n;
      const s = gamma != 0 ? load<f32>(f32At(gamma, c)) * is : is;
      const xh = (load<f32>(f32At(xr, c)) - load<f32>(f32At(mean, c))) * is;
      store<f32>(f32At(or, c), s * ((load<f32>(f32At(dr, c)) - a) - xh * b));
    }
  }
}
