// Unknown config keys: every layer and optimizer constructor refuses keys it does not read
// (a misspelt option used to be ignored silently and its default used), with a message naming
// the key, the owner and the allowed keys; and everything getConfig() writes still loads back.
import { describe, expect, it } from 'vitest';
import { getRuntime } from '../helpers/runtime.js';
import { Sequential } from '../../src/model/sequential.js';
import { Conv2D } from '../../src/layers/conv2d.js';
import { MaxPool2D, AvgPool2D } from '../../src/layers/pool2d.js';
import { Dense } from '../../src/layers/dense.js';
import { Flatten, Reshape } from '../../src/layers/flatten.js';
import { Dropout } from '../../src/layers/dropout.js';
import { ReLU, Tanh, Sigmoid, Softmax } from '../../src/layers/activations.js';
import { layerFromJSON, layerTypes } from '../../src/layers/registry.js';
import { checkConfigKeys } from '../../src/layers/config.js';
import { makeOptimizer, SGD, Momentum, Adam } from '../../src/optimizers/index.js';

/** Every built-in layer type with a config that sets every option it has to a non-default value. */
const full: Record<string, Record<string, unknown>> = {
  Conv2D: { filters: 3, kernelSize: [3, 5], strides: [2, 1], padding: 'same', activation: 'tanh', useBias: false, kernelInitializer: 'heNormal', name: 'c' },
  MaxPool2D: { poolSize: 3, strides: 1, padding: 'same', name: 'mp' },
  AvgPool2D: { poolSize: [2, 3], strides: [1, 2], padding: 'valid', name: 'ap' },
  Dense: { units: 4, activation: 'relu', useBias: false, kernelInitializer: 'heUniform', name: 'd' },
  Flatten: { name: 'f' },
  Reshape: { targetShape: [2, -1], name: 'r' },
  ReLU: { name: 'relu' },
  Tanh: { name: 'tanh' },
  Sigmoid: { name: 'sig' },
  Softmax: { name: 'sm' },
  Dropout: { rate: 0.3, seed: 11, name: 'drop' },
  LeakyReLU: { alpha: 0.1, name: 'lrelu' },
  ELU: { alpha: 0.5, name: 'elu' },
  BatchNormalization: { momentum: 0.9, epsilon: 1e-5, center: false, scale: false, name: 'bn' },
  GlobalAveragePooling2D: { name: 'gap' },
};

