// A drawing -> a 28x28 MNIST-style digit, the way the MNIST images themselves were made
// (LeCun et al.): the ink's bounding box is scaled, keeping its aspect ratio, so that its longer
// side is 20 pixels (anti-aliased: every source pixel adds to the target pixels it overlaps,
// weighted by the overlap), and the result is placed in a 28x28 field so that its centre of mass
// falls on the field's centre (14, 14). Values are ink in [0, 1], the training data's k/255 scale.
//
// Pure functions over Float32Arrays (no DOM), so test/demo/preprocess.test.ts checks them in Node.

export const DIGIT_SIDE = 28;
/** The longer side of the ink's box after scaling, as in MNIST. */
export const DIGIT_BOX = 20;
/** Source pixels at or below this much ink count as background when finding the bounding box. */
export const INK_THRESHOLD = 0.05;

export interface InkBox { x0: number; y0: number; x1: number; y1: number }

/** The smallest box (x1, y1 exclusive) holding every pixel with more than INK_THRESHOLD ink; undefined when blank. */
export function inkBox(ink: Float32Array, width: number, height: number): InkBox | undefined {
  let x0 = width, y0 = height, x1 = 0, y1 = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x]! > INK_THRESHOLD) {
        if (x < x0) x0 = x;
        if (x >= x1) x1 = x + 1;
        if (y < y0) y0 = y;
        if (y >= y1) y1 = y + 1;
      }
    }
  }
  return x1 > x0 ? { x0, y0, x1, y1 } : undefined;
}

/**
 * Resamples along one axis by area: target cell i covers source [i·f, (i+1)·f) with f = n/m, and
 * takes the overlap-weighted mean of the source cells it covers. `get(j, k)` reads source cell j
 * of line k; the result is m values per line, `lines` lines, line-major.
 */
function resampleAxis(n: number, m: number, lines: number, get: (j: number, k: number) => number): Float32Array {
  const out = new Float32Array(m * lines);
  const f = n / m;
  for (let k = 0; k < lines; k++) {
    for (let i = 0; i < m; i++) {
      const a = i * f, b = (i + 1) * f;
      let sum = 0;
      for (let j = Math.floor(a); j < Math.min(n, Math.ceil(b)); j++) {
        sum += get(j, k) * (Math.min(b, j + 1) - Math.max(a, j));
      }
      out[k * m + i] = sum / f;
    }
  }
  return out;
}

/** Area-resamples a width x height image (row-major) to outW x outH. */
export function resampleArea(src: Float32Array, width: number, height: number, outW: number, outH: number): Float32Array {
  // Rows first (width -> outW), giving height rows of outW; then columns (height -> outH).
  const rows = resampleAxis(width, outW, height, (x, y) => src[y * width + x]!);
  const cols = resampleAxis(height, outH, outW, (y, x) => rows[y * outW + x]!); // column-major: x * outH + y
  const out = new Float32Array(outW * outH);
  for (let x = 0; x < outW; x++) for (let y = 0; y < outH; y++) out[y * outW + x] = cols[x * outH + y]!;
  return out;
}

/** Centre of mass (x, y) of an image, in pixel-centre coordinates; undefined for an all-zero image. */
export function centreOfMass(img: Float32Array, width: number, height: number): { x: number; y: number } | undefined {
  let m = 0, mx = 0, my = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = img[y * width + x]!;
      m += v; mx += v * (x + 0.5); my += v * (y + 0.5);
    }
  }
  return m > 0 ? { x: mx / m, y: my / m } : undefined;
}

/**
 * The MNIST-style 28x28 digit (row-major, ink in [0, 1]) for a width x height ink map, or
 * undefined when nothing is drawn. The shift that centres the mass is rounded to whole pixels
 * (as in MNIST) and ink shifted past the border is dropped.
 */
export function toMnistDigit(ink: Float32Array, width: number, height: number): Float32Array | undefined {
  if (ink.length !== width * height) throw new RangeError(`toMnistDigit: ${ink.length} values for a ${width}x${height} image`);
  const box = inkBox(ink, width, height);
  if (box === undefined) return undefined;
  const bw = box.x1 - box.x0, bh = box.y1 - box.y0;
  const crop = new Float32Array(bw * bh);
  for (let y = 0; y < bh; y++) crop.set(ink.subarray((box.y0 + y) * width + box.x0, (box.y0 + y) * width + box.x1), y * bw);
  const scale = DIGIT_BOX / Math.max(bw, bh);
  const tw = Math.max(1, Math.round(bw * scale)), th = Math.max(1, Math.round(bh * scale));
  const small = resampleArea(crop, bw, bh, tw, th);
  const com = centreOfMass(small, tw, th)!;
  const dx = Math.round(DIGIT_SIDE / 2 - com.x), dy = Math.round(DIGIT_SIDE / 2 - com.y);
  const out = new Float32Array(DIGIT_SIDE * DIGIT_SIDE);
  for (let y = 0; y < th; y++) {
    const oy = y + dy;
    if (oy < 0 || oy >= DIGIT_SIDE) continue;
    for (let x = 0; x < tw; x++) {
      const ox = x + dx;
      if (ox >= 0 && ox < DIGIT_SIDE) out[oy * DIGIT_SIDE + ox] = Math.min(1, small[y * tw + x]!);
    }
  }
  return out;
}

/**
 * A 28x28x1 digit in the input layout of a model: as is for 28x28x1; for a 32x32x3 model (the zoo's
 * `cifar`) padded by 2 pixels on every side and repeated over the three channels, the same
 * transform the demo applies to its training digits (see data.ts).
 */
export function digitForInput(digit: Float32Array, inputShape: readonly number[]): Float32Array {
  const [H, W, C] = inputShape as [number, number, number];
  if (H === DIGIT_SIDE && W === DIGIT_SIDE && C === 1) return digit;
  if (H < DIGIT_SIDE || W < DIGIT_SIDE || (H - DIGIT_SIDE) % 2 !== 0 || (W - DIGIT_SIDE) % 2 !== 0) {
    throw new RangeError(`the demo's digits are 28x28; a model that takes ${inputShape.join('x')} cannot read them`);
  }
  const py = (H - DIGIT_SIDE) / 2, px = (W - DIGIT_SIDE) / 2;
  const out = new Float32Array(H * W * C);
  for (let y = 0; y < DIGIT_SIDE; y++) {
    for (let x = 0; x < DIGIT_SIDE; x++) {
      const v = digit[y * DIGIT_SIDE + x]!;
      for (let c = 0; c < C; c++) out[((y + py) * W + x + px) * C + c] = v;
    }
  }
  return out;
}
