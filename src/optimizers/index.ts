// Optimizer registry: name → class, and `makeOptimizer` for the forms compile() accepts:
// an Optimizer instance, a name ('sgd' | 'momentum' | 'adam'), or { type, ...config }.

import { Optimizer } from './optimizer.js';
import { SGD } from './sgd.js';
import { Momentum } from './momentum.js';
import { Adam } from './adam.js';
import { shown } from '../util/format.js';

export { Optimizer, type FlatRanges } from './optimizer.js';
export { SGD, type SGDConfig } from './sgd.js';
export { Momentum, type MomentumConfig } from './momentum.js';
export { Adam, type AdamConfig } from './adam.js';

export type OptimizerSpec = Optimizer | 'sgd' | 'momentum' | 'adam' | ({ type: string } & Record<string, unknown>);

const registry = new Map<string, new (config: Record<string, unknown>) => Optimizer>([
  [SGD.type, SGD as never], [Momentum.type, Momentum as never], [Adam.type, Adam as never],
]);

export function makeOptimizer(spec: OptimizerSpec): Optimizer {
  if (spec instanceof Optimizer) return spec;
  const type = typeof spec === 'string' ? spec : spec?.type;
  const Ctor = typeof type === 'string' ? registry.get(type.toLowerCase()) : undefined;
  if (Ctor === undefined) {
    throw new TypeError(`optimizer must be an Optimizer, one of ${[...registry.keys()].map((k) => `'${k}'`).join(', ')}, ` +
      `or { type, ...config }; got ${shown(spec)}`);
  }
  if (typeof spec === 'string') return new Ctor({});
  const { type: _t, ...config } = spec;
  return new Ctor(config);
}
