// Optimizer registry: name → class, and `makeOptimizer` for the forms compile() accepts:
// an Optimizer instance, a name ('sgd' | 'momentum' | 'nesterov' | 'adam' | 'adamw' | 'rmsprop'),
// or { type, ...config }. 'nesterov' is Momentum with nesterov: true (saved as type 'momentum').

import { Optimizer } from './optimizer.js';
import { SGD } from './sgd.js';
import { Momentum } from './momentum.js';
import { Adam } from './adam.js';
import { AdamW } from './adamw.js';
import { RMSProp } from './rmsprop.js';
import { shown } from '../util/format.js';

export { Optimizer, checkLearningRate, type FlatRanges, type LearningRate } from './optimizer.js';
export { SGD, type SGDConfig } from './sgd.js';
export { Momentum, type MomentumConfig } from './momentum.js';
export { Adam, type AdamConfig } from './adam.js';
export { AdamW, type AdamWConfig } from './adamw.js';
export { RMSProp, type RMSPropConfig } from './rmsprop.js';
export * from './schedule.js';

export type OptimizerName = 'sgd' | 'momentum' | 'nesterov' | 'adam' | 'adamw' | 'rmsprop';
export const OPTIMIZER_NAMES: readonly OptimizerName[] = ['sgd', 'momentum', 'nesterov', 'adam', 'adamw', 'rmsprop'];
export type OptimizerSpec = Optimizer | OptimizerName | ({ type: string } & Record<string, unknown>);

const registry = new Map<string, (config: Record<string, unknown>) => Optimizer>([
  [SGD.type, (c) => new SGD(c)],
  [Momentum.type, (c) => new Momentum(c)],
  ['nesterov', (c) => new Momentum({ ...c, nesterov: true })],
  [Adam.type, (c) => new Adam(c)],
  [AdamW.type, (c) => new AdamW(c)],
  [RMSProp.type, (c) => new RMSProp(c)],
]);

export function makeOptimizer(spec: OptimizerSpec): Optimizer {
  if (spec instanceof Optimizer) return spec;
  const type = typeof spec === 'string' ? spec : spec?.type;
  const make = typeof type === 'string' ? registry.get(type.toLowerCase()) : undefined;
  if (make === undefined) {
    throw new TypeError(`optimizer must be an Optimizer, one of ${[...registry.keys()].map((k) => `'${k}'`).join(', ')}, ` +
      `or { type, ...config }; got ${shown(spec)}`);
  }
  if (typeof spec === 'string') return make({});
  const { type: _t, ...config } = spec;
  return make(config);
}
