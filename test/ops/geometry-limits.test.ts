// windowGeom refuses geometries whose tensors wasm32 cannot address (any tensor of 2^29 or more
// f32 values, i.e. 2^31 bytes, or an i32 geometry field that would overflow), naming the label
// and the size; through the ops API this happens before the arena is touched. Before the check,
// convForward(A, W, b, 'linear', 1e9) failed only after allocating: "conv2d_scratch_bytes returned
// -212068032".
import { beforeAll, describe, expect, it } from 'vitest';
import { windowGeom, type Window2d } from '../../src/tensor/geometry.js';
import { convBackward, convForward, init, memoryStats } from '../../src/ops/index.js';
import { rand } from './util.js';

const conv = (kernel: [number, number], extra: Partial<Window2d> = {}): Window2d =>
  ({ kernel, stride: [1, 1], padding: 'valid', ...extra });

describe('windowGeom size limits (pure, exact at the boundary)', () => {
  it('input: 2^29 − 2^14 values pass, exactly 2^29 = 2^31 bytes is refused', () => {
    expect(windowGeom([1, 2 ** 14, 2 ** 15 - 1, 1], 1, conv([1, 1]), 'L').OW).toBe(2 ** 15 - 1);
    expect(() => windowGeom([1, 2 ** 14, 2 ** 15, 1], 1, conv([1, 1]), 'L'))
      .toThrow(/^L: the input \[B, H, W, C\] = \[1, 16384, 32768, 1\] would hold 536870912 f32 values \(2147483648 bytes\).*below 2\^29 = 536870912/);
  });

  it('output: a 1x1 input padded by 1e9 (2e9+1 squared outputs) is refused as the output', () => {
    expect(() => windowGeom([1, 1, 1, 1], 1, conv([1, 1], { padding: 1e9 }), 'convForward'))
      .toThrow(/^convForward: the output \[B, OH, OW, OC\] = \[1, 2000000001, 2000000001, 1\] would hold/);
    // Input fine, output over: 64 output channels of a 2^23-pixel input.
    expect(() => windowGeom([1, 2 ** 12, 2 ** 11, 1], 64, conv([1, 1]), 'L')).toThrow(/L: the output .* = \[1, 4096, 2048, 64\] would hold 536870912/);
    expect(windowGeom([1, 2 ** 12, 2 ** 11, 1], 63, conv([1, 1]), 'L').OC).toBe(63);
  });

  it('weights KH·KW·C·OC: 2^15 x 2^15 1x1 conv refused; the same window as a pool passes', () => {
    expect(() => windowGeom([1, 1, 1, 2 ** 15], 2 ** 15, conv([1, 1]), 'L'))
      .toThrow(/^L: the weights \[KH, KW, C, OC\] = \[1, 1, 32768, 32768\] would hold 1073741824 f32 values/);
    expect(windowGeom([1, 1, 1, 2 ** 15], 2 ** 15, conv([1, 1], { kind: 'pool' }), 'pool').C).toBe(2 ** 15);
  });

  it('conv scratch: weights just below 2^29 but packed weights + im2col blocks over it', () => {
    // C = 2^14, OC = 2^15 − 4: weights 2^29 − 2^16 (passes), scratch adds OCp + 1·(Kp + OCp) with
    // MB = B·OH·OW = 1 → 2^29 − 2^16 + 32764 + 16384 + 32764 = 2^29 + 16376 (refused).
    expect(() => windowGeom([1, 1, 1, 2 ** 14], 2 ** 15 - 4, conv([1, 1]), 'L'))
      .toThrow(/^L: the conv scratch \(packed weights \[16384\]\[32764\] and 1-pixel im2col blocks\) would hold 536887288 f32 values/);
    // OC 4 fewer: weights 2^29 − 2^17, scratch 2^29 − 2^17 + 32760 + 16384 + 32760 < 2^29.
    expect(windowGeom([1, 1, 1, 2 ** 14], 2 ** 15 - 8, conv([1, 1]), 'L').OC).toBe(2 ** 15 - 8);
  });

  it('i32 fields: huge stride with huge padding (few outputs) is refused by the padded extent', () => {
    const win = conv([1, 1], { stride: [2 ** 32, 2 ** 32], padding: 2 ** 31 });
    expect(() => windowGeom([1, 1, 1, 1], 1, win, 'L')).toThrow(/^L: the padded input height \(OH−1\)·SH \+ KH is 4294967297; .*below 2\^31/);
    expect(() => windowGeom([1, 3, 3, 1], 1, conv([3, 3], { stride: [2 ** 31, 1] }), 'L')).toThrow(/^L: the vertical stride is 2147483648/);
  });

  it('ordinary shapes still pass (the MNIST conv layers, a 3x3/2 pool)', () => {
    expect(windowGeom([64, 28, 28, 1], 32, conv([5, 5], { padding: 'same' }), 'L')).toMatchObject({ OH: 28, OW: 28, OC: 32 });
    expect(windowGeom([64, 14, 14, 32], 64, conv([3, 3]), 'L')).toMatchObject({ OH: 12, OW: 12 });
    expect(windowGeom([64, 12, 12, 64], 64, { kernel: [3, 3], stride: [2, 2], padding: 'same', kind: 'pool' }, 'L')).toMatchObject({ OH: 6 });
  });
});

describe('through the ops API: refused before memory is touched', () => {
  beforeAll(async () => { await init(); });

  it("convForward(A, W, b, 'linear', 1e9) and convBackward with pad 1e9 name the output size; memory unchanged", () => {
    const A = rand(1, [1, 2, 2, 1]);
    const W = rand(2, [1, 1, 1, 1]);
    const b = rand(3, [1]);
    const before = memoryStats();
    expect(() => convForward(A, W, b, 'linear', 1e9)).toThrow(/^convForward: the output \[B, OH, OW, OC\] = \[1, 2000000002, 2000000002, 1\] would hold .*below 2\^29/);
    expect(() => convBackward(rand(4, [1, 2, 2, 1]), A, W, b, 1e9)).toThrow(/^convBackward: the output .* would hold/);
    expect(memoryStats()).toEqual(before);
  });
});
