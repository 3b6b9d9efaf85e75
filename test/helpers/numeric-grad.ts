// Central finite differences of a scalar function of an f64 vector, for the reference
// gradient checks (STYLE.md §6: h = 1e-6 in f64).

export const H_STEP = 1e-6;

/** ∂f/∂x_i ≈ (f(x + h·e_i) − f(x − h·e_i)) / 2h for every i; x is restored after each probe. */
export function numericGrad(f: (x: Float64Array) => number, x: Float64Array, h = H_STEP): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const x0 = x[i]!;
    x[i] = x0 + h; const up = f(x);
    x[i] = x0 - h; const dn = f(x);
    x[i] = x0;
    g[i] = (up - dn) / (2 * h);
  }
  return g;
}
