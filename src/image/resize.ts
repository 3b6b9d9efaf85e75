// Resampling of single-channel float images, separable (rows, then columns).
//
// Per axis, going from n source pixels to m output pixels:
//   - shrinking or equal (m ≤ n): area averaging. Output pixel j covers the source interval
//     [j·n/m, (j+1)·n/m) and is the mean of the source pixels weighted by how much of each
//     falls inside it. This is the "box"/INTER_AREA filter: it never aliases a thin pen
//     stroke away the way point sampling can, and it preserves the mean intensity.
//   - growing (m > n): bilinear interpolation with pixel centres at half-integers,
//     src = (j + 0.5)·n/m − 0.5, clamped at the edges.
// Each output pixel's weights sum to 1, so a constant image stays constant.

interface Taps {
  /** For output j, the source indices idx[start[j]..start[j+1]) with weights w[...]. */
  start: Int32Array;
  idx: Int32Array;
  w: Float64Array;
}

function axisTaps(n: number, m: number): Taps {
  const start = new Int32Array(m + 1);
  const idx: number[] = [];
  const w: number[] = [];
  if (m <= n) {
    const s = n / m;
    for (let j = 0; j < m; j++) {
      start[j] = idx.length;
      const a = j * s;
      const b = (j + 1) * s;
      for (let i = Math.floor(a); i < Math.min(n, Math.ceil(b)); i++) {
        const overlap = Math.min(b, i + 1) - Math.max(a, i);
        if (overlap > 0) {
          idx.push(i);
          w.push(overlap / s);
        }
      }
    }
  } else {
    for (let j = 0; j < m; j++) {
      start[j] = idx.length;
      const src = Math.min(n - 1, Math.max(0, ((j + 0.5) * n) / m - 0.5));
      const i0 = Math.floor(src);
      const f = src - i0;
      idx.push(i0);
      w.push(1 - f);
      if (f > 0) {
        idx.push(Math.min(n - 1, i0 + 1));
        w.push(f);
      }
    }
  }
  start[m] = idx.length;
  return { start, idx: Int32Array.from(idx), w: Float64Array.from(w) };
}

/** Resizes a height×width single-channel image to outH×outW (see the header for the filter). */
export function resizeGray(src: Float32Array, height: number, width: number, outH: number, outW: number): Float32Array {
  if (src.length !== height * width) {
    throw new RangeError(`resizeGray: source has ${src.length} values, expected ${height}·${width} = ${height * width}`);
  }
  for (const [name, v] of [['height', height], ['width', width], ['outH', outH], ['outW', outW]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`resizeGray: ${name} must be a positive integer, got ${v}`);
  }
  const tx = axisTaps(width, outW);
  const ty = axisTaps(height, outH);
  // Rows first: height × outW, kept in f64 so the two passes round once at the end.
  const tmp = new Float64Array(height * outW);
  for (let y = 0; y < height; y++) {
    for (let j = 0; j < outW; j++) {
      let acc = 0;
      for (let t = tx.start[j]!; t < tx.start[j + 1]!; t++) acc += tx.w[t]! * src[y * width + tx.idx[t]!]!;
      tmp[y * outW + j] = acc;
    }
  }
  const out = new Float32Array(outH * outW);
  for (let i = 0; i < outH; i++) {
    for (let x = 0; x < outW; x++) {
      let acc = 0;
      for (let t = ty.start[i]!; t < ty.start[i + 1]!; t++) acc += ty.w[t]! * tmp[ty.idx[t]! * outW + x]!;
      out[i * outW + x] = acc;
    }
  }
  return out;
}