describe('unknown layer options', () => {
  it('the reported cases throw, naming the key, the layer and the allowed keys', () => {
    expect(() => new Dense({ units: 4, activaton: 'relu' } as never)).toThrow(
      "Dense: unknown option 'activaton' (allowed: units, activation, useBias, kernelInitializer, name); did you mean 'activation'?");
    expect(() => new MaxPool2D({ pool_size: 3 } as never)).toThrow(
      "MaxPool2D: unknown option 'pool_size' (allowed: poolSize, strides, padding, name); did you mean 'poolSize'?");
    // A named layer says which one.
    expect(() => new Conv2D({ filters: 2, kernelSize: 3, stride: 2, name: 'c1' } as never)).toThrow(
      "Conv2D 'c1': unknown option 'stride' (allowed: filters, kernelSize, strides, padding, activation, useBias, kernelInitializer, name); did you mean 'strides'?");
    // No suggestion when nothing is close.
    expect(() => new Flatten({ dataFormat: 'channelsLast' } as never)).toThrow(/^Flatten: unknown option 'dataFormat' \(allowed: name\)$/);
  });

  it('every built-in layer accepts all of its own options and refuses one more', () => {
    // The table must cover every registered type, so a new layer cannot be left out silently.
    expect(Object.keys(full).sort()).toEqual([...layerTypes()].sort());
    for (const [type, config] of Object.entries(full)) {
      expect(() => layerFromJSON({ type, config })).not.toThrow();
      expect(() => layerFromJSON({ type, config: { ...config, bogus: 1 } }), type)
        .toThrow(new RegExp(`^${type} '[a-z]+': unknown option 'bogus' \\(allowed: .*name\\)$`));
      // Undefined values count too: the key is still not one the layer reads.
      expect(() => layerFromJSON({ type, config: { ...config, bogus: undefined } }), type).toThrow(`unknown option 'bogus'`);
    }
  });

  it('getConfig() output of every layer type loads back to the same layer (JSON round trip)', () => {
    for (const [type, config] of Object.entries(full)) {
      const a = layerFromJSON({ type, config });
      const json = JSON.parse(JSON.stringify(a.toJSON())) as { type: string; config: Record<string, unknown> };
      const b = layerFromJSON(json);
      expect(b.toJSON(), type).toEqual(a.toJSON());
      // Unnamed layers too: toJSON() then carries name: undefined, which must not trip the check.
      const { name: _n, ...unnamed } = config;
      const u = layerFromJSON({ type, config: unnamed });
      expect(u.toJSON().config).toHaveProperty('name', undefined);
      expect(layerFromJSON(u.toJSON()).toJSON(), type).toEqual(u.toJSON());
    }
  });

  it('non-object configs, and unknown keys on the remaining layer types, are refused', () => {
    expect(() => new ReLU(3 as never)).toThrow('ReLU: config must be an object with keys among name; got 3');
    expect(() => new Tanh([] as never)).toThrow('Tanh: config must be an object');
    expect(() => new Sigmoid({ nam: 's' } as never)).toThrow("Sigmoid: unknown option 'nam' (allowed: name); did you mean 'name'?");
    expect(() => new Softmax({ axis: -1 } as never)).toThrow("Softmax: unknown option 'axis' (allowed: name)");
    expect(() => new Reshape({ targetShape: [4], shape: [4] } as never)).toThrow("Reshape: unknown option 'shape'");
    expect(() => new Dropout({ rate: 0.5, p: 0.5 } as never)).toThrow("Dropout: unknown option 'p' (allowed: rate, seed, name)");
    expect(() => new AvgPool2D({ size: 2 } as never)).toThrow("AvgPool2D: unknown option 'size'");
  });

  it('checkConfigKeys: suggestions are case/underscore-insensitive or within a small edit distance', () => {
    const allowed = ['lr', 'momentum', 'weightDecay'];
    expect(() => checkConfigKeys({ weight_decay: 1 }, allowed, 'X')).toThrow("did you mean 'weightDecay'?");
    expect(() => checkConfigKeys({ momentun: 1 }, allowed, 'X')).toThrow("did you mean 'momentum'?");
    expect(() => checkConfigKeys({ LR: 1 }, allowed, 'X')).toThrow("did you mean 'lr'?");
    // 'rate' is 3 edits from 'lr'; short keys only suggest at distance 1.
    expect(() => checkConfigKeys({ rate: 1 }, allowed, 'X')).toThrow(/^X: unknown option 'rate' \(allowed: lr, momentum, weightDecay\)$/);
    expect(() => checkConfigKeys(undefined, allowed, 'X')).not.toThrow();
    expect(() => checkConfigKeys({ lr: 1, momentum: 0.5 }, allowed, 'X')).not.toThrow();
  });
});

describe('unknown optimizer options', () => {
  it("compile({ optimizer: { type: 'adam', learningRate } }) throws instead of keeping lr 0.001", async () => {
    const rt = await getRuntime();
    const m = new Sequential([new Dense({ units: 2 })]);
    expect(() => m.compileWith(rt, { inputShape: [3], optimizer: { type: 'adam', learningRate: 0.5 } })).toThrow(
      "Adam: unknown option 'learningRate' (allowed: lr, beta1, beta2, epsilon, weightDecay)");
    // The right key is taken.
    const ok = new Sequential([new Dense({ units: 2 })]).compileWith(rt, { inputShape: [3], optimizer: { type: 'adam', lr: 0.5 } });
    expect((ok.optimizer as Adam).lr).toBe(0.5);
  });

  it('each optimizer refuses an unknown key and loads back from its own getConfig()', () => {
    expect(() => makeOptimizer({ type: 'sgd', momentum: 0.9 })).toThrow("SGD: unknown option 'momentum' (allowed: lr, weightDecay)");
    expect(() => makeOptimizer({ type: 'momentum', lr: 0.1, mu: 0.9 })).toThrow("Momentum: unknown option 'mu' (allowed: lr, momentum, weightDecay)");
    expect(() => new Adam({ beta_1: 0.8 } as never)).toThrow("Adam: unknown option 'beta_1' (allowed: lr, beta1, beta2, epsilon, weightDecay); did you mean 'beta1'?");
    for (const o of [new SGD({ lr: 0.2, weightDecay: 1e-3 }), new Momentum({ lr: 0.2, momentum: 0.7, weightDecay: 1e-3 }),
      new Adam({ lr: 0.2, beta1: 0.8, beta2: 0.99, epsilon: 1e-6, weightDecay: 1e-3 })]) {
      // The model file stores { type, config }; io rebuilds with { ...config, type }.
      const j = JSON.parse(JSON.stringify(o.toJSON())) as { type: string; config: Record<string, unknown> };
      expect(makeOptimizer({ ...j.config, type: j.type }).toJSON()).toEqual(o.toJSON());
    }
  });
});

