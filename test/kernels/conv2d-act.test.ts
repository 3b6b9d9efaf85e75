// conv2d_forward_act, the inference path's fused conv + bias + activation: in each build it
// must equal conv2d_forward followed by relu_forward bit for bit (the same max(z, 0) on the
// same z), act = 0 must equal conv2d_forward alone, and neither may write outside y. Shapes
// cover both SIMD paths: C = 1 with SW = 1 (direct kernels, relu in the register epilogue:
// width-vector tiles with 1..3 channels left over or a 6-channel tile, channel-vector tiles at
// OC = 12, 16, 32; pixel tails) and C > 1 or SW > 1 (im2col, relu over each block). Inputs are centred on 0 so about half the outputs are clipped.

import { describe, expect, it } from 'vitest';
import { getRuntime } from '../helpers/runtime.js';
import { makeRng, randomArray } from '../helpers/rng.js';
import { expectBitIdentical } from '../helpers/compare.js';
import { writeGeom, GEOM_BYTES, CONV_ACT, type Kernels } from '../../src/runtime/abi.js';
import { windowGeom, type Padding } from '../../src/tensor/geometry.js';

const SHAPES: [number, number, number, number, number, number, number, Padding][] = [
  // B, H, W, C, OC, K, stride, padding
  [2, 28, 28, 1, 6, 5, 1, 'same'],
  [3, 9, 11, 1, 7, 3, 1, 'valid'],
  [1, 12, 13, 1, 24, 5, 1, 'valid'],
  [2, 7, 9, 1, 5, 3, 2, 1],
  [2, 10, 11, 1, 32, 3, 1, 'valid'],
  [1, 9, 10, 1, 16, 3, 1, 'same'],
  [2, 8, 9, 1, 10, 3, 1, 'same'],
  [1, 7, 13, 1, 12, 5, 1, 'valid'],
  [2, 14, 14, 6, 16, 5, 1, 'valid'],
  [1, 9, 7, 3, 13, 3, 1, 'same'],
];

const GUARD = 8;

describe('conv2d_forward_act equals conv2d_forward then relu_forward, bit for bit', () => {
  SHAPES.forEach(([B, H, W, C, OC, K, S, padding], idx) => {
    it(`B${B} ${H}x${W}x${C} -> ${OC}@${K}x${K} s${S} ${JSON.stringify(padding)}`, async () => {
      const rt = await getRuntime();
      const mark = rt.arena.mark();
      try {
        const g = windowGeom([B, H, W, C], OC, { kernel: [K, K], stride: [S, S], padding }, 'test');
        const gp = rt.arena.alloc(GEOM_BYTES);
        writeGeom(rt.arena.memory, gp, g);
        const rng = makeRng(500 + idx);
        const put = (a: ArrayLike<number>) => { const p = rt.arena.allocF32(a.length); rt.arena.f32(p, a.length).set(a); return p; };
        const x = put(Float32Array.from(randomArray(rng, B * H * W * C)));
        const w = put(Float32Array.from(randomArray(rng, K * K * C * OC)));
        const bias = put(Float32Array.from(randomArray(rng, OC)));
        const ny = B * g.OH * g.OW * OC;
        const builds: [string, Kernels][] = [['naive', rt.naive], ['simd', rt.simd!]];
        for (const [name, k] of builds) {
          const scratch = rt.arena.alloc(Math.max(16, k.conv2d_scratch_bytes(gp)));
          const out = () => { const p = rt.arena.allocF32(ny + GUARD); rt.arena.f32(p, ny + GUARD).fill(NaN).fill(-7, ny); return p; };
          const unfused = out(), fused = out(), linear = out(), plain = out();
          k.conv2d_forward(unfused, x, w, bias, gp, scratch);
          k.relu_forward(unfused, unfused, ny);
          k.conv2d_forward_act(fused, x, w, bias, gp, scratch, CONV_ACT.relu);
          k.conv2d_forward(plain, x, w, bias, gp, scratch);
          k.conv2d_forward_act(linear, x, w, bias, gp, scratch, CONV_ACT.linear);
          const read = (p: number) => rt.arena.f32(p, ny + GUARD).slice();
          expectBitIdentical(read(fused), read(unfused), `${name} relu fused vs unfused`);
          expectBitIdentical(read(linear), read(plain), `${name} linear vs conv2d_forward`);
          // The relu did something: some outputs were negative before it and none are after.
          const y = read(plain).subarray(0, ny), r = read(fused).subarray(0, ny);
          expect(y.some((v) => v < 0), `${name}: some pre-activation is negative`).toBe(true);
          expect(r.every((v) => v >= 0), `${name}: relu output is non-negative`).toBe(true);
          expect(Array.from(read(fused).subarray(ny)), `${name}: guard words after y`).toEqual(new Array(GUARD).fill(-7));
        }
      } finally {
        rt.arena.release(mark);
      }
    });
  });
});
