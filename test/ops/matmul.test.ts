// matmul against the f64 reference: C = A·B within K·2^-23·S per element.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, matmul } from '../../src/ops/index.js';
import { matmulRef } from './reference.js';
import { expectMatchesRef, logWorstRatios, rand, ref } from './util.js';

beforeAll(async () => { await init(); });
afterAll(() => logWorstRatios('ops/matmul'));

describe('matmul vs f64 reference', () => {
  const shapes: [number, number, number][] = [[1, 1, 1], [3, 5, 4], [4, 8, 13], [17, 3, 33], [32, 120, 40], [2, 10, 84]];
  shapes.forEach(([m, k, n], i) => {
    it(`[${m},${k}]·[${k},${n}]`, () => {
      const A = rand(1000 + i, [m, k]);
      const B = rand(1100 + i, [k, n]);
      const C = matmul(A, B);
      expect(C.shape).toEqual([m, n]);
      expectMatchesRef(C, matmulRef(ref(A), ref(B)), `matmul: [${m},${k}]x[${k},${n}]`);
    });
  });
});
