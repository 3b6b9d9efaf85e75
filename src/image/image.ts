// Small float images and the pixel helpers the report and the PNG codec share.
//
// An ImageF32 is row-major HWC (channels innermost, like the NHWC activations), with
// intensities in [0, 1]; values outside are clamped when quantised to 8 bits. Only gray
// (channels = 1) and RGB (channels = 3) exist here: that is what MNIST and CIFAR need.
// Pure TypeScript, no Node APIs, so it runs in the browser too.

export interface ImageF32 {
  /** height · width · channels values, row-major, channels innermost. */
  data: Float32Array;
  height: number;
  width: number;
  channels: 1 | 3;
}

/** Throws unless img is a well-formed gray or RGB image. `what` names it in the message. */
export function checkImage(img: ImageF32, what = 'image'): void {
  checkDims(img.height, img.width, img.channels, what);
  const n = img.height * img.width * img.channels;
  if (!(img.data instanceof Float32Array)) {
    throw new TypeError(`${what}: data must be a Float32Array`);
  }
  if (img.data.length !== n) {
    throw new RangeError(
      `${what}: data has ${img.data.length} values, expected height·width·channels = ` +
        `${img.height}·${img.width}·${img.channels} = ${n}`,
    );
  }
}

/** Throws unless height and width are positive integers and channels is 1 or 3. */
export function checkDims(height: number, width: number, channels: number, what: string): void {
  if (!isPositiveInt(height) || !isPositiveInt(width)) {
    throw new RangeError(`${what}: height and width must be positive integers, got ${height}x${width}`);
  }
  if (channels !== 1 && channels !== 3) {
    throw new RangeError(`${what}: channels must be 1 (gray) or 3 (RGB), got ${channels}`);
  }
}

export function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

/** [0, 1] float → 0..255 byte; NaN becomes 0, out-of-range values clamp. */
export function toByte(v: number): number {
  if (!(v > 0)) return 0; // also catches NaN
  if (v >= 1) return 255;
  return Math.round(v * 255);
}

/** Nearest-neighbour upscale by an integer factor (each pixel becomes a scale×scale block). */
export function upscaleNearest(img: ImageF32, scale: number): ImageF32 {
  if (!isPositiveInt(scale)) throw new RangeError(`scale must be a positive integer, got ${scale}`);
  if (scale === 1) return img;
  const { height: H, width: W, channels: C } = img;
  const OH = H * scale;
  const OW = W * scale;
  const out = new Float32Array(OH * OW * C);
  for (let oy = 0; oy < OH; oy++) {
    const y = Math.floor(oy / scale);
    for (let ox = 0; ox < OW; ox++) {
      const x = Math.floor(ox / scale);
      for (let c = 0; c < C; c++) out[(oy * OW + ox) * C + c] = img.data[(y * W + x) * C + c]!;
    }
  }
  return { data: out, height: OH, width: OW, channels: C };
}

/**
 * Maps values linearly so the smallest becomes 0 and the largest 1 (returns a new array).
 * A constant input (max = min, including all zeros) has no contrast to stretch and becomes
 * `constant` everywhere. Non-finite values are ignored for the range and map to 0.
 */
export function normalizeMinMax(values: ArrayLike<number>, constant = 0): Float32Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const out = new Float32Array(values.length);
  if (!(hi > lo)) {
    for (let i = 0; i < out.length; i++) out[i] = Number.isFinite(values[i]!) ? constant : 0;
    return out;
  }
  const inv = 1 / (hi - lo);
  for (let i = 0; i < out.length; i++) {
    const v = values[i]!;
    out[i] = Number.isFinite(v) ? (v - lo) * inv : 0;
  }
  return out;
}

/** Rec. 601 luma of an RGB triple in [0, 1]. */
export function luma(r: number, g: number, b: number): number {
  return 0.299 * r + 0.587 * g + 0.114 * b;
}
