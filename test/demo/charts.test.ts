// RecentMeans (src/demo/charts.ts): the demo's training curves plot the mean over the batches
// since the previous progress event, recovered from the epoch's running means.

import { describe, expect, it } from 'vitest';
import { RecentMeans } from '../../src/demo/charts.js';

describe('RecentMeans', () => {
  it('recovers the mean of the batches between two events from running means, per epoch', () => {
    const losses = [4, 2, 3, 1, 5, 1]; // one epoch of six batches
    const running = (n: number) => losses.slice(0, n).reduce((a, b) => a + b, 0) / n;
    const r = new RecentMeans();
    // Events after batches 2, 3 and 6 (0-based batch 1, 2, 5): windows [4, 2], [3], [1, 5, 1].
    expect(r.next({ epoch: 0, batch: 1, loss: running(2), accuracy: 0.5 })).toEqual({ loss: 3, accuracy: 0.5 });
    expect(r.next({ epoch: 0, batch: 2, loss: running(3), accuracy: 2 / 3 })!.loss).toBeCloseTo(3, 12);
    const w = r.next({ epoch: 0, batch: 5, loss: running(6), accuracy: 0.5 })!;
    expect(w.loss).toBeCloseTo(7 / 3, 12);
    expect(w.accuracy).toBeCloseTo(1 / 3, 12); // running 2/3 over 3, 1/2 over 6: (3 - 2) / 3
    // A new epoch starts a new running mean: its first event is its own mean.
    expect(r.next({ epoch: 1, batch: 0, loss: 0.25, accuracy: 1 })).toEqual({ loss: 0.25, accuracy: 1 });
    // A repeated event (no new batches) gives nothing to plot.
    expect(r.next({ epoch: 1, batch: 0, loss: 0.25, accuracy: 1 })).toBeUndefined();
  });
});
