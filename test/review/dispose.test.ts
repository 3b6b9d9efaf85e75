// Review: a disposed model must refuse use. The plan-level methods (setBatch, trainStep,
// inferStep, forwardPlan) skip the disposed check, so a plan kept from before dispose() runs
// over memory the arena has since handed to another model.
import { beforeAll, expect, it } from 'vitest';
import { loadRuntime, type Runtime } from '../../src/runtime/load.js';
import { Sequential } from '../../src/model/sequential.js';
import { Dense, Flatten } from '../../src/layers/index.js';

let rt: Runtime;
beforeAll(async () => { rt = await loadRuntime({}); });

const make = () => new Sequential([new Flatten(), new Dense({ units: 16, activation: 'relu' }), new Dense({ units: 4 })])
  .compileWith(rt, { inputShape: [12], threads: 1, seed: 1, optimizer: { type: 'sgd', lr: 0.5 } as never });

it('plan methods of a disposed model throw instead of writing into memory reused by another model', () => {
  const a = make();
  const plan = a.plan(8, 'train');
  a.dispose();
  const b = make(); // takes a's freed blocks (first fit)
  const before = b.getWeights().map((w) => Array.from(w.data));
  const calls: [string, () => unknown][] = [
    ['setBatch', () => a.setBatch(plan, 4)],
    ['trainStep', () => a.trainStep(plan)],
    ['forwardPlan', () => a.forwardPlan(plan, true)],
  ];
  const accepted = calls.filter(([, f]) => { try { f(); return true; } catch { return false; } }).map(([n]) => n);
  const after = b.getWeights().map((w) => Array.from(w.data));
  b.dispose();
  expect({ accepted, bWeightsChanged: JSON.stringify(before) !== JSON.stringify(after) }).toEqual({ accepted: [], bWeightsChanged: false });
});
