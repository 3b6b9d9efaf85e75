// Layer registry: type name → constructor from config. io looks layers up here (no switch),
// and a user layer becomes loadable by registering it.

import type { Layer } from './layer.js';
import { Conv2D } from './conv2d.js';
import { MaxPool2D, AvgPool2D } from './pool2d.js';
import { Dense } from './dense.js';
import { Flatten, Reshape } from './flatten.js';
import { ReLU, Tanh, Sigmoid, Softmax, LeakyReLU, ELU } from './activations.js';
import { BatchNormalization } from './batchnorm.js';
import { GlobalAveragePooling2D } from './global-pool.js';
import { Dropout } from './dropout.js';
import { shown } from '../util/format.js';

export type LayerFactory = (config: Record<string, unknown>) => Layer;

const registry = new Map<string, LayerFactory>();

/** Makes `type` loadable; `factory` rebuilds a layer from its toJSON().config. */
export function registerLayer(type: string, factory: LayerFactory): void {
  if (typeof type !== 'string' || type.length === 0) throw new TypeError(`registerLayer: type must be a non-empty string, got ${shown(type)}`);
  registry.set(type, factory);
}

export function layerTypes(): string[] { return [...registry.keys()]; }

/** Builds a layer from its serialised form { type, config }; unknown types throw naming the known ones. */
export function layerFromJSON(json: { type: string; config?: Record<string, unknown> }): Layer {
  const factory = registry.get(json?.type);
  if (factory === undefined) {
    throw new TypeError(`unknown layer type ${JSON.stringify(json?.type)}; known types: ${layerTypes().join(', ')}`);
  }
  return factory(json.config ?? {});
}

type Ctor = { type: string; new (config: never): Layer };
const builtins: Ctor[] = [Conv2D, MaxPool2D, AvgPool2D, Dense, Flatten, Reshape, ReLU, Tanh, Sigmoid, Softmax, Dropout,
  LeakyReLU, ELU, BatchNormalization, GlobalAveragePooling2D];
for (const C of builtins) registerLayer(C.type, (config) => new (C as unknown as new (c: unknown) => Layer)(config));
