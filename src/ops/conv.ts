// 2-D convolution over NHWC arrays, forward and backward (the classic conv_forward /
// conv_backward exercise, without the cache: backward takes the forward inputs again).
//
//   Z[i, oh, ow, oc] = b[oc] + Σ_{kh, kw, c} A_prev_pad[i, oh·sh + kh, ow·sw + kw, c] · W[kh, kw, c, oc]
//   A = activation(Z)
// A_prev [m, h, w, c] (NHWC), W [kh, kw, c, c_new] (HWIO), b [c_new] or [1, 1, 1, c_new],
// Z and A [m, oh, ow, c_new]. Padding: 'valid' (none), 'same' (TensorFlow: oh = ceil(h / sh),
// the odd extra row/column goes at the bottom/right) or a number p (p zero rows/columns on
// every side, oh = floor((h + 2p − kh) / sh) + 1). Stride: [sh, sw] or one number for both.
//
// Backward takes dZ (the gradient at Z, i.e. after activationBackward) and returns
// dA_prev (shape of A_prev), dW (shape of W) and db (shape of b).

import { GEOM_BYTES, writeGeom, type Geom2d } from '../runtime/abi.js';
import { checkPadding, windowGeom, type Padding } from '../tensor/geometry.js';
import { checkActivation, runActivation, type Activation } from './activation.js';
import { checkArray, checkPair, checkShapeIs, fmtShape, product, type NdArray } from './ndarray.js';
import { requireReady, withScope, type Scope } from './runtime.js';

export type Stride = number | readonly [number, number];

interface ConvSetup {
  g: Geom2d;
  outShape: number[];
}

function setupConv(A_prev: NdArray, W: NdArray, b: NdArray, padding: unknown, stride: unknown, label: string): ConvSetup {
  checkArray(A_prev, 'A_prev', ['m', 'h', 'w', 'c'], label);
  checkArray(W, 'W', ['kh', 'kw', 'c', 'c_new'], label);
  checkArray(b, 'b', null, label);
  const [m, h, w, c] = A_prev.shape as [number, number, number, number];
  const [kh, kw, wc, cNew] = W.shape as [number, number, number, number];
  if (wc !== c) {
    throw new RangeError(`${label}: W has ${wc} input channels (shape ${fmtShape(W.shape)}) but A_prev has ${c} ` +
      `(shape ${fmtShape(A_prev.shape)}); W must be [kh, kw, ${c}, c_new]`);
  }
  const bOk = (b.shape.length === 1 && b.shape[0] === cNew) ||
    (b.shape.length === 4 && b.shape[0] === 1 && b.shape[1] === 1 && b.shape[2] === 1 && b.shape[3] === cNew);
  if (!bOk) {
    throw new RangeError(`${label}: b must have shape [${cNew}] or [1, 1, 1, ${cNew}] (c_new = W.shape[3]), got ${fmtShape(b.shape)}`);
  }
  checkPadding(padding, label);
  const s = checkPair(stride, 'stride', label);
  const g = windowGeom([m, h, w, c], cNew, { kernel: [kh, kw], stride: s, padding }, label);
  return { g, outShape: [m, g.OH, g.OW, cNew] };
}

/** Writes the geometry and allocates the scratch the conv kernels ask for; returns [g, scratch]. */
function convGeometry(s: Scope, g: Geom2d): [number, number] {
  const gp = s.arena.alloc(GEOM_BYTES, 'conv geometry');
  writeGeom(s.memory, gp, g);
  const bytes = s.k.conv2d_scratch_bytes(gp);
  if (!Number.isInteger(bytes) || bytes < 0) throw new Error(`conv2d_scratch_bytes returned ${bytes}`);
  // No scratch needed: pass 0 (absent) rather than an empty region that aliases the next one.
  const scratch = bytes > 0 ? s.arena.alloc(bytes, 'conv scratch') : 0;
  return [gp, scratch];
}

