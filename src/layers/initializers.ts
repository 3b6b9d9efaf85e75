// Weight initialisers (Keras definitions), as InitSpecs the model draws with the seeded wasm RNG.
//
//   glorotUniform  U[−L, L],  L = sqrt(6 / (fanIn + fanOut))                  (Keras default)
//   glorotNormal   truncated N(0, s²), s = sqrt(2 / (fanIn + fanOut)) / 0.8796…
//   heNormal       truncated N(0, s²), s = sqrt(2 / fanIn) / 0.8796…
//   heUniform      U[−L, L],  L = sqrt(6 / fanIn)
//   zeros
//
// Truncated normals are cut at ±2σ by redrawing (rng_normal with trunc = 1). Cutting at 2σ
// shrinks the standard deviation by 0.87962566103423978, so Keras divides σ by that constant
// to keep the variance the scheme asks for (VarianceScaling, distribution 'truncated_normal').
// fanIn/fanOut: Dense [in][out] → in, out; Conv2D HWIO → KH·KW·C, KH·KW·OC.

import type { InitSpec } from './layer.js';
import { shown } from '../util/format.js';

export type InitializerName = 'glorotUniform' | 'glorotNormal' | 'heNormal' | 'heUniform' | 'zeros';

const TRUNC_STD = 0.87962566103423978;

const ALIASES: Record<string, InitializerName> = {
  glorotUniform: 'glorotUniform', glorot_uniform: 'glorotUniform',
  glorotNormal: 'glorotNormal', glorot_normal: 'glorotNormal',
  heNormal: 'heNormal', he_normal: 'heNormal',
  heUniform: 'heUniform', he_uniform: 'heUniform',
  zeros: 'zeros',
};

/** Normalises a name (camelCase or Keras snake_case); throws naming the layer on anything else. */
export function checkInitializer(name: unknown, where: string): InitializerName {
  if (typeof name === 'string' && Object.prototype.hasOwnProperty.call(ALIASES, name)) return ALIASES[name]!;
  throw new TypeError(`${where}: kernelInitializer must be one of ${Object.keys(ALIASES).map((a) => `'${a}'`).join(', ')}, ` +
    `got ${shown(name)}`);
}

export function initSpec(name: InitializerName, fanIn: number, fanOut: number): InitSpec {
  switch (name) {
    case 'glorotUniform': {
      const L = Math.sqrt(6 / (fanIn + fanOut));
      return { dist: 'uniform', lo: -L, hi: L };
    }
    case 'glorotNormal':
      return { dist: 'normal', std: Math.sqrt(2 / (fanIn + fanOut)) / TRUNC_STD, truncated: true };
    case 'heNormal':
      return { dist: 'normal', std: Math.sqrt(2 / fanIn) / TRUNC_STD, truncated: true };
    case 'heUniform': {
      const L = Math.sqrt(6 / fanIn);
      return { dist: 'uniform', lo: -L, hi: L };
    }
    case 'zeros':
      return { dist: 'constant', value: 0 };
  }
}

export const ZEROS: InitSpec = { dist: 'constant', value: 0 };
