// Learning-rate schedules, evaluated once per optimizer step (t = 0 for the first step after the
// schedule was set). A schedule is a plain JSON object (a spec), so it is saved with the model
// and rebuilt from the file; checkSchedule() validates one and fills in every default, so the
// saved form says exactly what ran.
//
//   constant     lr
//   step         lr · gamma^floor(t / stepSize)                        (PyTorch StepLR, per step)
//   exponential  lr · gamma^t                                          (PyTorch ExponentialLR, per step)
//   cosine       t < warmup:  lr · (t + 1) / warmup                    (linear warm-up)
//                otherwise:   minLr + (lr − minLr) · (1 + cos(π·p)) / 2,  p = min(1, (t − warmup) / (T − warmup))
//   onecycle     PyTorch's OneCycleLR (two phases): from lr0 = maxLr / divFactor up to maxLr over the
//                first pctStart·T steps, then down to lr0 / finalDivFactor at step T − 1:
//                  e1 = pctStart·T − 1, e2 = T − 1
//                  t ≤ e1:  lr = A(lr0, maxLr, t / e1),          momentum = A(maxMomentum, baseMomentum, t / e1)
//                  t > e1:  lr = A(maxLr, lrMin, (t − e1)/(e2 − e1)), momentum = A(baseMomentum, maxMomentum, ...)
//                with A = cos: end + (start − end)·(cos(π·pct) + 1)/2, or linear: start + (end − start)·pct.
//                Steps past T − 1 keep the final values (PyTorch raises an error there).
//                cycleMomentum (default false here; PyTorch's default is true) drives the optimizer's
//                momentum (SGD momentum, Adam β1, RMSProp momentum) with the momentum curve.
//
// T (totalSteps) for cosine and onecycle: given, or derived by fit as `epochs` (of the spec, else
// fit's epochs) × batches per epoch, the first time fit runs with the schedule; then kept.

import { shown } from '../util/format.js';
import { checkConfigKeys } from '../layers/config.js';

export interface ConstantSchedule { type: 'constant'; lr: number }
export interface StepSchedule { type: 'step'; lr: number; stepSize: number; gamma?: number }
export interface ExponentialSchedule { type: 'exponential'; lr: number; gamma: number }
export interface CosineSchedule {
  type: 'cosine'; lr: number; warmup?: number; minLr?: number; totalSteps?: number; epochs?: number;
}
export interface OneCycleSchedule {
  type: 'onecycle'; maxLr: number; totalSteps?: number; epochs?: number;
  pctStart?: number; divFactor?: number; finalDivFactor?: number; anneal?: 'cos' | 'linear';
  cycleMomentum?: boolean; baseMomentum?: number; maxMomentum?: number;
}
export type ScheduleSpec = ConstantSchedule | StepSchedule | ExponentialSchedule | CosineSchedule | OneCycleSchedule;
export type ScheduleType = ScheduleSpec['type'];
export const SCHEDULE_TYPES: readonly ScheduleType[] = ['constant', 'step', 'exponential', 'cosine', 'onecycle'];

const KEYS: Record<ScheduleType, readonly string[]> = {
  constant: ['type', 'lr'],
  step: ['type', 'lr', 'stepSize', 'gamma'],
  exponential: ['type', 'lr', 'gamma'],
  cosine: ['type', 'lr', 'warmup', 'minLr', 'totalSteps', 'epochs'],
  onecycle: ['type', 'maxLr', 'totalSteps', 'epochs', 'pctStart', 'divFactor', 'finalDivFactor', 'anneal',
    'cycleMomentum', 'baseMomentum', 'maxMomentum'],
};

function positive(v: unknown, key: string, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new RangeError(`${where}: ${key} must be a finite number > 0, got ${shown(v)}`);
  return v;
}

function nonNegative(v: unknown, key: string, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RangeError(`${where}: ${key} must be a finite number ≥ 0, got ${shown(v)}`);
  return v;
}

function count(v: unknown, key: string, where: string, min: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw new RangeError(`${where}: ${key} must be an integer ≥ ${min}, got ${shown(v)}`);
  }
  return v;
}

