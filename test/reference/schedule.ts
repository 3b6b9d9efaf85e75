// Reference learning-rate schedules, written from their published definitions for clarity. It
// does not import src/. OneCycle follows the structure of PyTorch's OneCycleLR.get_lr (two
// phases, each { end_step, start, end } and the first phase whose end_step ≥ t).

export function stepRef(lr: number, stepSize: number, gamma: number, t: number): number {
  return lr * gamma ** Math.floor(t / stepSize);
}

export function exponentialRef(lr: number, gamma: number, t: number): number {
  return lr * gamma ** t;
}

export function cosineRef(lr: number, minLr: number, warmup: number, total: number, t: number): number {
  if (t < warmup) return lr * (t + 1) / warmup;
  const p = Math.min(1, (t - warmup) / (total - warmup));
  return minLr + 0.5 * (lr - minLr) * (1 + Math.cos(Math.PI * p));
}

export interface OneCycleRef {
  maxLr: number; total: number; pctStart: number; divFactor: number; finalDivFactor: number;
  anneal: 'cos' | 'linear'; baseMomentum: number; maxMomentum: number;
}

/** [lr, momentum] of step t (PyTorch: _anneal_func over the phase containing t; t ≤ total − 1). */
export function oneCycleRef(o: OneCycleRef, t: number): [number, number] {
  const initial = o.maxLr / o.divFactor;
  const minLr = initial / o.finalDivFactor;
  const phases = [
    { end: o.pctStart * o.total - 1, lr: [initial, o.maxLr], mom: [o.maxMomentum, o.baseMomentum] },
    { end: o.total - 1, lr: [o.maxLr, minLr], mom: [o.baseMomentum, o.maxMomentum] },
  ];
  const f = o.anneal === 'cos'
    ? (a: number, b: number, p: number) => b + (a - b) / 2 * (Math.cos(Math.PI * p) + 1)
    : (a: number, b: number, p: number) => (b - a) * p + a;
  let start = 0;
  for (let i = 0; i < phases.length; i++) {
    const ph = phases[i]!;
    if (t <= ph.end || i === phases.length - 1) {
      const p = (t - start) / (ph.end - start);
      return [f(ph.lr[0]!, ph.lr[1]!, p), f(ph.mom[0]!, ph.mom[1]!, p)];
    }
    start = ph.end;
  }
  throw new Error('unreachable');
}
