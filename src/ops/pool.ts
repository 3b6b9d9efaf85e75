// 2-D max and average pooling over NHWC arrays, forward and backward (the classic
// pool_forward / pool_backward exercise).
//
//   max: A[i, oh, ow, c] = max over the window of A_prev[i, oh·sh + kh − pt, ow·sw + kw − pl, c]
//   avg: the mean over the same window.
// Windows are clipped to the input: padding adds no values, so 'same' windows at the edge
// take the max / mean of their in-bounds part only (TensorFlow's convention). Default
// padding 'valid' (the classic exercise has none); 'same' or a number as for convForward.
//
// Backward: max sends each dA to the FIRST maximum of its window (scanning rows, then
// columns), recomputed from A_prev; avg spreads dA evenly over the window's in-bounds inputs.
// Where windows overlap (stride < kernel) the contributions add up.

import { GEOM_BYTES, writeGeom, type Geom2d } from '../runtime/abi.js';
import { checkPadding, windowGeom, type Padding } from '../tensor/geometry.js';
import { checkArray, checkPair, checkShapeIs, product, type NdArray } from './ndarray.js';
import { requireReady, withScope, type Scope } from './runtime.js';
import type { Stride } from './conv.js';
import { shown } from '../util/format.js';

export type PoolMode = 'max' | 'avg';
export type KernelShape = number | readonly [number, number];

function checkMode(mode: unknown, label: string): asserts mode is PoolMode {
  if (mode !== 'max' && mode !== 'avg') {
    throw new TypeError(`${label}: mode must be 'max' or 'avg', got ${shown(mode)}`);
  }
}

function setupPool(A_prev: NdArray, kernelShape: unknown, stride: unknown, mode: unknown, padding: unknown,
  label: string): { g: Geom2d; outShape: number[] } {
  checkArray(A_prev, 'A_prev', ['m', 'h', 'w', 'c'], label);
  const kernel = checkPair(kernelShape, 'kernelShape', label);
  const s = checkPair(stride, 'stride', label);
  checkMode(mode, label);
  checkPadding(padding, label);
  const [m, h, w, c] = A_prev.shape as [number, number, number, number];
  const g = windowGeom([m, h, w, c], c, { kernel, stride: s, padding, kind: 'pool' }, label);
  return { g, outShape: [m, g.OH, g.OW, c] };
}

function poolGeometry(s: Scope, g: Geom2d): number {
  const gp = s.arena.alloc(GEOM_BYTES, 'pool geometry');
  writeGeom(s.memory, gp, g);
  return gp;
}

/** Pooling forward: [m, h, w, c] → [m, oh, ow, c]. Stride defaults to the kernel size. */
export function poolForward(A_prev: NdArray, kernelShape: KernelShape, stride: Stride = kernelShape,
  mode: PoolMode = 'max', padding: Padding = 'valid'): NdArray {
  const label = 'poolForward';
  requireReady(label);
  const { g, outShape } = setupPool(A_prev, kernelShape, stride, mode, padding, label);
  const n = product(outShape);
  return withScope(label, (s) => {
    const gp = poolGeometry(s, g);
    const x = s.put(A_prev.data, 'A_prev');
    const y = s.zeros(n, 'A');
    if (mode === 'max') {
      const argmax = s.arena.alloc(n * 4, `${label} argmax`);
      s.k.maxpool2d_forward(y, argmax, x, gp);
    } else {
      s.k.avgpool2d_forward(y, x, gp);
    }
    return s.take(y, outShape);
  });
}

/**
 * Pooling backward: dA (the gradient at poolForward's output) → dA_prev (shape of A_prev).
 * The other arguments are the ones given to poolForward.
 */
export function poolBackward(dA: NdArray, A_prev: NdArray, kernelShape: KernelShape, stride: Stride = kernelShape,
  mode: PoolMode = 'max', padding: Padding = 'valid'): NdArray {
  const label = 'poolBackward';
  requireReady(label);
  const { g, outShape } = setupPool(A_prev, kernelShape, stride, mode, padding, label);
  checkArray(dA, 'dA', ['m', 'oh', 'ow', 'c'], label);
  checkShapeIs(dA, 'dA', outShape, 'the shape of the forward output for this A_prev, kernel, stride and padding', label);
  const n = product(outShape);
  return withScope(label, (s) => {
    const gp = poolGeometry(s, g);
    const dy = s.put(dA.data, 'dA');
    const dx = s.zeros(A_prev.data.length, 'dA_prev');
    if (mode === 'max') {
      // Recompute where each window's maximum is: the forward's argmax, then scatter dA there.
      const x = s.put(A_prev.data, 'A_prev');
      const y = s.zeros(n, 'A');
      const argmax = s.arena.alloc(n * 4, `${label} argmax`);
      s.k.maxpool2d_forward(y, argmax, x, gp);
      s.k.maxpool2d_backward(dx, dy, argmax, gp);
    } else {
      s.k.avgpool2d_backward(dx, dy, gp);
    }
    return s.take(dx, A_prev.shape);
  });
}
