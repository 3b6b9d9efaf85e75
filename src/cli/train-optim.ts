// The train command's optimizer, schedule and resume flags: their definitions, the checks that
// a flag fits the chosen optimizer or schedule, and the optimizer spec they build.
//
//   --optimizer sgd|momentum|nesterov|adam|adamw|rmsprop   --lr X
//   --beta1 B --beta2 B (adam, adamw)   --epsilon E (adam, adamw, rmsprop)   --rho R (rmsprop)
//   --momentum M (momentum, nesterov, rmsprop)   --weight-decay D   --clip-norm C
//   --schedule constant|step|exponential|cosine|onecycle with
//     step:        --step-size N (optimizer steps) --gamma G
//     exponential: --gamma G (per step)
//     cosine:      --warmup N (steps) --min-lr X --schedule-epochs N
//     onecycle:    --max-lr X --pct-start P --div-factor D --final-div-factor F --anneal cos|linear
//                  --cycle-momentum --schedule-epochs N
//   --schedule-epochs N: the epochs a cosine or onecycle schedule spans (default: --epochs), so a
//   run that will be resumed can start a schedule longer than its first leg.

import { Option, type Command } from 'commander';
import { OPTIMIZER_NAMES, SCHEDULE_TYPES, makeOptimizer, type ScheduleSpec } from '../optimizers/index.js';
import { UsageError } from './common.js';
import { nonNegativeInt, numberIn, numericFlag, positiveInt } from './flags.js';

export interface OptimFlags {
  optimizer?: string;
  lr?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  rho?: number;
  momentum?: number;
  weightDecay?: number;
  clipNorm?: number;
  schedule?: string;
  maxLr?: number;
  minLr?: number;
  warmup?: number;
  stepSize?: number;
  gamma?: number;
  pctStart?: number;
  divFactor?: number;
  finalDivFactor?: number;
  anneal?: string;
  cycleMomentum?: boolean;
  scheduleEpochs?: number;
}

/** The flags above that set the optimizer, with the commander option name and its long flag. */
export const OPTIM_FLAGS: readonly (readonly [keyof OptimFlags, string])[] = [
  ['optimizer', '--optimizer'], ['lr', '--lr'], ['beta1', '--beta1'], ['beta2', '--beta2'], ['epsilon', '--epsilon'],
  ['rho', '--rho'], ['momentum', '--momentum'], ['weightDecay', '--weight-decay'], ['clipNorm', '--clip-norm'],
  ['schedule', '--schedule'], ['maxLr', '--max-lr'], ['minLr', '--min-lr'], ['warmup', '--warmup'], ['stepSize', '--step-size'],
  ['gamma', '--gamma'], ['pctStart', '--pct-start'], ['divFactor', '--div-factor'], ['finalDivFactor', '--final-div-factor'],
  ['anneal', '--anneal'], ['cycleMomentum', '--cycle-momentum'], ['scheduleEpochs', '--schedule-epochs'],
];

const unitOpen = (flag: string) => numericFlag(flag, { what: 'a number in [0, 1)', min: 0, max: 1, maxOpen: true });
const positive = (flag: string) => numberIn(flag, 0, Infinity);
const nonNegative = (flag: string) => numericFlag(flag, { what: 'a number ≥ 0', min: 0 });

