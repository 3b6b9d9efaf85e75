// Dropout (inverted): in training y = x ⊙ mask with mask[i] = (u < keep) ? 1/keep : 0,
// keep = 1 − rate, so E[y] = x and inference is the identity (Keras semantics).
//
// The mask is drawn by rng_dropout_mask from this layer's own xoshiro128** state (16 bytes in
// wasm memory, seeded once at compile from the model seed and the layer index), so a run is
// reproducible and no random numbers cross from JS. Cache: the mask [B, n] (f32), reused by
// backward: dx = dy ⊙ mask. In inference plans y is the same memory as x (free); in a
// training plan run with training = false the mask is filled with ones instead.
// The mask is drawn for the whole batch in prepare(), on the calling thread, before the batch
// is split into shards: the random stream is the same whatever the shards or threads.

import type { Kernels } from '../runtime/abi.js';
import { Layer, type BufferSpec, type LayerRun, type Shape } from './layer.js';
import { checkConfigKeys } from './config.js';
import { shown } from '../util/format.js';

export interface DropoutConfig {
  /** Fraction of inputs zeroed in training, 0 ≤ rate < 1. */
  rate: number;
  /** Optional seed offset for this layer's RNG (default: derived from the model seed and the layer index). */
  seed?: number;
  name?: string;
}

export class Dropout extends Layer {
  static readonly type = 'Dropout';
  /** The config keys the constructor reads; any other key is an error. */
  static readonly options: readonly string[] = ['rate', 'seed', 'name'];
  readonly type = Dropout.type;
  readonly rate: number;
  readonly seed: number | undefined;
  private statePtr = 0;

  constructor(config: DropoutConfig) {
    super(config?.name);
    const where = `Dropout${config?.name ? ` '${config.name}'` : ''}`;
    checkConfigKeys(config, Dropout.options, where);
    const rate = config?.rate;
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) {
      throw new RangeError(`${where}: rate must be a number in [0, 1), got ${shown(rate)}`);
    }
    if (config.seed !== undefined && !Number.isInteger(config.seed)) {
      throw new RangeError(`${where}: seed must be an integer, got ${shown(config.seed)}`);
    }
    this.rate = rate;
    this.seed = config.seed;
  }

  outputShape(inShape: Shape): number[] { return [...inShape]; }

  override stateBytes(): number { return 16; }

  override initState(ptr: number, seed: number): void {
    this.statePtr = ptr;
    this.k.rng_seed(ptr, (this.seed ?? seed) >>> 0);
  }

  override aliasesInput(training: boolean): boolean { return !training; }

  override bufferSpecs(B: number, training: boolean): BufferSpec[] {
    return training ? [{ name: 'mask', bytes: 4 * B * this.outSize, kind: 'rows' }] : [];
  }

  /** Draws the mask for the whole batch (ones when not training). */
  override prepare(k: Kernels, r: LayerRun, training: boolean): void {
    const mask = r.bufs.mask;
    if (mask === undefined) return; // inference plan: identity, same memory
    const n = r.B * this.outSize;
    if (training) k.rng_dropout_mask(mask, n, this.statePtr, 1 - this.rate);
    else k.fill(mask, n, 1);
  }

  forward(k: Kernels, r: LayerRun): void {
    if (r.y === r.x) return; // inference plan: identity, same memory
    k.mul(r.y, r.x, r.bufs.mask!, r.B * this.outSize);
  }

  backward(k: Kernels, r: LayerRun): void {
    if (r.dx !== 0) k.mul(r.dx, r.dy, r.bufs.mask!, r.B * this.outSize);
  }

  getConfig(): Record<string, unknown> {
    return this.seed === undefined ? { rate: this.rate } : { rate: this.rate, seed: this.seed };
  }
}
