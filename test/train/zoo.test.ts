// Every zoo model trains with its own recipe (optimizer, lr, batch size) on a small subset and
// its training loss falls below a stated threshold. Data: the embedded MNIST digits (the `mnist`
// package via src/data), and for `cifar` a seeded synthetic 10-class 32x32x3 set (no CIFAR files
// are available offline). Thresholds are ~1.3-1.5x the losses observed with these seeds (logged),
// and well below ln(10) ≈ 2.30 / ln(2) ≈ 0.69, the loss of guessing.
import { beforeAll, describe, expect, it } from 'vitest';
import { getRuntime } from '../helpers/runtime.js';
import { zooEntry, zooModel, zooNames } from '../../src/model/zoo.js';
import { loadEmbeddedMnist } from '../../src/data/mnist-node.js';
import { subsetByClasses, take } from '../../src/data/transforms.js';
import type { Dataset } from '../../src/data/dataset.js';
import { synthDataset } from '../model/util.js';

let mnist: Dataset;
beforeAll(async () => {
  mnist = (await loadEmbeddedMnist({ trainCount: 2000, testCount: 10 })).train;
});

const plan: Record<string, { count: number; epochs: number; below: number }> = {
  lenet5: { count: 500, epochs: 3, below: 1.2 },
  simple: { count: 400, epochs: 2, below: 0.8 },
  convnet: { count: 256, epochs: 3, below: 1.9 },
  'tanh-binary': { count: 100, epochs: 2, below: 0.1 },
  cifar: { count: 400, epochs: 3, below: 1.9 },
  fast: { count: 1024, epochs: 2, below: 0.4 },
};

describe('model zoo', () => {
  it('lists the six models', () => {
    expect(zooNames()).toEqual(['lenet5', 'simple', 'convnet', 'tanh-binary', 'cifar', 'fast']);
    expect(() => zooEntry('resnet')).toThrow(/unknown zoo model "resnet"; available: lenet5, simple/);
  });

  for (const name of Object.keys(plan)) {
    it(`${name} trains with its recipe`, async () => {
      const e = zooEntry(name);
      const p = plan[name]!;
      const data = name === 'cifar' ? synthDataset(p.count, [32, 32, 3], 10, 5)
        : take(e.classes ? subsetByClasses(mnist, e.classes) : mnist, p.count);
      const m = await zooModel(name, { runtime: await getRuntime(), seed: 3 });
      const h = await m.fit(data, { epochs: p.epochs, batchSize: e.recipe.batchSize, normalize: e.recipe.normalize });
      const last = h.loss[h.loss.length - 1]!;
      console.log(`${name}: ${m.nParams} params, ${e.recipe.optimizer.type} batch ${e.recipe.batchSize}; loss per epoch ${h.loss.map((l) => l.toFixed(4)).join(' → ')} (threshold ${p.below})`);
      expect(last).toBeLessThan(p.below);
      expect(last).toBeLessThan(h.loss[0]!);
    });
  }
});
