// fit over a compiled Sequential: the epoch and step loop.
//
// Data path: the training set is staged in wasm memory once (staging.ts), this epoch's
// permutation is written over its index once per epoch, and every step assembles its batch with
// gather_rows from a slice of that permutation: no per-step copying or allocation in JS. Shift
// augmentation replaces the image gather with gather_rows_shift, whose shifts are a hash of
// (seed, the model's epoch, sample) computed in wasm. Callbacks (callbacks.ts) run after each
// complete epoch.
// A step then is: fill(grads, 0), forward, softmax_xent (scale 1/B), argmax_rows, backward,
// optimizer update, and a B-long integer compare for the running accuracy.
//
// All planning (batch plans, data slots) happens before the first epoch, so memory never grows
// during training. Typed-array views come from model.f32()/i32(), which re-create them only if
// memory.buffer changed (e.g. a callback that planned something new).
//
// The rest of the training API: fit-options.ts (FitOptions and their checks, logs, History), evaluate.ts,
// predict.ts, checks.ts (what is checked before any work), divergence.ts (DivergenceError).

import type { Sequential } from '../model/sequential.js';
import type { Dataset } from '../data/dataset.js';
import { EpochOrder } from '../data/batcher.js';
import { product } from '../layers/layer.js';
import type { CallbackContext } from './callbacks.js';
import { shiftKey } from './augment.js';
import { writeGeom } from '../runtime/abi.js';
import { withThreads } from './with-threads.js';
import { yieldToEventLoop } from './event-loop.js';
import { checkFitOptions, type BatchLogs, type EpochLogs, type FitOptions, type History, type TrainStream } from './fit-options.js';
import { nonFiniteParam } from './checks.js';
import { stage } from './staging.js';
import { runEval } from './evaluate.js';
import { DivergenceError, remedies } from './divergence.js';


export async function fit(model: Sequential, trainIn: Dataset, options: FitOptions = {}): Promise<History> {
  if (options === null || typeof options !== 'object') throw new TypeError('fit: options must be an object');
  return withThreads(model, options.threads, () => fitOn(model, trainIn, options));
}

