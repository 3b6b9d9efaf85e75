// maxpool2d_forward with argmax = 0 (inference plans keep no argmax): the same y bit for bit as
// with an argmax buffer, in both builds, over channel counts with and without a SIMD tail, ties
// and NaN, and nothing written past y.
import { describe, expect, it } from 'vitest';
import { getRuntime } from '../helpers/runtime.js';
import { makeRng, randomArray } from '../helpers/rng.js';
import { expectBitIdentical } from '../helpers/compare.js';
import { writeGeom, GEOM_BYTES, type Kernels } from '../../src/runtime/abi.js';
import { windowGeom } from '../../src/tensor/geometry.js';

describe('maxpool2d_forward without argmax', () => {
  for (const [B, H, W, C, K, S] of [[2, 28, 28, 6, 2, 2], [1, 9, 7, 3, 3, 2], [3, 10, 10, 16, 2, 2], [1, 5, 6, 5, 3, 1]] as const) {
    it(`B${B} ${H}x${W}x${C} ${K}x${K}/${S}`, async () => {
      const rt = await getRuntime();
      const mark = rt.arena.mark();
      try {
        const g = windowGeom([B, H, W, C], C, { kernel: [K, K], stride: [S, S], padding: 'valid', kind: 'pool' }, 'test');
        const gp = rt.arena.alloc(GEOM_BYTES);
        writeGeom(rt.arena.memory, gp, g);
        const rng = makeRng(H * 100 + C);
        // Values rounded to a coarse grid so windows hold ties; one NaN.
        const xs = Float32Array.from(randomArray(rng, B * H * W * C), (v) => Math.round(v * 4) / 4);
        xs[7] = NaN;
        const x = rt.arena.allocF32(xs.length);
        rt.arena.f32(x, xs.length).set(xs);
        const ny = B * g.OH * g.OW * C;
        for (const [name, k] of [['naive', rt.naive], ['simd', rt.simd!]] as [string, Kernels][]) {
          const y1 = rt.arena.allocF32(ny + 4), y2 = rt.arena.allocF32(ny + 4), arg = rt.arena.allocF32(ny);
          rt.arena.f32(y2, ny + 4).fill(-9);
          k.maxpool2d_forward(y1, arg, x, gp);
          k.maxpool2d_forward(y2, 0, x, gp);
          expectBitIdentical(rt.arena.f32(y2, ny).slice(), rt.arena.f32(y1, ny).slice(), `${name} y`);
          expect(Array.from(rt.arena.f32(y2 + 4 * ny, 4)), `${name}: nothing past y`).toEqual([-9, -9, -9, -9]);
        }
      } finally {
        rt.arena.release(mark);
      }
    });
  }
});
