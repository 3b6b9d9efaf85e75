// The naive and SIMD builds give the same results through the ops API: bit-identical where the
// op only selects values (max pool forward, relu, non-overlapping max-pool backward), and within
// 2·K·2^-23·S (both sides carry their own rounding, STYLE.md §6) where it sums.
import { afterAll, describe, expect, it } from 'vitest';
import {
  activationBackward, activationForward, convBackward, convForward, init, matmul, poolBackward, poolForward, type NdArray,
} from '../../src/ops/index.js';
import { expectBitIdentical, expectWithin } from '../helpers/compare.js';
import { convBackwardRef, convForwardRef, matmulRef, pads2d, poolBackwardRef, poolForwardRef, type RefWithBound } from './reference.js';
import { rand, ref, roundingTol } from './util.js';

const worst: Record<string, number> = {};
afterAll(() => console.log(`ops/builds: worst simd-vs-naive err/tol: ${Object.entries(worst).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')}`));

/** Runs `f` on the naive build, then on the SIMD build; checks init really switched. */
async function both<T>(f: () => T): Promise<[T, T]> {
  expect((await init({ build: 'naive' })).build).toBe('naive');
  const naive = f();
  expect((await init({ build: 'simd' })).build).toBe('simd');
  return [naive, f()];
}

function close(label: string, simd: NdArray, naive: NdArray, want: RefWithBound): void {
  expect(simd.shape, label).toEqual(naive.shape);
  const r = expectWithin(simd.data, naive.data, roundingTol(want, 2), label);
  worst[label] = Math.max(worst[label] ?? 0, r);
}

describe('naive vs simd through the ops API', () => {
  const A = rand(1, [3, 9, 11, 5]);
  const W = rand(2, [3, 3, 5, 13], -0.5, 0.5);
  const b = rand(3, [13]);

  it("convForward, 'same' stride 2, C=5 OC=13: linear within 2·K·2^-23·S, relu too (a selection after Z)", async () => {
    const [n, s] = await both(() => convForward(A, W, b, 'linear', 'same', 2));
    const Zref = convForwardRef(ref(A), ref(W), b.data, pads2d('same', 9, 11, 3, 3, 2, 2), 2, 2);
    close('convForward', s, n, Zref);
    const [nr, sr] = await both(() => convForward(A, W, b, 'relu', 'same', 2));
    close('convForward relu', sr, nr, Zref); // relu is 1-Lipschitz and exact: same bound as Z
  });

  it('convBackward, pad 1 stride 1: dA_prev, dW, db within 2·K·2^-23·S', async () => {
    const dZ = rand(4, [3, 9, 11, 13]);
    const [n, s] = await both(() => convBackward(dZ, A, W, b, 1, 1));
    const want = convBackwardRef(ref(dZ), ref(A), ref(W), pads2d(1, 9, 11, 3, 3, 1, 1), 1, 1);
    close('convBackward dA_prev', s.dA_prev, n.dA_prev, want.dA);
    close('convBackward dW', s.dW, n.dW, want.dW);
    close('convBackward db', s.db, n.db, want.db);
  });

  it('max pool: forward and non-overlapping backward bit-identical, overlapping backward within bound', async () => {
    const [n1, s1] = await both(() => poolForward(A, 3, 2, 'max', 'same'));
    expectBitIdentical(s1.data, n1.data, 'maxpool forward 3x3/2 same');
    const dA2 = rand(5, [3, 4, 5, 5]);
    const [n2, s2] = await both(() => poolBackward(dA2, A, 2, 2, 'max'));
    expectBitIdentical(s2.data, n2.data, 'maxpool backward 2x2/2 (no overlap)');
    const dA3 = rand(6, [3, 7, 9, 5]);
    const [n3, s3] = await both(() => poolBackward(dA3, A, 3, 1, 'max'));
    close('maxpool backward 3x3/1', s3, n3, poolBackwardRef(ref(dA3), ref(A), 3, 3, 1, 1, 'max', pads2d('valid', 9, 11, 3, 3, 1, 1)));
  });

  it('avg pool forward and backward (3x3 stride 2 same) within 2·K·2^-23·S', async () => {
    const p = pads2d('same', 9, 11, 3, 3, 2, 2);
    const [n, s] = await both(() => poolForward(A, 3, 2, 'avg', 'same'));
    close('avgpool forward', s, n, poolForwardRef(ref(A), 3, 3, 2, 2, 'avg', p));
    const dA = rand(7, n.shape);
    const [nb, sb] = await both(() => poolBackward(dA, A, 3, 2, 'avg', 'same'));
    close('avgpool backward', sb, nb, poolBackwardRef(ref(dA), ref(A), 3, 3, 2, 2, 'avg', p));
  });

  it('matmul [33,70]·[70,17] within 2·K·2^-23·S', async () => {
    const M = rand(8, [33, 70]);
    const N = rand(9, [70, 17]);
    const [n, s] = await both(() => matmul(M, N));
    close('matmul', s, n, matmulRef(ref(M), ref(N)));
  });

  it('activations: relu bit-identical; tanh and sigmoid within 2 × their per-build bound', async () => {
    const Z = rand(10, [4, 37], -4, 4);
    const dA = rand(11, [4, 37]);
    const [nr, sr] = await both(() => activationForward(Z, 'relu'));
    expectBitIdentical(sr.data, nr.data, 'relu forward');
    const [nrb, srb] = await both(() => activationBackward(dA, nr, 'relu'));
    expectBitIdentical(srb.data, nrb.data, 'relu backward');
    for (const act of ['tanh', 'sigmoid'] as const) {
      const [n, s] = await both(() => activationForward(Z, act));
      // Each build is within 32 ulp relative + 2.4e-7 absolute of the exact value (conv.test.ts).
      expectWithin(s.data, n.data, n.data.map((a) => 2 * (1.9e-6 * Math.abs(a) + 2.4e-7)), `${act} forward`);
      const [nb, sb] = await both(() => activationBackward(dA, n, act));
      // Same A for both builds; each within 2^-21·|dA|·(1 + A²) of the exact product (conv.test.ts).
      expectWithin(sb.data, nb.data, nb.data.map((_, i) => 2 * 2 ** -21 * Math.abs(dA.data[i]!) * (1 + n.data[i]! ** 2)), `${act} backward`);
    }
  });
});