/** Adds the optimizer and schedule flags to the train command. */
export function addOptimFlags(program: Command): Command {
  return program
    .addOption(new Option('--optimizer <type>', 'optimizer (default: the model\'s recipe)').choices([...OPTIMIZER_NAMES]))
    .option('--lr <x>', 'learning rate, or the base rate of --schedule (default: the recipe\'s, or the optimizer\'s own)', positive('--lr'))
    .option('--beta1 <b>', 'Adam/AdamW β1 (default 0.9)', unitOpen('--beta1'))
    .option('--beta2 <b>', 'Adam/AdamW β2 (default 0.999)', unitOpen('--beta2'))
    .option('--epsilon <e>', 'Adam/AdamW/RMSProp ε (default 1e-7)', positive('--epsilon'))
    .option('--rho <r>', 'RMSProp decay of the squared-gradient average (default 0.9)', unitOpen('--rho'))
    .option('--momentum <m>', 'momentum of momentum, nesterov (default 0.9) and rmsprop (default 0)', unitOpen('--momentum'))
    .option('--weight-decay <d>', 'weight decay of the kernels (L2 in the gradient; decoupled for adamw, default 0.01 there)', nonNegative('--weight-decay'))
    .option('--clip-norm <c>', 'clip the gradient to this global L2 norm before each update', positive('--clip-norm'))
    .addOption(new Option('--schedule <name>', 'learning-rate schedule, applied per step (default: constant)').choices([...SCHEDULE_TYPES]))
    .option('--max-lr <x>', 'onecycle: the peak learning rate', positive('--max-lr'))
    .option('--min-lr <x>', 'cosine: the final learning rate (default 0)', nonNegative('--min-lr'))
    .option('--warmup <n>', 'cosine: linear warm-up steps (default 0)', nonNegativeInt('--warmup'))
    .option('--step-size <n>', 'step: optimizer steps between decays', positiveInt('--step-size'))
    .option('--gamma <g>', 'step: factor per decay (default 0.1); exponential: factor per step',
      numericFlag('--gamma', { what: 'a number in (0, 1]', min: 0, minOpen: true, max: 1 }))
    .option('--pct-start <p>', 'onecycle: fraction of the steps spent rising (default 0.3)', numberIn('--pct-start', 0, 1))
    .option('--div-factor <d>', 'onecycle: initial lr = max lr / d (default 25)', positive('--div-factor'))
    .option('--final-div-factor <f>', 'onecycle: final lr = initial lr / f (default 1e4)', positive('--final-div-factor'))
    .addOption(new Option('--anneal <kind>', 'onecycle: annealing shape (default cos)').choices(['cos', 'linear']))
    .option('--cycle-momentum', 'onecycle: cycle momentum / Adam β1 inversely to the lr, 0.95 → 0.85 → 0.95')
    .option('--schedule-epochs <n>', 'cosine/onecycle: epochs the schedule spans (default: --epochs)', positiveInt('--schedule-epochs'));
}

/** Which optimizer types each optimizer flag applies to (absent: every one). */
const APPLIES: Partial<Record<keyof OptimFlags, readonly string[]>> = {
  beta1: ['adam', 'adamw'], beta2: ['adam', 'adamw'], epsilon: ['adam', 'adamw', 'rmsprop'], rho: ['rmsprop'],
  momentum: ['momentum', 'nesterov', 'rmsprop'],
};
/** Which schedules each schedule flag applies to. */
const SCHEDULE_FLAGS: Partial<Record<keyof OptimFlags, readonly string[]>> = {
  maxLr: ['onecycle'], minLr: ['cosine'], warmup: ['cosine'], stepSize: ['step'], gamma: ['step', 'exponential'],
  pctStart: ['onecycle'], divFactor: ['onecycle'], finalDivFactor: ['onecycle'], anneal: ['onecycle'],
  cycleMomentum: ['onecycle'], scheduleEpochs: ['cosine', 'onecycle'],
};

function flagOf(key: keyof OptimFlags): string {
  return OPTIM_FLAGS.find(([k]) => k === key)![1];
}

function list(xs: readonly string[]): string {
  return xs.length === 1 ? xs[0]! : `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1]}`;
}

/**
 * The optimizer spec for compile(): the recipe's optimizer (its settings kept when --optimizer
 * names the same type, else that optimizer's defaults), with every flag given applied. Throws a
 * UsageError naming the flag when it does not fit the optimizer or schedule.
 */
