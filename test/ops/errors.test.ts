// Bad arguments: each op throws a clear error naming the argument, what it got and what it
// expected, before any kernel runs (the wasm memory's use and size do not change).
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  activationBackward, convBackward, convForward, init, matmul, memoryStats, ndarray, poolBackward, poolForward, zeros,
  type NdArray,
} from '../../src/ops/index.js';
import { rand } from './util.js';

let baseline: { usedBytes: number; capacityBytes: number };
beforeAll(async () => {
  await init();
  baseline = memoryStats();
});
afterEach(() => {
  // Validation runs before the arena is touched, so a rejected call leaves no trace.
  expect(memoryStats()).toEqual(baseline);
});

const A = rand(1, [2, 5, 7, 4]);
const W = rand(2, [3, 3, 4, 8]);
const b = rand(3, [8]);
// Anything cast to the op's argument type, to reach the runtime checks a JS caller could hit.
const bad = <T>(v: unknown) => v as T;

describe('shape and data checks', () => {
  it('mismatched channel counts between A_prev and W', () => {
    const W5 = rand(4, [3, 3, 5, 8]);
    expect(() => convForward(A, W5, b, 'relu', 1, 2)).toThrow(/W has 5 input channels.*A_prev has 4.*\[kh, kw, 4, c_new\]/);
    expect(() => convBackward(rand(5, [2, 3, 4, 8]), A, W5, b, 1, 2)).toThrow(/convBackward: W has 5 input channels/);
  });

  it('bias that does not match c_new', () => {
    expect(() => convForward(A, W, rand(6, [7]), 'relu', 1, 2)).toThrow(/b must have shape \[8\] or \[1, 1, 1, 8\].*got \[7\]/);
    expect(() => convForward(A, W, rand(6, [1, 1, 2, 8]), 'relu', 1, 2)).toThrow(/got \[1, 1, 2, 8\]/);
  });

  it('data length that does not match the shape', () => {
    const short: NdArray = { data: new Float32Array(10), shape: [2, 5, 7, 4] };
    expect(() => convForward(short, W, b)).toThrow(/convForward: A_prev has shape \[2, 5, 7, 4\] \(280 values\) but its data holds 10 values/);
    expect(() => poolForward(short, 2)).toThrow(/poolForward: A_prev has shape/);
    expect(() => matmul({ data: new Float32Array(5), shape: [2, 3] }, zeros([3, 2]))).toThrow(/matmul: A has shape \[2, 3\] \(6 values\) but its data holds 5/);
    expect(() => ndarray([1, 2, 3], [2, 2])).toThrow(/ndarray: shape \[2, 2\] holds 4 values, got 3/);
  });

  it('wrong rank, non-Float32Array data, non-integer or zero dimensions, not an array at all', () => {
    expect(() => convForward(rand(7, [5, 7, 4]), W, b)).toThrow(/A_prev must have rank 4, shape \[m, h, w, c\], got shape \[5, 7, 4\]/);
    expect(() => convForward({ data: new Float64Array(280) as unknown as Float32Array, shape: [2, 5, 7, 4] }, W, b))
      .toThrow(/A_prev.data must be a Float32Array, got Float64Array/);
    expect(() => convForward({ data: new Float32Array(0), shape: [0, 5, 7, 4] }, W, b)).toThrow(/A_prev.shape must hold positive integers, got \[0, 5, 7, 4\]/);
    expect(() => convForward(bad(null), W, b)).toThrow(/A_prev must be an array object/);
    expect(() => matmul(zeros([2, 3]), bad([1, 2, 3]))).toThrow(/matmul: B must be an array object/);
  });

  it('dZ / dA / matmul operands of the wrong shape', () => {
    expect(() => convBackward(rand(8, [2, 3, 3, 8]), A, W, b, 1, 2)).toThrow(/dZ must have shape \[2, 3, 4, 8\].*got \[2, 3, 3, 8\]/);
    const P = rand(9, [2, 5, 5, 3]);
    expect(() => poolBackward(rand(10, [2, 2, 2, 3]), P, 3, 1, 'max')).toThrow(/dA must have shape \[2, 3, 3, 3\].*got \[2, 2, 2, 3\]/);
    expect(() => matmul(zeros([2, 3]), zeros([4, 2]))).toThrow(/B must have 3 rows \(\[3, n\]\), got B \[4, 2\]/);
    expect(() => activationBackward(zeros([2, 3]), zeros([3, 2]), 'relu')).toThrow(/A must have shape \[2, 3\].*got \[3, 2\]/);
  });
});