export interface ConvForwardResult {
  /** The activated output, activation(Z). */
  A: NdArray;
  /** The pre-activation output (what convBackward's dZ refers to). */
  Z: NdArray;
}

/**
 * Convolution forward returning both Z (pre-activation) and A = activation(Z), for when the
 * backward pass is needed: dZ = activationBackward(dA, A, activation), then convBackward(dZ, …).
 */
export function convForwardWithZ(A_prev: NdArray, W: NdArray, b: NdArray, activation: Activation = 'linear',
  padding: Padding = 'valid', stride: Stride = 1): ConvForwardResult {
  return forward(A_prev, W, b, activation, padding, stride, true) as ConvForwardResult;
}

/** Convolution forward: activation(conv(A_prev, W) + b), shape [m, oh, ow, c_new]. */
export function convForward(A_prev: NdArray, W: NdArray, b: NdArray, activation: Activation = 'linear',
  padding: Padding = 'valid', stride: Stride = 1): NdArray {
  return forward(A_prev, W, b, activation, padding, stride, false) as NdArray;
}

function forward(A_prev: NdArray, W: NdArray, b: NdArray, activation: Activation, padding: Padding,
  stride: Stride, withZ: boolean): NdArray | ConvForwardResult {
  const label = 'convForward';
  requireReady(label);
  const { g, outShape } = setupConv(A_prev, W, b, padding, stride, label);
  checkActivation(activation, label);
  const n = product(outShape);
  return withScope(label, (s) => {
    const [gp, scratch] = convGeometry(s, g);
    const x = s.put(A_prev.data, 'A_prev');
    const w = s.put(W.data, 'W');
    const bias = s.put(b.data, 'b');
    const z = s.zeros(n, 'Z');
    s.k.conv2d_forward(z, x, w, bias, gp, scratch);
    const Z = withZ || activation === 'linear' ? s.take(z, outShape) : undefined;
    let A: NdArray;
    if (activation === 'linear') {
      A = withZ ? { data: Z!.data.slice(), shape: [...outShape] } : Z!;
    } else {
      const a = s.zeros(n, 'A');
      runActivation(s.k, s.memory, activation, a, z, n);
      A = s.take(a, outShape);
    }
    return withZ ? { A, Z: Z! } : A;
  });
}

export interface ConvGradients {
  dA_prev: NdArray;
  dW: NdArray;
  db: NdArray;
}

/**
 * Convolution backward. dZ is the gradient at the pre-activation output Z, shape
 * [m, oh, ow, c_new]; the other arguments are the ones given to convForward.
 */
export function convBackward(dZ: NdArray, A_prev: NdArray, W: NdArray, b: NdArray,
  padding: Padding = 'valid', stride: Stride = 1): ConvGradients {
  const label = 'convBackward';
  requireReady(label);
  const { g, outShape } = setupConv(A_prev, W, b, padding, stride, label);
  checkArray(dZ, 'dZ', ['m', 'oh', 'ow', 'c_new'], label);
  checkShapeIs(dZ, 'dZ', outShape, 'the shape of the forward output for these A_prev, W, padding and stride', label);
  return withScope(label, (s) => {
    const [gp, scratch] = convGeometry(s, g);
    const dy = s.put(dZ.data, 'dZ');
    const x = s.put(A_prev.data, 'A_prev');
    const w = s.put(W.data, 'W');
    const dx = s.zeros(A_prev.data.length, 'dA_prev');
    // backward_filter accumulates, so dw and db start from the zeros allocF32 writes.
    const dw = s.zeros(W.data.length, 'dW');
    const db = s.zeros(b.data.length, 'db');
    s.k.conv2d_backward_input(dx, dy, w, gp, scratch);
    s.k.conv2d_backward_filter(dw, db, dy, x, gp, scratch);
    return { dA_prev: s.take(dx, A_prev.shape), dW: s.take(dw, W.shape), db: s.take(db, b.shape) };
  });
}