function inUnit(v: unknown, key: string, where: string, open: boolean): number {
  if (typeof v !== 'number' || !(v > 0 && (open ? v < 1 : v <= 1))) {
    throw new RangeError(`${where}: ${key} must be in (0, 1${open ? ')' : ']'}, got ${shown(v)}`);
  }
  return v;
}

function momentumValue(v: unknown, key: string, where: string): number {
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) throw new RangeError(`${where}: ${key} must be in [0, 1), got ${shown(v)}`);
  return v;
}

/** Validates a schedule spec and returns a copy with every default filled in. */
export function checkSchedule(spec: unknown, where = 'schedule'): ScheduleSpec {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw new TypeError(`${where}: a schedule must be an object { type, ... } with type one of ${SCHEDULE_TYPES.join(', ')}; got ${shown(spec)}`);
  }
  const s = spec as Record<string, unknown>;
  const type = s.type as ScheduleType;
  if (!SCHEDULE_TYPES.includes(type)) {
    throw new TypeError(`${where}: schedule type must be one of ${SCHEDULE_TYPES.map((t) => `'${t}'`).join(', ')}, got ${shown(s.type)}`);
  }
  const w = `${where} (${type})`;
  checkConfigKeys(s, KEYS[type], w);
  const opt = <T>(key: string, check: (v: unknown) => T): T | undefined => (s[key] === undefined ? undefined : check(s[key]));
  const total = (): { totalSteps?: number; epochs?: number } => {
    const out: { totalSteps?: number; epochs?: number } = {};
    const t = opt('totalSteps', (v) => count(v, 'totalSteps', w, 1));
    const e = opt('epochs', (v) => count(v, 'epochs', w, 1));
    if (t !== undefined) out.totalSteps = t;
    if (e !== undefined) out.epochs = e;
    return out;
  };
  switch (type) {
    case 'constant':
      return { type, lr: positive(s.lr, 'lr', w) };
    case 'step':
      return { type, lr: positive(s.lr, 'lr', w), stepSize: count(s.stepSize, 'stepSize', w, 1), gamma: inUnit(s.gamma ?? 0.1, 'gamma', w, false) };
    case 'exponential':
      return { type, lr: positive(s.lr, 'lr', w), gamma: inUnit(s.gamma, 'gamma', w, false) };
    case 'cosine': {
      const lr = positive(s.lr, 'lr', w);
      const minLr = nonNegative(s.minLr ?? 0, 'minLr', w);
      if (minLr > lr) throw new RangeError(`${w}: minLr ${minLr} is above lr ${lr}`);
      const out: CosineSchedule = { type, lr, warmup: count(s.warmup ?? 0, 'warmup', w, 0), minLr, ...total() };
      checkTotal(out, w);
      return out;
    }
    case 'onecycle': {
      const anneal = s.anneal ?? 'cos';
      if (anneal !== 'cos' && anneal !== 'linear') throw new RangeError(`${w}: anneal must be 'cos' or 'linear', got ${shown(anneal)}`);
      if (s.cycleMomentum !== undefined && typeof s.cycleMomentum !== 'boolean') {
        throw new TypeError(`${w}: cycleMomentum must be true or false, got ${shown(s.cycleMomentum)}`);
      }
      const out: OneCycleSchedule = {
        type, maxLr: positive(s.maxLr, 'maxLr', w), ...total(),
        pctStart: inUnit(s.pctStart ?? 0.3, 'pctStart', w, true),
        divFactor: positive(s.divFactor ?? 25, 'divFactor', w),
        finalDivFactor: positive(s.finalDivFactor ?? 1e4, 'finalDivFactor', w),
        anneal, cycleMomentum: (s.cycleMomentum as boolean | undefined) ?? false,
        baseMomentum: momentumValue(s.baseMomentum ?? 0.85, 'baseMomentum', w),
        maxMomentum: momentumValue(s.maxMomentum ?? 0.95, 'maxMomentum', w),
      };
      checkTotal(out, w);
      return out;
    }
  }
}

