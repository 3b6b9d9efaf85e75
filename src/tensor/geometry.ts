// Output-size and padding math for conv and pooling, shared by the layers and the ops API.
//
// 'valid': no padding, OH = floor((H − KH) / SH) + 1.
// 'same' (TensorFlow convention): OH = ceil(H / SH), total padding
//   max((OH − 1)·SH + KH − H, 0), with the odd extra row/column at the bottom/right.
// A number p pads p rows/columns on every side: OH = floor((H + 2p − KH) / SH) + 1.

import type { Geom2d } from '../runtime/abi.js';

export type Padding = 'same' | 'valid' | number;

export interface Window2d {
  kernel: readonly [number, number];
  stride: readonly [number, number];
  padding: Padding;
  /**
   * Convolution taps in the padding read zeros, so a conv window may lie wholly in the
   * padding (the classic NumPy exercise pads 2 around a 2x2 kernel). A pooling window
   * there would have nothing to pool, so pooling (the default) requires padding < kernel.
   */
  paddingMayExceedKernel?: boolean;
}

function checkPositiveInts(what: string, values: readonly number[], label: string): void {
  for (const v of values) {
    if (!Number.isInteger(v) || v < 1) {
      throw new RangeError(`${label}: ${what} must be positive integers, got [${values.join(', ')}]`);
    }
  }
}

/** Output size along one axis and the padding before it. */
export function outputSize(inSize: number, k: number, s: number, padding: Padding): { out: number; padBefore: number } {
  if (padding === 'valid') return { out: Math.floor((inSize - k) / s) + 1, padBefore: 0 };
  if (padding === 'same') {
    const out = Math.ceil(inSize / s);
    const total = Math.max((out - 1) * s + k - inSize, 0);
    return { out, padBefore: Math.floor(total / 2) };
  }
  return { out: Math.floor((inSize + 2 * padding - k) / s) + 1, padBefore: padding };
}

export function checkPadding(padding: unknown, label: string): asserts padding is Padding {
  if (padding === 'same' || padding === 'valid') return;
  if (typeof padding === 'number' && Number.isInteger(padding) && padding >= 0) return;
  throw new TypeError(`${label}: padding must be 'same', 'valid' or a non-negative integer, got ${JSON.stringify(padding)}`);
}

/**
 * Geometry of a conv (OC = output channels) or pooling (OC = C) window over input
 * [B, H, W, C]. Throws, naming `label`, when the window does not fit the input.
 */
export function windowGeom(input: readonly [number, number, number, number], OC: number, win: Window2d, label: string): Geom2d {
  const [B, H, W, C] = input;
  checkPositiveInts('input dimensions [B, H, W, C]', input, label);
  checkPositiveInts('kernel size', win.kernel, label);
  checkPositiveInts('strides', win.stride, label);
  checkPositiveInts('output channels', [OC], label);
  checkPadding(win.padding, label);
  const [KH, KW] = win.kernel;
  const [SH, SW] = win.stride;
  const h = outputSize(H, KH, SH, win.padding);
  const w = outputSize(W, KW, SW, win.padding);
  if (h.out < 1 || w.out < 1) {
    throw new RangeError(`${label}: a ${KH}x${KW} window with ${JSON.stringify(win.padding)} padding and stride ` +
      `${SH}x${SW} does not fit an input of ${H}x${W} (needs at least ${KH}x${KW} after padding)`);
  }
  if (typeof win.padding === 'number' && !win.paddingMayExceedKernel && (win.padding >= KH || win.padding >= KW)) {
    throw new RangeError(`${label}: padding ${win.padding} must be smaller than the kernel ${KH}x${KW}`);
  }
  return { B, H, W, C, OH: h.out, OW: w.out, OC, KH, KW, SH, SW, PT: h.padBefore, PL: w.padBefore };
}