describe('option checks', () => {
  it('bad padding: unknown string, negative, fractional', () => {
    expect(() => convForward(A, W, b, 'relu', bad('SAME'), 1)).toThrow(/convForward: padding must be 'same', 'valid' or a non-negative integer, got "SAME"/);
    expect(() => convForward(A, W, b, 'relu', bad('full'), 1)).toThrow(/padding must be/);
    expect(() => convForward(A, W, b, 'relu', -1, 1)).toThrow(/padding must be .* got -1/);
    expect(() => poolForward(A, 2, 2, 'max', 1.5)).toThrow(/poolForward: padding must be .* got 1.5/);
  });

  it('bad mode and activation strings', () => {
    expect(() => poolForward(A, 2, 2, bad('MAX'))).toThrow(/poolForward: mode must be 'max' or 'avg', got "MAX"/);
    expect(() => poolBackward(rand(11, [2, 2, 3, 4]), A, 2, 2, bad('mean'))).toThrow(/poolBackward: mode must be 'max' or 'avg', got "mean"/);
    expect(() => convForward(A, W, b, bad('softmax'), 1, 2)).toThrow(/convForward: activation must be one of 'relu', 'tanh', 'sigmoid', 'linear', got "softmax"/);
  });

  it('non-positive or non-integer stride, bad kernel shape', () => {
    expect(() => convForward(A, W, b, 'relu', 1, 0)).toThrow(/convForward: stride must be positive integers, got 0/);
    expect(() => convForward(A, W, b, 'relu', 1, [1, -2])).toThrow(/stride must be positive integers, got \[1,-2\]/);
    expect(() => convForward(A, W, b, 'relu', 1, 1.5)).toThrow(/stride must be positive integers/);
    expect(() => convForward(A, W, b, 'relu', 1, bad([1, 1, 1]))).toThrow(/stride must be a positive integer or a pair \[rows, cols\], got \[1,1,1\]/);
    expect(() => poolForward(A, 2, -1, 'avg')).toThrow(/poolForward: stride must be positive integers, got -1/);
    expect(() => poolForward(A, 0, 1, 'avg')).toThrow(/poolForward: kernelShape must be positive integers, got 0/);
  });

  it('kernel bigger than the (padded) input', () => {
    const small = rand(12, [1, 3, 3, 4]);
    expect(() => convForward(small, rand(13, [5, 5, 4, 2]), rand(14, [2]), 'relu', 'valid', 1))
      .toThrow(/convForward: a 5x5 window with "valid" padding and stride 1x1 does not fit an input of 3x3/);
    expect(() => poolForward(small, 4, 1, 'max')).toThrow(/poolForward: a 4x4 window .* does not fit an input of 3x3/);
    // Padding 1 makes the 3x3 input 5x5: a 5x5 kernel now fits exactly (one output).
    expect(convForward(small, rand(13, [5, 5, 4, 2]), rand(14, [2]), 'relu', 1, 1).shape).toEqual([1, 1, 1, 2]);
  });

  it('padding at least as large as the kernel: fine for conv (zeros), rejected for pooling (nothing to pool)', () => {
    expect(convForward(A, W, b, 'linear', 3, 1).shape[0]).toBe(A.shape[0]);
    expect(() => poolForward(A, 2, 2, 'max', 2)).toThrow(/poolForward: padding 2 must be smaller than the kernel 2x2/);
  });
});