async function fitOn(model: Sequential, trainIn: Dataset, options: FitOptions): Promise<History> {
  const { epochs, batchSize, evalBatch, yieldEvery, seed, splitSeed, skipEpochs, lrOption, train, val, shift, callbacks, resume } =
    checkFitOptions(model, trainIn, options);

  // The learning rate or schedule for this fit, and a schedule's total steps (the last check).
  model.optimizer.prepareFit(lrOption, Math.ceil(train.count / Math.min(batchSize, train.count)), epochs);
  // Statistics of the training part only: the validation images stay unseen.
  if (options.normalize === 'standardize' && model.input.normalization === undefined) model.input.adapt(train.images, 'fit');

  // ---- plan everything before the first step ----------------------------------------------
  const k = model.k;
  const n = train.count;
  const inSize = product(model.inputShape);
  const N = model.numClasses;
  const plan = model.plan(Math.min(batchSize, n), 'train');
  const B = plan.B;
  const st = stage(model, 'train', train.images, train.labels, n);
  const valB = val ? Math.min(evalBatch, val.count) : 0;
  const valPlan = val ? model.planAtLeast(valB, 'infer') : undefined;
  const valStaged = val ? { ...stage(model, 'val', val.images, val.labels, val.count), count: val.count } : undefined;
  const order = new EpochOrder(n, seed, { shuffle: options.shuffle ?? true });
  for (let e = 0; e < skipEpochs; e++) order.next(); // a resumed stream: the orders already drawn
  const stream: TrainStream = { orderSeed: seed >>> 0, orderEpochs: skipEpochs, splitSeed: splitSeed >>> 0, samples: n, batchSize };
  const steps = Math.ceil(n / B);
  // Shift augmentation: image geometry for the kernel, and what a blank pixel is after normalization.
  const shiftGeom = shift > 0 ? model.slot('augment geometry', 64) : 0;
  if (shift > 0) {
    const [H, W, C] = model.inputShape as [number, number, number];
    writeGeom(model.runtime.arena.memory, shiftGeom, { B: 0, H, W, C, OH: 0, OW: 0, OC: 0, KH: 0, KW: 0, SH: 0, SW: 0, PT: 0, PL: 0 });
  }
  const shiftFill = shift > 0 ? model.input.fillPtr() : 0;
  const shiftSeed = seed; // the shuffle seed: restored by a resume, like the epoch count
  const ctx: CallbackContext = { model, epochs, hasValidation: val !== undefined, resume };
  for (const c of callbacks) await c.onTrainBegin?.(ctx);
  model.trainStream = stream; // only now: a fit a callback refused must not replace the stream a resume continues
  if (!resume) model.callbackState = {}; // a new run: no plateau counts carry over (callbacks began from scratch)

  const history: History = { epoch: [], loss: [], accuracy: [], valLoss: [], valAccuracy: [], imagesPerSecond: [] };
  const logs: BatchLogs = { epoch: 0, batch: 0, size: 0, loss: 0, accuracy: 0 };
  const onBatchEnd = options.onBatchEnd;
  const abort = options.signal;
  let stop = abort?.aborted === true;
  let lastLoss: number | undefined;
  const firstEpoch = 0; // epochs are numbered from 0 in each fit call
  for (let e = 0; e < epochs && !stop; e++) {
    model.i32().set(order.next(), st.index >> 2);
    // Keyed by the model's epoch count, so a resumed run shifts its epochs as a straight one would.
    const key = shiftKey(shiftSeed, model.epochsTrained);
    stream.orderEpochs++;
    const t0 = performance.now();
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    let lastYield = t0;
    for (let s = 0; s < steps; s++) {
      if (yieldEvery > 0 && performance.now() - lastYield >= yieldEvery) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
      if (abort?.aborted) { stop = true; break; }
      const start = s * B;
      const b = Math.min(B, n - start);
      model.setBatch(plan, b);
      const idx = st.index + 4 * start;
      if (shift > 0) k.gather_rows_shift(plan.x0, st.images, idx, b, shiftGeom, shiftFill, key, shift);
      else k.gather_rows(plan.x0, st.images, idx, b, inSize);
      k.gather_rows(plan.labels, st.labels, idx, b, 1);
      const sum = model.trainStep(plan);
      if (sum - sum !== 0) {
        throw new DivergenceError(`fit: training diverged at epoch ${e + 1}, batch ${s + 1} of ${steps}: the batch loss is ${sum}` +
          `${lastLoss === undefined ? '' : ` (the last finite batch loss was ${lastLoss.toPrecision(5)})`}; ` +
          remedies(model), e, s, history);
      }
      lastLoss = sum / b;
      const i32 = model.i32();
      const pl = plan.labels >> 2;
      const pp = plan.pred >> 2;
      let c = 0;
      for (let r = 0; r < b; r++) if (i32[pl + r] === i32[pp + r]) c++;
      lossSum += sum;
      correct += c;
      seen += b;
      if (onBatchEnd !== undefined) {
        logs.epoch = firstEpoch + e;
        logs.batch = s;
        logs.size = b;
        logs.loss = sum / b;
        logs.accuracy = c / b;
        if (onBatchEnd(s, logs) === 'stop') { stop = true; break; }
      }
      if (abort?.aborted) { stop = true; break; }
    }
    const seconds = (performance.now() - t0) / 1000;
    const epochLogs: EpochLogs = {
      epoch: firstEpoch + e, loss: lossSum / seen, accuracy: correct / seen,
      imagesPerSecond: seconds > 0 ? seen / seconds : Infinity, seconds,
    };
    if (valPlan && valStaged) {
      const r = runEval(model, valPlan, valB, valStaged);
      epochLogs.valLoss = r.lossSum / valStaged.count;
      epochLogs.valAccuracy = r.correct / valStaged.count;
    }
    const bad = nonFiniteParam(model);
    if (bad !== undefined) {
      throw new DivergenceError(`fit: training diverged in epoch ${e + 1}: parameter ${bad}` +
        `${lastLoss === undefined ? '' : ` (the last batch loss was ${lastLoss.toPrecision(5)})`}; ` +
        remedies(model), e, steps - 1, history);
    }
    model.epochsTrained++;
    history.epoch.push(epochLogs.epoch);
    history.loss.push(epochLogs.loss);
    history.accuracy.push(epochLogs.accuracy);
    history.imagesPerSecond.push(epochLogs.imagesPerSecond);
    if (epochLogs.valLoss !== undefined) {
      history.valLoss.push(epochLogs.valLoss);
      history.valAccuracy.push(epochLogs.valAccuracy!);
    }
    options.log?.(`epoch ${epochLogs.epoch + 1}/${epochs}: loss ${epochLogs.loss.toFixed(4)} acc ${epochLogs.accuracy.toFixed(4)}` +
      (epochLogs.valLoss !== undefined ? ` val_loss ${epochLogs.valLoss.toFixed(4)} val_acc ${epochLogs.valAccuracy!.toFixed(4)}` : '') +
      ` (${seconds.toFixed(2)} s, ${Math.round(epochLogs.imagesPerSecond)} images/s)`);
    if (options.onEpochEnd && (await options.onEpochEnd(epochLogs.epoch, epochLogs)) === 'stop') stop = true;
    if (seen === n) { // a complete epoch (see callbacks.ts)
      for (const c of callbacks) if ((await c.onEpochEnd?.(epochLogs.epoch, epochLogs, ctx)) === 'stop') stop = true;
    }
  }
  for (const c of callbacks) await c.onTrainEnd?.(history, ctx);
  return history;
}
