// Benchmark data and the step loop over it: a Dataset staged once in a model's memory, and
// steppers that gather batch after batch from it into a plan and run the library's step.
//
// Data: the embedded MNIST digits (tanh-binary: its 0s and 1s); cifar on synthetic 32x32x3 images
// (seeded, class-dependent colour plus noise: the speed does not depend on the pixel values).

import { zooEntry } from '../../src/model/zoo.js';
import type { Sequential, BatchPlan, StepPhases } from '../../src/model/sequential.js';
import { loadData } from '../../src/data/load-node.js';
import { subsetByClasses } from '../../src/data/transforms.js';
import type { Dataset } from '../../src/data/dataset.js';
import { imageSize } from '../../src/data/dataset.js';
import { Mulberry32 } from '../../src/data/batcher.js';

export async function benchData(name: string): Promise<Dataset> {
  const e = zooEntry(name);
  if (e.inputShape[2] === 3) return syntheticRgb(512, e.inputShape[0]!, e.inputShape[1]!, e.numClasses, 7);
  const { train } = await loadData('mnist');
  return e.classes ? subsetByClasses(train, e.classes) : train;
}

function syntheticRgb(n: number, H: number, W: number, classes: number, seed: number): Dataset {
  const rng = new Mulberry32(seed);
  const images = new Float32Array(n * H * W * 3);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const y = rng.below(classes);
    labels[i] = y;
    for (let p = 0; p < H * W; p++) {
      for (let c = 0; c < 3; c++) images[(i * H * W + p) * 3 + c] = 0.3 * Math.sin(y + 2 * c) + 0.4 * rng.nextFloat() - 0.2;
    }
  }
  return { name: 'synthetic 32x32x3', images, labels, count: n, height: H, width: W, channels: 3, numClasses: classes };
}

/** Milliseconds spent per phase, accumulated. */
export interface Phases { data: number; forward: number; backward: number; update: number }
export const noPhases = (): Phases => ({ data: 0, forward: 0, backward: 0, update: 0 });

/** A Dataset staged in a model's memory (images, labels, an identity index for gather_rows). */
export class Staged {
  readonly images: number;
  readonly labels: number;
  readonly index: number;
  readonly n: number;
  readonly inSize: number;

  constructor(readonly model: Sequential, data: Dataset, role: string) {
    this.n = data.count;
    this.inSize = imageSize(data);
    this.images = model.slot(`${role} images`, data.images.length * 4);
    this.labels = model.slot(`${role} labels`, data.count * 4);
    this.index = model.slot(`${role} index`, data.count * 4);
    model.f32().set(data.images, this.images >> 2);
    model.i32().set(data.labels, this.labels >> 2);
    const idx = model.i32();
    for (let i = 0; i < data.count; i++) idx[(this.index >> 2) + i] = i;
  }
}

/** A plan of B rows (train or infer) walking a staged dataset batch by batch, wrapping around. */
export class Stepper {
  readonly plan: BatchPlan;
  private cursor = 0;
  private readonly phases: StepPhases = { forward: 0, backward: 0, update: 0 };

  constructor(readonly model: Sequential, readonly data: Staged, B: number, readonly mode: 'train' | 'infer') {
    if (data.model !== model) throw new Error('bench: data staged for another model');
    if (data.n < B) throw new Error(`bench: ${data.n} images is less than one batch of ${B}`);
    this.plan = model.plan(B, mode);
  }

  /** Gathers the next batch into the plan (and makes it a full batch again: fit leaves a smaller last one). */
  gather(): void {
    const B = this.plan.B;
    this.model.setBatch(this.plan, B);
    if (this.cursor + B > this.data.n) this.cursor = 0;
    const k = this.model.k;
    const idx = this.data.index + 4 * this.cursor;
    k.gather_rows(this.plan.x0, this.data.images, idx, B, this.data.inSize);
    k.gather_rows(this.plan.labels, this.data.labels, idx, B, 1);
    this.cursor += B;
  }

  /** The library's step (trainStep, or inferStep without labels as predict runs it). Returns the loss sum (train). */
  step(): number {
    this.gather();
    return this.mode === 'train' ? this.model.trainStep(this.plan) : this.model.inferStep(this.plan, false);
  }

  /** The same library training step, asking it for its phase times (forward and backward then run as two jobs). */
  timedStep(t: Phases): number {
    const t0 = performance.now();
    this.gather();
    const t1 = performance.now();
    const sum = this.model.trainStep(this.plan, this.phases);
    t.data += t1 - t0;
    t.forward += this.phases.forward;
    t.backward += this.phases.backward;
    t.update += this.phases.update;
    return sum;
  }

  /** Bits of the plan's probabilities (infer) after the last step. */
  probabilityBits(): Uint32Array {
    const p = this.plan.probs >> 2;
    return new Uint32Array(this.model.f32().slice(p, p + this.plan.B * this.model.numClasses).buffer);
  }
}

/** null when every weight of a and b has the same bits, else where the first difference is. */
export function weightsBitEqual(a: Sequential, b: Sequential): string | null {
  const wa = a.getWeights();
  const wb = b.getWeights();
  for (let i = 0; i < wa.length; i++) {
    const da = wa[i]!.data;
    const db = wb[i]!.data;
    const x = new Uint32Array(da.buffer, da.byteOffset, da.length);
    const y = new Uint32Array(db.buffer, db.byteOffset, db.length);
    for (let j = 0; j < x.length; j++) {
      if (x[j] !== y[j]) return `${wa[i]!.name}[${j}]: ${da[j]} vs ${db[j]}`;
    }
  }
  return null;
}
