// Parameters: what a model owns, independent of any batch size. Laid out once at compile in
// one block of the shared wasm memory (src/model/layout.ts):
//   values       trainable parameters, contiguous: the weights that take decay (kernels) first,
//                then the rest (biases): the optimizer's flat range [0, n)
//   gradients    contiguous, same order (the full-batch gradient after a step)
//   optimizer    state, contiguous (SGD none, momentum v, Adam m then v)
//   fixed        non-trainable tensors (e.g. running statistics): outside the optimizer's
//                range, no gradient, saved and loaded with the weights
//   layer state  e.g. dropout RNG states; the init RNG state; a probe geometry struct
// and initialised from the seeded wasm RNG in layer order (Keras initialisers).

import type { Kernels, Geom2d } from '../runtime/abi.js';
import { writeGeom } from '../runtime/abi.js';
import type { Runtime } from '../runtime/load.js';
import { formatShape, product, type Layer, type ParamView } from '../layers/layer.js';
import type { Optimizer } from '../optimizers/index.js';
import { Layout, type RegionKind } from './layout.js';

export interface NamedTensor { name: string; shape: number[]; data: Float32Array }

/** A 32-bit hash of (seed, i), so each layer's RNG gets an unrelated stream. */
export function mixSeed(seed: number, i: number): number {
  let h = (seed ^ Math.imul(i + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export class Parameters {
  /** Every tensor (trainable and not), in layer order. */
  readonly views: ParamView[] = [];
  /** Trainable elements (the optimizer's range) and how many of them take weight decay. */
  readonly n: number;
  readonly nDecay: number;
  /** Byte offsets of the trainable values and of their gradients. */
  readonly values: number;
  readonly grads: number;
  readonly bytesByKind: Partial<Record<RegionKind, number>>;
  /** Offset of this block in the arena (for dispose). */
  readonly base: number;
  /** Each layer's own state block (e.g. a dropout RNG), for saving and restoring training state. */
  readonly layerStates: { layer: Layer; ptr: number; bytes: number }[] = [];
  private readonly probePtr: number;

  constructor(private readonly rt: Runtime, k: Kernels, layers: readonly Layer[], optimizer: Optimizer, seed: number, owner: string) {
    for (const l of layers) l.bind({ k, probe: (g) => this.probe(g) });
    const all: { layer: Layer; view: ParamView }[] = [];
    for (const l of layers) {
      for (const s of l.paramSpecs()) {
        const size = product(s.shape);
        all.push({ layer: l, view: {
          name: `${l.name}/${s.name}`, shape: [...s.shape], size, decay: s.decay, init: s.init,
          trainable: s.trainable ?? true, value: 0, grad: 0, ...(s.min !== undefined ? { min: s.min } : {}),
        } });
      }
    }
    const trainable = all.filter((p) => p.view.trainable);
    const order = [...trainable.filter((p) => p.view.decay), ...trainable.filter((p) => !p.view.decay)];
    const fixed = all.filter((p) => !p.view.trainable);
    const rel = new Map<ParamView, number>();
    let n = 0;
    for (const p of order) { rel.set(p.view, n); n += p.view.size; }
    let nFixed = 0;
    for (const p of fixed) { rel.set(p.view, nFixed); nFixed += p.view.size; }
    this.n = n;
    this.nDecay = order.filter((p) => p.view.decay).reduce((s, p) => s + p.view.size, 0);

    const layout = new Layout();
    const iValues = layout.add('parameters', 'params', 4 * n);
    const iGrads = layout.add('gradients', 'grads', 4 * n);
    const iOpt = layout.add('optimizer state', 'optimizer', 4 * n * optimizer.stateSlots());
    const iFixed = layout.add('non-trainable tensors', 'params', 4 * nFixed);
    const iStates = layers.map((l) => layout.add(`${l.name} state`, 'state', l.stateBytes()));
    const iRng = layout.add('init rng', 'state', 16);
    const iProbe = layout.add('probe geometry', 'geometry', 64);
    this.base = layout.commit(rt.arena, `model '${owner}'`);
    this.bytesByKind = layout.byKind();
    this.values = layout.offset(iValues);
    this.grads = layout.offset(iGrads);
    this.probePtr = layout.offset(iProbe);
    const fixedPtr = layout.offset(iFixed);
    for (const p of order) {
      p.view.value = this.values + 4 * rel.get(p.view)!;
      p.view.grad = this.grads + 4 * rel.get(p.view)!;
    }
    for (const p of fixed) p.view.value = fixedPtr + 4 * rel.get(p.view)!;
    for (const l of layers) l.params = all.filter((p) => p.layer === l).map((p) => p.view);
    this.views.push(...all.map((p) => p.view));

    // Initialise in layer order from one seeded stream.
    const rng = layout.offset(iRng);
    k.rng_seed(rng, seed);
    for (const v of this.views) {
      const i = v.init;
      if (i.dist === 'uniform') k.rng_uniform(v.value, v.size, rng, i.lo, i.hi);
      else if (i.dist === 'normal') k.rng_normal(v.value, v.size, rng, 0, i.std, i.truncated ? 1 : 0);
      else k.fill(v.value, v.size, i.value);
    }
    layers.forEach((l, i) => {
      if (l.stateBytes() === 0) return;
      const ptr = layout.offset(iStates[i]!);
      l.initState(ptr, mixSeed(seed, i));
      this.layerStates.push({ layer: l, ptr, bytes: l.stateBytes() });
    });
    optimizer.bind(k, { w: this.values, g: this.grads, n, nDecay: this.nDecay, state: layout.offset(iOpt) });
  }

  /** Writes `g` into the probe struct and returns its offset (plan-time scratch-size queries). */
  probe(g: Geom2d): number {
    writeGeom(this.rt.arena.memory, this.probePtr, g);
    return this.probePtr;
  }

  private f32(): Float32Array { return new Float32Array(this.rt.arena.memory.buffer); }

  /** Copies of every tensor (trainable and not), in layer order. */
  getWeights(): NamedTensor[] {
    const f32 = this.f32();
    return this.views.map((v) => ({ name: v.name, shape: [...v.shape], data: f32.slice(v.value >> 2, (v.value >> 2) + v.size) }));
  }

  /** Copies of every trainable tensor's gradient (as left by the last step), in layer order. */
  getGradients(): NamedTensor[] {
    const f32 = this.f32();
    return this.views.filter((v) => v.trainable)
      .map((v) => ({ name: v.name, shape: [...v.shape], data: f32.slice(v.grad >> 2, (v.grad >> 2) + v.size) }));
  }

  /** Sets every tensor by name; each must be given once with its exact shape. Checks all before writing any. */
  setWeights(weights: readonly { name: string; shape?: readonly number[]; data: ArrayLike<number> }[]): void {
    if (!Array.isArray(weights)) throw new TypeError(`setWeights: expected an array of { name, shape, data }, got ${typeof weights}`);
    const byName = new Map(weights.map((w) => [w.name, w]));
    for (const v of this.views) {
      const w = byName.get(v.name);
      if (w === undefined) throw new Error(`setWeights: missing weights for '${v.name}' (shape ${formatShape(v.shape)})`);
      if (w.shape !== undefined && (w.shape.length !== v.shape.length || w.shape.some((d: number, i: number) => d !== v.shape[i]))) {
        throw new RangeError(`setWeights: '${v.name}' has shape ${formatShape(w.shape)}, the model needs ${formatShape(v.shape)}`);
      }
      if (w.data?.length !== v.size) throw new RangeError(`setWeights: '${v.name}' has ${w.data?.length} values, the model needs ${v.size}`);
      if (v.min !== undefined) {
        const min = v.min;
        for (let i = 0; i < v.size; i++) {
          const x = w.data[i]!;
          if (!(x >= min)) throw new RangeError(`setWeights: '${v.name}'[${i}] is ${x}; it must be a number ≥ ${min}`);
        }
      }
    }
    for (const w of weights) {
      if (!this.views.some((v) => v.name === w.name)) throw new Error(`setWeights: the model has no parameter '${w.name}'`);
    }
    const f32 = this.f32();
    for (const v of this.views) f32.set(byName.get(v.name)!.data, v.value >> 2);
  }

  /** A fresh view of one tensor's values (or gradient) in wasm memory (invalid after memory grows). */
  data(name: string, which: 'value' | 'grad' = 'value'): Float32Array {
    const v = this.views.find((p) => p.name === name);
    if (v === undefined) throw new Error(`the model has no parameter '${name}'; it has ${this.views.map((p) => p.name).join(', ')}`);
    if (which === 'grad' && !v.trainable) throw new Error(`'${name}' is not trainable: it has no gradient`);
    return new Float32Array(this.rt.arena.memory.buffer, which === 'value' ? v.value : v.grad, v.size);
  }
}
