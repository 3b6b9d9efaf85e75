// DivergenceError, and the learning-rate summary and remedies its messages carry.

import type { Sequential } from '../model/sequential.js';
import type { History } from './fit-options.js';

/**
 * Thrown by fit when training stops making numbers: a batch loss or a parameter that is NaN or
 * infinite. Carries where it happened and the history up to the last finite epoch.
 */
export class DivergenceError extends Error {
  constructor(message: string, readonly epoch: number, readonly batch: number, readonly history: History) {
    super(message);
    this.name = 'DivergenceError';
  }
}

/** The learning rate as a divergence message states it: the number, or the schedule and where it stands. */
export function describeLr(model: Sequential): string {
  const o = model.optimizer;
  const lr = o.lr;
  return typeof lr === 'number' && o.lrScale === 1 ? `now ${lr}` : `${typeof lr === 'number' ? 'constant' : lr.type} schedule, peak ${o.peakLr}, ` +
    `lrScale ${o.lrScale}, next step ${o.nextLr}`;
}

/** What to try after a divergence: with clipping on, "clip the gradients" would mislead. */
export function remedies(model: Sequential): string {
  const clip = model.optimizer.clipNorm;
  return clip === undefined ? `lower the learning rate (${describeLr(model)}), clip the gradients, or check the data`
    : `lower the learning rate (${describeLr(model)}) or clipNorm (now ${clip}; the last gradient norm was ${model.optimizer.lastGradNorm}), or check the data`;
}
