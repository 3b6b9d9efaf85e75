// Model zoo: named architectures with their default training recipe (optimizer, batch size,
// epochs). `zooModel(name)` returns a compiled model; `zoo[name].layers()` fresh layers.
//
//   lenet5       28x28x1: 6@5x5 same+ReLU, maxpool 2, 16@5x5 valid+ReLU, maxpool 2, flatten,
//                120 ReLU, 84 ReLU, 10.                            Adam 1e-3, batch 32
//   simple       28x28x1: 8@5x5 valid ReLU, 8@5x5 valid ReLU, maxpool 2, flatten, 128 ReLU, 10.
//                                                                  SGD 0.01, batch 1 (per sample)
//   convnet      28x28x1: 32@3x3 ReLU, 64@3x3 ReLU, maxpool 2, dropout .25, flatten, 128 ReLU,
//                dropout .5, 10 (the Keras mnist_cnn example).     Adam 1e-3, batch 128
//   tanh-binary  28x28x1, digits 0 and 1 only: 5@3x3 tanh, flatten, 100 tanh, 2.
//                SGD 0.01, batch 1: the classic per-sample setting for this tiny net; 0 vs 1 is
//                separable after a few hundred samples, so per-sample updates converge fastest
//                in wall-clock terms and need no tuning.
//   cifar        32x32x3: 16@5x5 same ReLU, 16@5x5 same ReLU, maxpool 2, flatten, 10.
//                Momentum 0.95, lr 0.001, batch 8. Why lr 0.001: in the Keras form the step
//                settles at lr/(1 − μ) = 20·lr times the gradient. Measured on a synthetic
//                10-class 32x32x3 set (400 images, 3 epochs, seed 3; no CIFAR files here):
//                lr 0.01 → loss 2.301, 2.292, 2.272 (barely moves); lr 0.005 → 2.32, 2.29, 2.16;
//                lr 0.001 → 2.28, 1.98, 1.34. Standardise images per channel first.
//   fast         28x28x1: 24@5x5 valid ReLU, maxpool 2, 32@3x3 valid ReLU, maxpool 2, flatten,
//                256 ReLU, 10 (28 → 24 → 12 → 10 → 5: 800 features; the net of issue 8, whose
//                PyTorch reference uses nn.Conv2d's default padding 0). Adam β1 0.7, β2 0.9,
//                OneCycle (max lr 0.01, cosine, PyTorch's other defaults, β1 not cycled), batch 128,
//                standardized input, all 60,000 training images (no validation split by default):
//                ≥ 99% after one epoch (README, Accuracy).

import type { Layer } from '../layers/layer.js';
import { Conv2D } from '../layers/conv2d.js';
import { MaxPool2D } from '../layers/pool2d.js';
import { Dense } from '../layers/dense.js';
import { Flatten } from '../layers/flatten.js';
import { Dropout } from '../layers/dropout.js';
import type { OptimizerSpec } from '../optimizers/index.js';
import { Sequential, type CompileOptions } from './sequential.js';

export interface ZooEntry {
  name: string;
  description: string;
  inputShape: number[];
  numClasses: number;
  /** For models trained on a subset of a dataset's classes (tanh-binary: digits [0, 1]). */
  classes?: number[];
  layers(): Layer[];
  recipe: {
    optimizer: { type: string } & Record<string, unknown>; batchSize: number; epochs: number;
    /** How inputs are normalized (fit's `normalize`); absent: as loaded ([0, 1] pixels). */
    normalize?: 'standardize';
    /** The train CLI's --validation-split default for this model (absent: the CLI's, 0.1). */
    validationSplit?: number;
  };
}

const relu = 'relu' as const;