/** Refuses a totalSteps the schedule cannot run over (too short for the warm-up or the first phase). */
function checkTotal(s: CosineSchedule | OneCycleSchedule, where: string): void {
  const T = s.totalSteps;
  if (T === undefined) return;
  if (s.type === 'cosine' && s.warmup! >= T) {
    throw new RangeError(`${where}: warmup ${s.warmup} must be less than totalSteps ${T}`);
  }
  if (s.type === 'onecycle' && !(s.pctStart! * T > 1 && T >= 2)) {
    throw new RangeError(`${where}: pctStart ${s.pctStart} × totalSteps ${T} must be more than 1 step ` +
      '(the warm-up phase needs at least two steps); raise totalSteps (or epochs) or pctStart');
  }
}

/** True when the schedule needs a total step count (cosine, onecycle) and has none yet. */
export function needsTotal(s: ScheduleSpec): boolean {
  return (s.type === 'cosine' || s.type === 'onecycle') && s.totalSteps === undefined;
}

/**
 * The schedule with totalSteps derived as (s.epochs ?? fitEpochs) × stepsPerEpoch when it needs
 * one; otherwise `s` itself.
 */
export function withTotal(s: ScheduleSpec, stepsPerEpoch: number, fitEpochs: number, where = 'schedule'): ScheduleSpec {
  if (!needsTotal(s)) return s;
  const c = s as CosineSchedule | OneCycleSchedule;
  // Through checkSchedule again: the same key order as a spec read back from a file.
  return checkSchedule({ ...c, totalSteps: (c.epochs ?? fitEpochs) * stepsPerEpoch }, where);
}

/** PyTorch's annealing functions: from `start` at pct 0 to `end` at pct 1. */
function annealValue(kind: 'cos' | 'linear', start: number, end: number, pct: number): number {
  return kind === 'cos' ? end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1) : (end - start) * pct + start;
}

/** OneCycle's value at step t: the lr curve, or the momentum curve (no arrays: it runs every step). */
function oneCycle(s: OneCycleSchedule, t: number, momentum: boolean): number {
  const T = s.totalSteps!;
  const lr0 = s.maxLr / s.divFactor!;
  const e1 = s.pctStart! * T - 1;
  const e2 = T - 1;
  if (t <= e1) {
    const pct = t / e1;
    return momentum ? annealValue(s.anneal!, s.maxMomentum!, s.baseMomentum!, pct) : annealValue(s.anneal!, lr0, s.maxLr, pct);
  }
  const pct = Math.min(1, (t - e1) / (e2 - e1));
  return momentum ? annealValue(s.anneal!, s.baseMomentum!, s.maxMomentum!, pct) : annealValue(s.anneal!, s.maxLr, lr0 / s.finalDivFactor!, pct);
}

function unresolved(s: ScheduleSpec): never {
  throw new Error(`schedule '${s.type}' has no totalSteps: give totalSteps (or epochs), or let fit derive it from its epochs and batches`);
}

/** The learning rate of step t (0-based) of schedule s (lrScale not applied). */
export function scheduleLr(s: ScheduleSpec, t: number): number {
  switch (s.type) {
    case 'constant': return s.lr;
    case 'step': return s.lr * Math.pow(s.gamma!, Math.floor(t / s.stepSize));
    case 'exponential': return s.lr * Math.pow(s.gamma, t);
    case 'cosine': {
      if (s.totalSteps === undefined) unresolved(s);
      const warm = s.warmup!;
      if (t < warm) return (s.lr * (t + 1)) / warm;
      const p = Math.min(1, (t - warm) / (s.totalSteps - warm));
      return s.minLr! + ((s.lr - s.minLr!) * (1 + Math.cos(Math.PI * p))) / 2;
    }
    case 'onecycle': {
      if (s.totalSteps === undefined) unresolved(s);
      return oneCycle(s, t, false);
    }
  }
}

/** The momentum (or Adam β1) of step t when the schedule cycles it, else undefined. */
export function scheduleMomentum(s: ScheduleSpec, t: number): number | undefined {
  if (s.type !== 'onecycle' || !s.cycleMomentum) return undefined;
  if (s.totalSteps === undefined) unresolved(s);
  return oneCycle(s, t, true);
}

/** The schedule's peak learning rate (for messages and summaries). */
export function schedulePeak(s: ScheduleSpec): number {
  return s.type === 'onecycle' ? s.maxLr : s.lr;
}
