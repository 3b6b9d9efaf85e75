// The barrier seam (Layer.barriers / reduce; plan pieces in planner.ts, run in executor.ts),
// tested with a layer made for it rather than through BatchNormalization: 'TwoSums' adds to x
// the column sums of the whole batch twice over, which needs two forward barriers:
//   stage 0  per shard: s0 = Σ_rows x            (its 'shards' slot)
//   reduce 0 t0 = Σ_shards s0 in shard order     (a 'batch' buffer)
//   stage 1  y = x + t0;  s1 = Σ_rows y
//   reduce 1 t1 = Σ_shards s1
//   stage 2  y += t1
// `expected` computes y in f64 from all rows; with small integers every f32 sum is exact, so y
// must be exact for any number of shards. And one backward barrier whose reduce counts how often
// it ran (dx = dy: the gradient of the sums is ignored, this layer tests plumbing only).
import { describe, expect, it } from 'vitest';
import { getRuntime } from '../helpers/runtime.js';
import { Sequential } from '../../src/model/sequential.js';
import { Dense } from '../../src/layers/dense.js';
import { Layer, shardSlotStride, type BufferSpec, type LayerRun, type Pass, type ReduceContext, type Shape } from '../../src/layers/layer.js';
import type { Kernels } from '../../src/runtime/abi.js';

class TwoSums extends Layer {
  readonly type = 'TwoSums';
  outputShape(inShape: Shape): number[] { return [...inShape]; }
  private get C(): number { return this.inShape[0]!; }
  override bufferSpecs(): BufferSpec[] {
    return [{ name: 'part', bytes: 4 * this.C, kind: 'shards' }, { name: 't0', bytes: 4 * this.C, kind: 'batch' },
      { name: 't1', bytes: 4 * this.C, kind: 'batch' }, { name: 'count', bytes: 8, kind: 'batch' }];
  }
  override barriers(pass: Pass, training: boolean): number { return pass === 'forward' ? 2 : training ? 1 : 0; }
  forward(k: Kernels, r: LayerRun, _training: boolean, stage = 0): void {
    const C = this.C, n = r.B * C;
    if (stage === 0) {
      k.fill(r.bufs.part!, C, 0);
      k.bias_grad(r.bufs.part!, r.x, r.B, C); // column sums
    } else if (stage === 1) {
      k.fill(r.y, n, 0);
      k.add(r.y, r.x, n);
      k.bias_add(r.y, r.bufs.t0!, r.B, C);
      k.fill(r.bufs.part!, C, 0);
      k.bias_grad(r.bufs.part!, r.y, r.B, C);
    } else {
      k.bias_add(r.y, r.bufs.t1!, r.B, C);
    }
  }
  override reduce(k: Kernels, ctx: ReduceContext, pass: Pass, stage: number, _training?: boolean): void {
    const C = this.C, r = ctx.run, stride = shardSlotStride(4 * C);
    if (pass === 'backward') { k.fill(r.bufs.count! + 4, 1, 1); k.add(r.bufs.count!, r.bufs.count! + 4, 1); return; } // count += 1
    const out = stage === 0 ? r.bufs.t0! : r.bufs.t1!;
    k.fill(out, C, 0);
    for (let s = 0; s < ctx.shards; s++) k.add(out, r.bufs.part! + s * stride, C);
  }
  backward(k: Kernels, r: LayerRun, stage = 0): void {
    if (stage === 1 && r.dx !== 0) { k.fill(r.dx, r.B * this.C, 0); k.add(r.dx, r.dy, r.B * this.C); }
  }
  getConfig(): Record<string, unknown> { return {}; }
}

function expected(x: Float64Array, B: number, C: number): Float64Array {
  const colSum = (v: Float64Array) => Array.from({ length: C }, (_, c) => { let t = 0; for (let r = 0; r < B; r++) t += v[r * C + c]!; return t; });
  const t0 = colSum(x);
  const y1 = x.map((v, i) => v + t0[i % C]!);
  const t1 = colSum(y1);
  return y1.map((v, i) => v + t1[i % C]!);
}

describe('barriers: batch-wide reductions between pieces of the shards\' tapes', () => {
  for (const B of [5, 16, 37, 64]) {
    it(`two forward barriers over B = ${B}: every shard sees the whole batch's sums, at 1 and 3 threads`, async () => {
      const rt = await getRuntime();
      const C = 5;
      const x = Float64Array.from({ length: B * C }, (_, i) => ((i * 7) % 11) - 5);
      for (const threads of [1, 3]) {
        for (const mode of ['train', 'infer'] as const) {
          const m = new Sequential([new TwoSums(), new Dense({ units: 2 })]);
          m.compileWith(rt, { inputShape: [C], seed: 1, threads, optimizer: 'sgd' });
          const plan = m.plan(B, mode);
          // Inference plans record the forward twice (evaluate's, then predict's with softmax).
          expect(plan.barriers.map((b) => `${b.pass} ${b.stage}`)).toEqual(mode === 'train'
            ? ['forward 0', 'forward 1', 'backward 0'] : ['forward 0', 'forward 1', 'forward 0', 'forward 1']);
          m.f32().set(Float32Array.from(x), plan.x0 >> 2);
          m.forwardPlan(plan, mode === 'train');
          const r = plan.runs[0]!;
          expect(Array.from(m.f32().slice(r.y >> 2, (r.y >> 2) + B * C)), `${mode} y, ${plan.activeShards} shards, ${threads} threads`)
            .toEqual(Array.from(expected(x, B, C)));
          if (mode === 'train') {
            // A smaller last batch re-records the pieces for its own shard count.
            const b = Math.max(1, B - 13);
            m.setBatch(plan, b);
            m.f32().set(Float32Array.from(x.subarray(0, b * C)), plan.x0 >> 2);
            m.forwardPlan(plan, true);
            expect(Array.from(m.f32().slice(r.y >> 2, (r.y >> 2) + b * C)), `train y after setRows(${b})`)
              .toEqual(Array.from(expected(x.subarray(0, b * C), b, C)));
            // A whole step runs the backward barrier's reduction exactly once, and only a step does.
            const count = () => m.f32()[r.bufs.count! >> 2];
            expect(count()).toBe(0);
            m.i32().fill(0, plan.labels >> 2, (plan.labels >> 2) + b);
            expect(Number.isFinite(m.trainStep(plan))).toBe(true);
            expect(count(), 'backward reductions in one step').toBe(1);
          }
          m.dispose();
        }
      }
    });
  }

  it('a layer that declares barriers must reduce', async () => {
    class NoReduce extends TwoSums {
      override reduce(k: Kernels, ctx: ReduceContext, pass: Pass, stage: number, training: boolean): void {
        Layer.prototype.reduce.call(this, k, ctx, pass, stage, training);
      }
    }
    const m = new Sequential([new NoReduce(), new Dense({ units: 2 })]);
    m.compileWith(await getRuntime(), { inputShape: [3], seed: 1, optimizer: 'sgd' });
    expect(() => m.plan(4, 'train')).toThrow(/layer 0 '.*' \(TwoSums\): declares barriers but no reduce\(\)/);
  });
});
