// Training state: what a model file needs, beyond topology and weights, for training to go on
// exactly as if it had never stopped. Browser-safe (no fs).
//
//   iterations, scheduleFrom  the optimizer's step count (Adam's t) and where its schedule began
//   lrScale                   the optimizer's learning-rate multiplier (reduce-on-plateau)
//   epochsTrained             completed epochs
//   stream                    the data order: shuffle seed, epoch orders drawn, split seed,
//                             samples and batch size (fit's TrainStream, for fit({ resume: true }))
//   layerStates               each stateful layer's bytes as u32 words (the dropout RNGs)
//   callbacks                 plateau counts of ReduceLROnPlateau / EarlyStopping (best, wait) by
//                             callback key, which a resumed fit continues (absent: none)
//   optimizer slots           the state tensors (momentum; Adam m, v; ...) over the trainable
//                             parameters only, one f32 tensor of n values per slot, by name
// The optimizer's type and config (with its schedule and the schedule's totalSteps) are in the
// topology, as for any model file; the type is repeated here so a mismatch is caught.

import type { Sequential } from '../model/sequential.js';
import type { TrainStream } from '../train/fit-options.js';
import type { PlateauState } from '../train/callbacks.js';
import { shown } from '../util/format.js';

export interface TrainingStateHeader {
  optimizer: string;
  iterations: number;
  scheduleFrom: number;
  lrScale: number;
  epochsTrained: number;
  stream?: TrainStream;
  layerStates: { layer: string; words: number[] }[];
  callbacks?: Record<string, PlateauState>;
}

export interface TrainingState extends TrainingStateHeader {
  /** One tensor per optimizer state slot (named as Optimizer.stateNames()), n values each. */
  slots: { name: string; data: Float32Array }[];
}

/** A copy of the model's training state. */
export function captureTrainingState(model: Sequential): TrainingState {
  const o = model.optimizer;
  const f32 = model.f32();
  const { ptr, length } = o.stateRange;
  const n = o.size;
  const names = o.stateNames();
  const slots = names.map((name, s) => ({ name, data: f32.slice((ptr >> 2) + s * n, (ptr >> 2) + (s + 1) * n) }));
  if (slots.length * n !== length) throw new Error(`captureTrainingState: ${names.length} slot names for ${length / Math.max(n, 1)} slots`);
  const u32 = new Uint32Array(f32.buffer);
  const layerStates = model.params.layerStates.map((s) => ({
    layer: s.layer.name!, words: Array.from(u32.subarray(s.ptr >> 2, (s.ptr + s.bytes) >> 2)),
  }));
  const out: TrainingState = {
    optimizer: o.type, iterations: o.iterations, scheduleFrom: o.scheduleFrom, lrScale: o.lrScale,
    epochsTrained: model.epochsTrained, layerStates, slots,
  };
  if (model.trainStream !== undefined) out.stream = { ...model.trainStream };
  if (Object.keys(model.callbackState).length > 0) out.callbacks = structuredClone(model.callbackState);
  return out;
}

function wholeNumber(v: unknown, what: string, max = Number.MAX_SAFE_INTEGER, min = 0): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new RangeError(`training state: ${what} must be a whole number in [${min}, ${max}], got ${shown(v)}`);
  }
  return v;
}

/**
 * Checks `state` against the model (optimizer type and slots, parameter count, stateful layers)
 * and writes it into the model: optimizer state and counters, epochs, data stream, layer states.
 * Checks everything before writing anything. Errors name the field and what was expected.
 */
