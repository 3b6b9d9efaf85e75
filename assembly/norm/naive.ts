// Batch normalisation over the last axis, naive variant: plain loops from the definition.
// x is [rows, C] row-major (NHWC conv outputs: rows = B·H·W; dense outputs: rows = B), and
// every statistic is per channel c over all rows. The batch is cut into shards that run on
// different threads (src/model/plan.ts), so training splits into per-shard partial statistics,
// a combine in shard order on one thread, and the per-shard normalisation:
//
//   batchnorm_stats(part, x, rows, C)                       per shard; overwrites part[2C + 1]
//       part[c] = mean_s = (Σ_r x[r,c]) / rows              (sum in r order)
//       part[C + c] = m2_s = Σ_r (x[r,c] − mean_s)²         (two passes: no E[x²] − E[x]² cancellation)
//       part[2C] = rows                                    (exact in f32 below 2^24)
//   batchnorm_combine(stats, part, S, stride, C, runMean, runVar, momentum, eps)
//       Chan et al.'s pairwise update, shard 0 first, in f64: with n, mean, m2 of shards < s,
//         d = mean_s − mean;  n' = n + n_s;  mean += d·n_s/n';  m2 += m2_s + d²·n·n_s/n'
//       then var = m2 / n (biased, as Keras), written as f32:
//         stats[c] = mean,  stats[C + c] = invstd = 1 / sqrt(var + eps) (f32 ops on f32 var),
//         stats[2C + c] = var
//       and, unless runMean = 0, the running statistics (Keras convention):
//         run = momentum·run + (1 − momentum)·batch        (f32 ops; runVar takes the biased var)
//       Shard s's partials are at part + s·stride bytes.
//   batchnorm_invstd(out, var, C, eps)                      out[c] = 1 / sqrt(var[c] + eps)
//   batchnorm_forward(y, x, mean, invstd, gamma, beta, rows, C)
//       y = ((x − mean)·invstd)·gamma + beta                 (gamma 0: ·1; beta 0: +0 skipped)
//       y may alias x (each element is read before it is written)
//   batchnorm_backward_stats(part, dy, x, mean, invstd, rows, C)    per shard; overwrites part[2C]
//       part[c] = Σ_r dy;  part[C + c] = Σ_r dy·x̂  with x̂ = (x − mean)·invstd
//   batchnorm_backward_combine(total, part, S, stride, C, dgamma, dbeta)
//       total[j] = part_0[j] + part_1[j] + ... (shard order, f32), j < 2C;
//       dbeta[c] += total[c] and dgamma[c] += total[C + c] (each skipped when its pointer is 0)
//   batchnorm_backward_input(dx, dy, x, mean, invstd, gamma, total, rows, C, n)
//       a = total[c]/n, b = total[C + c]/n, s = gamma·invstd (invstd without gamma):
//       dx = s·((dy − a) − x̂·b)        (n = the whole batch's rows; dx may alias dy)
//
// x̂ is recomputed in backward from x (the previous layer's output, which the plan keeps) and
// the batch statistics: nothing is cached per sample.
import { f32At } from "../util/ptr";

export function batchnorm_stats_naive(part: usize, x: usize, rows: i32, C: i32): void {
  for (let c = 0; c < C; c++) store<f32>(f32At(part, c), 0);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < C; c++) {
      const p = f32At(part, c);
      store<f32>(p, load<f32>(p) + load<f32>(f32At(x, r * C + c)));
    }
  }
  const n = <f32>rows;
  for (let c = 0; c < C; c++) store<f32>(f32At(part, c), load<f32>(f32At(part, c)) / n);
  for (let c = 0; c < C; c++) store<f32>(f32At(part, C + c), 0);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < C; c++) {
      const d = load<f32>(f32At(x, r * C + c)) - load<f32>(f32At(part, c));
      const p = f32At(part, C + c);
      store<f32>(p, load<f32>(p) + d * d);
    }
  }
  store<f32>(f32At(part, 2 * C), n);
}