export function optimizerFromFlags(o: OptimFlags, recipe: { type: string } & Record<string, unknown>): { type: string } & Record<string, unknown> {
  const type = o.optimizer ?? recipe.type;
  const spec: { type: string } & Record<string, unknown> = type === recipe.type ? { ...recipe } : { type };
  for (const [key, types] of Object.entries(APPLIES) as [keyof OptimFlags, readonly string[]][]) {
    if (o[key] !== undefined && !types.includes(type)) {
      throw new UsageError(`${flagOf(key)} applies to --optimizer ${list(types)}; this run uses ${type}`);
    }
  }
  if (o.beta1 !== undefined) spec.beta1 = o.beta1;
  if (o.beta2 !== undefined) spec.beta2 = o.beta2;
  if (o.epsilon !== undefined) spec.epsilon = o.epsilon;
  if (o.rho !== undefined) spec.rho = o.rho;
  if (o.momentum !== undefined) spec.momentum = o.momentum;
  if (o.weightDecay !== undefined) spec.weightDecay = o.weightDecay;
  if (o.clipNorm !== undefined) spec.clipNorm = o.clipNorm;
  if (o.lr !== undefined) spec.lr = o.lr;
  const schedule = o.schedule;
  for (const [key, kinds] of Object.entries(SCHEDULE_FLAGS) as [keyof OptimFlags, readonly string[]][]) {
    if (o[key] !== undefined && (schedule === undefined || !kinds.includes(schedule))) {
      throw new UsageError(`${flagOf(key)} applies to --schedule ${list(kinds)}; ${schedule === undefined ? 'no --schedule was given' : `this run uses ${schedule}`}`);
    }
  }
  if (schedule === undefined || schedule === 'constant') return spec;
  // The base rate of the schedule: --lr, else the recipe's or the optimizer's default.
  const base = (() => {
    const lr = makeOptimizer(spec as never).lr;
    return typeof lr === 'number' ? lr : undefined;
  })();
  if (base === undefined && schedule !== 'onecycle') {
    throw new UsageError(`--schedule ${schedule} needs --lr X: the recipe's learning rate is itself a schedule`);
  }
  let s: ScheduleSpec;
  switch (schedule) {
    case 'step':
      if (o.stepSize === undefined) throw new UsageError('--schedule step needs --step-size N (optimizer steps between decays)');
      s = { type: 'step', lr: base!, stepSize: o.stepSize, ...(o.gamma !== undefined ? { gamma: o.gamma } : {}) };
      break;
    case 'exponential':
      if (o.gamma === undefined) throw new UsageError('--schedule exponential needs --gamma G (the factor per step, e.g. 0.9995)');
      s = { type: 'exponential', lr: base!, gamma: o.gamma };
      break;
    case 'cosine':
      if (o.minLr !== undefined && o.minLr > base!) throw new UsageError(`--min-lr ${o.minLr} is above the learning rate ${base}`);
      s = { type: 'cosine', lr: base!, ...(o.warmup !== undefined ? { warmup: o.warmup } : {}), ...(o.minLr !== undefined ? { minLr: o.minLr } : {}),
        ...(o.scheduleEpochs !== undefined ? { epochs: o.scheduleEpochs } : {}) };
      break;
    case 'onecycle':
      if (o.maxLr === undefined) throw new UsageError('--schedule onecycle needs --max-lr X (the peak learning rate)');
      if (o.lr !== undefined) throw new UsageError('--lr does not apply to --schedule onecycle: give its peak as --max-lr (the start is --max-lr / --div-factor)');
      s = { type: 'onecycle', maxLr: o.maxLr, ...(o.pctStart !== undefined ? { pctStart: o.pctStart } : {}),
        ...(o.divFactor !== undefined ? { divFactor: o.divFactor } : {}), ...(o.finalDivFactor !== undefined ? { finalDivFactor: o.finalDivFactor } : {}),
        ...(o.anneal !== undefined ? { anneal: o.anneal as 'cos' | 'linear' } : {}), ...(o.cycleMomentum ? { cycleMomentum: true } : {}),
        ...(o.scheduleEpochs !== undefined ? { epochs: o.scheduleEpochs } : {}) };
      break;
    default:
      throw new UsageError(`--schedule ${schedule}: unknown`);
  }
  spec.lr = s;
  try {
    makeOptimizer(spec as never); // the optimizer's own checks, e.g. --cycle-momentum with sgd
  } catch (e) {
    throw new UsageError(`--schedule ${schedule}: ${(e as Error).message}`);
  }
  return spec;
}

/** "adam lr 0.001" or "adam onecycle schedule (max lr 0.01, 938 steps)", for the first log line. */
export function describeOptimizer(type: string, lr: ScheduleSpec | number): string {
  if (typeof lr === 'number') return `${type} lr ${lr}`;
  const steps = 'totalSteps' in lr && lr.totalSteps !== undefined ? `, ${lr.totalSteps} steps` : '';
  switch (lr.type) {
    case 'constant': return `${type} lr ${lr.lr}`;
    case 'onecycle': return `${type} onecycle schedule (max lr ${lr.maxLr}${steps}${lr.cycleMomentum ? ', cycling momentum' : ''})`;
    default: return `${type} ${lr.type} schedule (lr ${lr.lr}${steps})`;
  }
}
