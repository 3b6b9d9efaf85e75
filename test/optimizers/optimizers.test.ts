// Every optimizer wired into a model: two steps of fit on one batch against the f64 reference
// of its update (test/reference/optim.ts), with weight decay on the kernels and none on the
// biases, so the state slots, the decay split and the per-step lr are all exercised.
//
// Tolerance: rtol 1e-5, atol 1e-7, the kernel tests' Adam bound: each step starts the reference
// from the model's own f32 state, so one step's roundings are compared.

import { beforeAll, describe, it } from 'vitest';
import { loadRuntime, type Runtime } from '../../src/runtime/load.js';
import { Sequential } from '../../src/model/sequential.js';
import { Dense } from '../../src/layers/index.js';
import { expectWithin, relTol } from '../helpers/compare.js';
import { synthDataset } from '../model/util.js';
import { adamRef, adamwRef, momentumRef, nesterovRef, rmspropRef, sgdRef } from '../reference/optim.js';

let rt: Runtime;
beforeAll(async () => { rt = await loadRuntime({}); });
const data = synthDataset(20, [1, 1, 7], 3, 2);
const f = Math.fround;

type Step = (w: Float32Array, g: Float32Array, st: Float32Array[], t: number, wd: number) => { w: ArrayLike<number>; st: ArrayLike<number>[] };
const cases: { spec: Record<string, unknown> & { type: string }; slots: number; step: Step }[] = [
  { spec: { type: 'sgd', lr: 0.1, weightDecay: 0.01 }, slots: 0, step: (w, g, _s, _t, wd) => ({ w: sgdRef(w, g, f(0.1), wd), st: [] }) },
  { spec: { type: 'momentum', lr: 0.1, momentum: 0.8, weightDecay: 0.01 }, slots: 1,
    step: (w, g, s, _t, wd) => { const r = momentumRef(w, s[0]!, g, f(0.1), f(0.8), wd); return { w: r.w, st: [r.v] }; } },
  { spec: { type: 'nesterov', lr: 0.1, momentum: 0.8, weightDecay: 0.01 }, slots: 1,
    step: (w, g, s, _t, wd) => { const r = nesterovRef(w, s[0]!, g, f(0.1), f(0.8), wd); return { w: r.w, st: [r.v] }; } },
  { spec: { type: 'adam', lr: 0.01, beta1: 0.7, beta2: 0.9, epsilon: 1e-6, weightDecay: 0.01 }, slots: 2,
    step: (w, g, s, t, wd) => {
      const r = adamRef(w, s[0]!, s[1]!, g, { lr: f(0.01), b1: f(0.7), b2: f(0.9), eps: f(1e-6), bc1: f(1 - 0.7 ** t), bc2: f(1 - 0.9 ** t), wd });
      return { w: r.w, st: [r.m, r.v] };
    } },
  { spec: { type: 'adamw', lr: 0.01, weightDecay: 0.1 }, slots: 2,
    step: (w, g, s, t, wd) => {
      const r = adamwRef(w, s[0]!, s[1]!, g, { lr: f(0.01), b1: f(0.9), b2: f(0.999), eps: f(1e-7), bc1: f(1 - 0.9 ** t), bc2: f(1 - 0.999 ** t), wd });
      return { w: r.w, st: [r.m, r.v] };
    } },
  { spec: { type: 'rmsprop', lr: 0.01, weightDecay: 0.01 }, slots: 1,
    step: (w, g, s, _t, wd) => { const r = rmspropRef(w, s[0]!, undefined, g, f(0.01), f(0.9), f(1e-7), 0, wd); return { w: r.w, st: [r.v] }; } },
  { spec: { type: 'rmsprop', lr: 0.01, momentum: 0.5, rho: 0.8 }, slots: 2,
    step: (w, g, s, _t, wd) => { const r = rmspropRef(w, s[0]!, s[1]!, g, f(0.01), f(0.8), f(1e-7), f(0.5), wd); return { w: r.w, st: [r.v, r.b!] }; } },
];

describe('optimizers in a model: two steps against the reference', () => {
  for (const c of cases) {
    it(`${JSON.stringify(c.spec)}`, async () => {
      const m = new Sequential([new Dense({ units: 5, activation: 'tanh' }), new Dense({ units: 3 })]);
      m.compileWith(rt, { inputShape: [7], optimizer: c.spec, seed: 8 });
      const n = m.nParams, nDecay = m.nDecay;
      const view = (p: number, len: number) => Float32Array.from(m.f32().subarray(p >> 2, (p >> 2) + len));
      const st = m.optimizer.stateRange;
      for (let t = 1; t <= 2; t++) {
        const w = view(m.paramsPtr, n);
        const state = Array.from({ length: c.slots }, (_, s) => view(st.ptr + 4 * n * s, n));
        await m.fit(data, { epochs: 1, batchSize: 20, shuffle: false });
        const g = view(m.gradsPtr, n);
        const wd = Number(c.spec.weightDecay ?? (c.spec.type === 'adamw' ? 0.01 : 0));
        // The decay range [0, nDecay) and the rest (biases, wd 0) separately.
        const dec = c.step(w.subarray(0, nDecay), g.subarray(0, nDecay), state.map((s) => s.subarray(0, nDecay)), t, f(wd));
        const rest = c.step(w.subarray(nDecay), g.subarray(nDecay), state.map((s) => s.subarray(nDecay)), t, 0);
        const wantW = [...Array.from(dec.w), ...Array.from(rest.w)];
        expectWithin(view(m.paramsPtr, n), wantW, relTol(wantW, 1e-5, 1e-7), `${c.spec.type} w step ${t}`);
        for (let s = 0; s < c.slots; s++) {
          const want = [...Array.from(dec.st[s]!), ...Array.from(rest.st[s]!)];
          expectWithin(view(st.ptr + 4 * n * s, n), want, relTol(want, 1e-5, 1e-7), `${c.spec.type} state ${s} step ${t}`);
        }
      }
    });
  }
});