export function batchnorm_combine_naive(stats: usize, part: usize, S: i32, stride: i32, C: i32,
  runMean: usize, runVar: usize, momentum: f32, eps: f32): void {
  for (let c = 0; c < C; c++) {
    let n = <f64>load<f32>(f32At(part, 2 * C));
    let mean = <f64>load<f32>(f32At(part, c));
    let m2 = <f64>load<f32>(f32At(part, C + c));
    for (let s = 1; s < S; s++) {
      const ps = part + <usize>(s * stride);
      const ns = <f64>load<f32>(f32At(ps, 2 * C));
      const d = <f64>load<f32>(f32At(ps, c)) - mean;
      const nt = n + ns;
      mean += d * (ns / nt);
      m2 += <f64>load<f32>(f32At(ps, C + c)) + d * d * (n * ns / nt);
      n = nt;
    }
    const m = <f32>mean;
    const v = <f32>(m2 / n);
    store<f32>(f32At(stats, c), m);
    store<f32>(f32At(stats, C + c), <f32>1 / Mathf.sqrt(v + eps));
    store<f32>(f32At(stats, 2 * C + c), v);
    if (runMean != 0) {
      const rm = f32At(runMean, c), rv = f32At(runVar, c);
      store<f32>(rm, momentum * load<f32>(rm) + (<f32>1 - momentum) * m);
      store<f32>(rv, momentum * load<f32>(rv) + (<f32>1 - momentum) * v);
    }
  }
}

export function batchnorm_invstd_naive(out: usize, v: usize, C: i32, eps: f32): void {
  for (let c = 0; c < C; c++) store<f32>(f32At(out, c), <f32>1 / Mathf.sqrt(load<f32>(f32At(v, c)) + eps));
}

export function batchnorm_forward_naive(y: usize, x: usize, mean: usize, invstd: usize, gamma: usize, beta: usize, rows: i32, C: i32): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < C; c++) {
      const i = r * C + c;
      let v = (load<f32>(f32At(x, i)) - load<f32>(f32At(mean, c))) * load<f32>(f32At(invstd, c));
      if (gamma != 0) v = v * load<f32>(f32At(gamma, c));
      if (beta != 0) v = v + load<f32>(f32At(beta, c));
      store<f32>(f32At(y, i), v);
    }
  }
}

export function batchnorm_backward_stats_naive(part: usize, dy: usize, x: usize, mean: usize, invstd: usize, rows: i32, C: i32): void {
  for (let c = 0; c < 2 * C; c++) store<f32>(f32At(part, c), 0);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < C; c++) {
      const i = r * C + c;
      const g = load<f32>(f32At(dy, i));
      const xh = (load<f32>(f32At(x, i)) - load<f32>(f32At(mean, c))) * load<f32>(f32At(invstd, c));
      const p0 = f32At(part, c), p1 = f32At(part, C + c);
      store<f32>(p0, load<f32>(p0) + g);
      store<f32>(p1, load<f32>(p1) + g * xh);
    }
  }
}

export function batchnorm_backward_combine_naive(total: usize, part: usize, S: i32, stride: i32, C: i32, dgamma: usize, dbeta: usize): void {
  for (let j = 0; j < 2 * C; j++) {
    let t = load<f32>(f32At(part, j));
    for (let s = 1; s < S; s++) t += load<f32>(f32At(part + <usize>(s * stride), j));
    store<f32>(f32At(total, j), t);
  }
  if (dbeta != 0) for (let c = 0; c < C; c++) store<f32>(f32At(dbeta, c), load<f32>(f32At(dbeta, c)) + load<f32>(f32At(total, c)));
  if (dgamma != 0) for (let c = 0; c < C; c++) store<f32>(f32At(dgamma, c), load<f32>(f32At(dgamma, c)) + load<f32>(f32At(total, C + c)));
}

export function batchnorm_backward_input_naive(dx: usize, dy: usize, x: usize, mean: usize, invstd: usize, gamma: usize,
  total: usize, rows: i32, C: i32, n: f32): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < C; c++) {
      const i = r * C + c;
      const is = load<f32>(f32At(invstd, c));
      const a = load<f32>(f32At(total, c)) / n;
      const b = load<f32>(f32At(total, C + c)) / n;
      const s = gamma != 0 ? load<f32>(f32At(gamma, c)) * is : is;
      const xh = (load<f32>(f32At(x, i)) - load<f32>(f32At(mean, c))) * is;
      store<f32>(f32At(dx, i), s * ((load<f32>(f32At(dy, i)) - a) - xh * b));
    }
  }
}
