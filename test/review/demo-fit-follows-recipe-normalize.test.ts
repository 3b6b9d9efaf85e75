// Defect: the demo page trained every zoo model with the recipe's batch size but not its input
// normalization, so 'fast' and 'simple' (recipes that standardize) trained in the page on raw
// [0, 1] pixels: not the recipe the README's numbers are for. The page's fit options now come
// from demoFitOptions, which follows the recipe (and the worker's fit takes normalize).
import { describe, expect, it } from 'vitest';
import { demoFitOptions } from '../../src/demo/data.js';
import { zooEntry, zooNames } from '../../src/model/zoo.js';

describe('demo fit options', () => {
  it('follow each zoo recipe\'s batch size and normalization', () => {
    for (const name of zooNames()) {
      const entry = zooEntry(name);
      const o = demoFitOptions(entry, 3);
      expect(o.batchSize, name).toBe(entry.recipe.batchSize);
      expect(o.epochs).toBe(3);
      expect(o.normalize, name).toBe(entry.recipe.normalize);
    }
    expect(demoFitOptions(zooEntry('fast'), 1).normalize).toBe('standardize');
    expect(demoFitOptions(zooEntry('lenet5'), 1).normalize).toBeUndefined();
  });
});