export const zoo: Record<string, ZooEntry> = {
  lenet5: {
    name: 'lenet5',
    description: 'LeNet-5 style: two conv+pool stages and three dense layers',
    inputShape: [28, 28, 1],
    numClasses: 10,
    layers: () => [
      new Conv2D({ filters: 6, kernelSize: 5, padding: 'same', activation: relu }),
      new MaxPool2D({ poolSize: 2 }),
      new Conv2D({ filters: 16, kernelSize: 5, padding: 'valid', activation: relu }),
      new MaxPool2D({ poolSize: 2 }),
      new Flatten(),
      new Dense({ units: 120, activation: relu }),
      new Dense({ units: 84, activation: relu }),
      new Dense({ units: 10 }),
    ],
    recipe: { optimizer: { type: 'adam', lr: 1e-3 }, batchSize: 32, epochs: 3 },
  },
  simple: {
    name: 'simple',
    description: 'two small valid convs, one pool, one hidden dense layer; per-sample SGD',
    inputShape: [28, 28, 1],
    numClasses: 10,
    layers: () => [
      new Conv2D({ filters: 8, kernelSize: 5, activation: relu }),
      new Conv2D({ filters: 8, kernelSize: 5, activation: relu }),
      new MaxPool2D({ poolSize: 2 }),
      new Flatten(),
      new Dense({ units: 128, activation: relu }),
      new Dense({ units: 10 }),
    ],
    recipe: { optimizer: { type: 'sgd', lr: 0.01 }, batchSize: 1, epochs: 1 },
  },
  convnet: {
    name: 'convnet',
    description: 'the Keras mnist_cnn example: 32 and 64 3x3 convs, pool, dropout, dense 128',
    inputShape: [28, 28, 1],
    numClasses: 10,
    layers: () => [
      new Conv2D({ filters: 32, kernelSize: 3, activation: relu }),
      new Conv2D({ filters: 64, kernelSize: 3, activation: relu }),
      new MaxPool2D({ poolSize: 2 }),
      new Dropout({ rate: 0.25 }),
      new Flatten(),
      new Dense({ units: 128, activation: relu }),
      new Dropout({ rate: 0.5 }),
      new Dense({ units: 10 }),
    ],
    recipe: { optimizer: { type: 'adam', lr: 1e-3 }, batchSize: 128, epochs: 2 },
  },
  'tanh-binary': {
    name: 'tanh-binary',
    description: 'digits 0 vs 1: one 3x3 tanh conv and a tanh hidden layer',
    inputShape: [28, 28, 1],
    numClasses: 2,
    classes: [0, 1],
    layers: () => [
      new Conv2D({ filters: 5, kernelSize: 3, activation: 'tanh' }),
      new Flatten(),
      new Dense({ units: 100, activation: 'tanh' }),
      new Dense({ units: 2 }),
    ],
    recipe: { optimizer: { type: 'sgd', lr: 0.01 }, batchSize: 1, epochs: 1 },
  },
  cifar: {
    name: 'cifar',
    description: 'CIFAR-10: two 5x5 ReLU convs, one pool, a linear classifier',
    inputShape: [32, 32, 3],
    numClasses: 10,
    layers: () => [
      new Conv2D({ filters: 16, kernelSize: 5, padding: 'same', activation: relu }),
      new Conv2D({ filters: 16, kernelSize: 5, padding: 'same', activation: relu }),
      new MaxPool2D({ poolSize: 2 }),
      new Flatten(),
      new Dense({ units: 10 }),
    ],
    recipe: { optimizer: { type: 'momentum', lr: 0.001, momentum: 0.95 }, batchSize: 8, epochs: 1, normalize: 'standardize' },
  },
  fast: {
    name: 'fast',
    description: '99% on MNIST in one epoch: 24@5x5 and 32@3x3 convs with pools, dense 256',
    inputShape: [28, 28, 1],
    numClasses: 10,
    layers: () => [
      new Conv2D({ filters: 24, kernelSize: 5, activation: relu }),
      new MaxPool2D({ poolSize: 2 }),
      new Conv2D({ filters: 32, kernelSize: 3, activation: relu }),
      new MaxPool2D({ poolSize: 2 }),
      new Flatten(),
      new Dense({ units: 256, activation: relu }),
      new Dense({ units: 10 }),
    ],
    recipe: {
      optimizer: { type: 'adam', lr: { type: 'onecycle', maxLr: 0.01 }, beta1: 0.7, beta2: 0.9 },
      batchSize: 128, epochs: 1, normalize: 'standardize', validationSplit: 0,
    },
  },
};

export function zooNames(): string[] { return Object.keys(zoo); }

export function zooEntry(name: string): ZooEntry {
  const e = Object.prototype.hasOwnProperty.call(zoo, name) ? zoo[name] : undefined;
  if (e === undefined) throw new RangeError(`unknown zoo model ${JSON.stringify(name)}; available: ${zooNames().join(', ')}`);
  return e;
}

/** A compiled zoo model with its recipe's optimizer (override anything via `options`). */
export async function zooModel(name: string, options: Partial<CompileOptions> & { optimizer?: OptimizerSpec } = {}): Promise<Sequential> {
  const e = zooEntry(name);
  const model = new Sequential(e.layers(), e.name);
  await model.compile({ inputShape: e.inputShape, optimizer: e.recipe.optimizer, ...options });
  return model;
}