export function applyTrainingState(model: Sequential, state: TrainingState): void {
  const o = model.optimizer;
  if (state.optimizer !== o.type) {
    throw new Error(`training state: it is for optimizer '${shown(state.optimizer)}', the model's optimizer is '${o.type}'`);
  }
  const iterations = wholeNumber(state.iterations, 'iterations');
  const scheduleFrom = wholeNumber(state.scheduleFrom, 'scheduleFrom', iterations);
  const epochsTrained = wholeNumber(state.epochsTrained, 'epochsTrained');
  if (typeof state.lrScale !== 'number' || !Number.isFinite(state.lrScale) || state.lrScale <= 0) {
    throw new RangeError(`training state: lrScale must be a finite number > 0, got ${shown(state.lrScale)}`);
  }
  const names = o.stateNames();
  const got = state.slots.map((s) => s.name);
  if (got.length !== names.length || got.some((g, i) => g !== names[i])) {
    throw new Error(`training state: optimizer '${o.type}' has state slots [${names.join(', ')}], the file has [${got.join(', ')}]`);
  }
  for (const s of state.slots) {
    if (s.data.length !== o.size) {
      throw new RangeError(`training state: slot '${s.name}' has ${s.data.length} values; the model has ${o.size} trainable parameters`);
    }
  }
  const want = model.params.layerStates;
  const ls = state.layerStates;
  if (!Array.isArray(ls) || ls.length !== want.length) {
    throw new Error(`training state: ${Array.isArray(ls) ? ls.length : 'no'} layer states; the model has ${want.length} stateful layer(s)` +
      ` (${want.map((w) => w.layer.name).join(', ') || 'none'})`);
  }
  want.forEach((w, i) => {
    const s = ls[i]!;
    if (s?.layer !== w.layer.name || !Array.isArray(s.words) || s.words.length !== w.bytes / 4 ||
        !s.words.every((x) => Number.isInteger(x) && x >= 0 && x <= 0xffffffff)) {
      throw new Error(`training state: layer state ${i} must be { layer: '${w.layer.name}', words: ${w.bytes / 4} u32 values }, got ${shown(s)}`);
    }
  });
  let stream: TrainStream | undefined;
  if (state.stream !== undefined) {
    const st = state.stream;
    if (st === null || typeof st !== 'object') throw new TypeError(`training state: stream must be an object, got ${shown(st)}`);
    stream = {
      orderSeed: wholeNumber(st.orderSeed, 'stream.orderSeed', 0xffffffff),
      orderEpochs: wholeNumber(st.orderEpochs, 'stream.orderEpochs'),
      splitSeed: wholeNumber(st.splitSeed, 'stream.splitSeed', 0xffffffff),
      samples: wholeNumber(st.samples, 'stream.samples', Number.MAX_SAFE_INTEGER, 1), // fit never records an empty run
      batchSize: wholeNumber(st.batchSize, 'stream.batchSize', Number.MAX_SAFE_INTEGER, 1),
    };
  }
  const callbacks: Record<string, PlateauState> = {};
  if (state.callbacks !== undefined) {
    const c = state.callbacks;
    if (c === null || typeof c !== 'object' || Array.isArray(c)) throw new TypeError(`training state: callbacks must be an object, got ${shown(c)}`);
    for (const [key, v] of Object.entries(c)) {
      const best = (v as PlateauState | null)?.best;
      if (v === null || typeof v !== 'object' || !(best === null || (typeof best === 'number' && Number.isFinite(best)))) {
        throw new TypeError(`training state: callbacks['${key}'] must be { best: a finite number or null, wait: a whole number }, got ${shown(v)}`);
      }
      callbacks[key] = { best, wait: wholeNumber(v.wait, `callbacks['${key}'].wait`) };
    }
  }
  // All checked: write.
  const f32 = model.f32();
  const { ptr } = o.stateRange;
  state.slots.forEach((s, i) => f32.set(s.data, (ptr >> 2) + i * o.size));
  const u32 = new Uint32Array(f32.buffer);
  want.forEach((w, i) => u32.set(ls[i]!.words, w.ptr >> 2));
  o.iterations = iterations;
  o.scheduleFrom = scheduleFrom;
  o.lrScale = state.lrScale;
  model.epochsTrained = epochsTrained;
  model.trainStream = stream;
  model.callbackState = callbacks;
}
