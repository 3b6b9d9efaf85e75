// A small test model with the batch-wide and newer layers (not a zoo entry, not a test file):
// conv 8@3x3 → BatchNorm → LeakyReLU → maxpool 2 → conv 16@3x3 → BatchNorm → ELU →
// GlobalAveragePooling2D → dense 32 → BatchNorm → ReLU → dense 10, for 28x28x1 MNIST digits.
import { Sequential } from '../../src/model/sequential.js';
import { BatchNormalization, Conv2D, Dense, ELU, GlobalAveragePooling2D, LeakyReLU, MaxPool2D, ReLU } from '../../src/layers/index.js';

export function bnNet(): Sequential {
  return new Sequential([
    new Conv2D({ filters: 8, kernelSize: 3, useBias: false }), new BatchNormalization(), new LeakyReLU({ alpha: 0.1 }),
    new MaxPool2D({ poolSize: 2 }),
    new Conv2D({ filters: 16, kernelSize: 3 }), new BatchNormalization({ momentum: 0.9 }), new ELU(),
    new GlobalAveragePooling2D(),
    new Dense({ units: 32 }), new BatchNormalization(), new ReLU(),
    new Dense({ units: 10 }),
  ]);
}
