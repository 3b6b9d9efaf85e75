// The train command's data and callback flags, kept in one place (src/cli/train.ts adds them
// with addRecipeOptions and turns them into fit options with recipeFitOptions):
//
//   --normalize scale|standardize   scale: pixels in [0, 1] as loaded; standardize: per-channel
//                                   (x − mean) / std with the statistics of the training part
//                                   (after the validation split), saved in the model file
//                                   (default: the zoo recipe's)
//   --augment none|shift            shift: each training image moved by up to ±2 px per epoch
//                                   (seeded; blank pixels shifted in)
//   --early-stopping PATIENCE       stop after PATIENCE epochs without a lower validation loss
//   --restore-best                  with --early-stopping: end with the best epoch's weights
//   --checkpoint-every N            save the model every N epochs, atomically, to
//   --checkpoint FILE               FILE ({epoch} is replaced by the epoch number; default:
//                                   NAME.checkpoint.EXT next to --save)
//   --reduce-lr-on-plateau PATIENCE multiply the learning rate by --reduce-lr-factor (default
//                                   0.1) after PATIENCE epochs without a lower validation loss

import { Option, type Command } from 'commander';
import { basename, dirname, extname, join } from 'node:path';
import type { Sequential } from '../model/sequential.js';
import type { ZooEntry } from '../model/zoo.js';
import type { FitOptions } from '../train/fit-options.js';
import { EarlyStopping, ModelCheckpoint, ReduceLROnPlateau, type Callback } from '../train/callbacks.js';
import { checkpointPath } from '../io/model-node.js';
import { UsageError } from './common.js';
import { nonNegativeInt, numberIn, positiveInt } from './flags.js';

/** Largest shift of --augment shift, in pixels. */
export const AUGMENT_SHIFT = 2;
/** --reduce-lr-factor when not given (Keras's default). */
export const DEFAULT_REDUCE_LR_FACTOR = 0.1;

export interface RecipeFlags {
  normalize?: 'scale' | 'standardize';
  augment?: 'none' | 'shift';
  earlyStopping?: number;
  restoreBest?: boolean;
  checkpointEvery?: number;
  checkpoint?: string;
  reduceLrOnPlateau?: number;
  reduceLrFactor?: number;
}

export function addRecipeOptions(program: Command): Command {
  return program
    .addOption(new Option('--normalize <how>', "inputs: scale ([0, 1] pixels) or standardize (training-set mean/std, saved with the model); default: the model's recipe")
      .choices(['scale', 'standardize']))
    .addOption(new Option('--augment <how>', `training augmentation: none or shift (random shifts up to ±${AUGMENT_SHIFT} px)`).choices(['none', 'shift']))
    .option('--early-stopping <patience>', 'stop after this many epochs without a lower validation loss', nonNegativeInt('--early-stopping'))
    .option('--restore-best', 'with --early-stopping: end with the weights of the epoch with the lowest validation loss')
    .option('--checkpoint-every <n>', 'save the model every N epochs (atomically) to --checkpoint', positiveInt('--checkpoint-every'))
    .option('--checkpoint <file>', 'checkpoint file ({epoch} becomes the epoch number; default NAME.checkpoint.EXT next to --save)')
    .option('--reduce-lr-on-plateau <patience>', 'multiply the learning rate by --reduce-lr-factor after this many epochs without a lower validation loss',
      nonNegativeInt('--reduce-lr-on-plateau'))
    .option('--reduce-lr-factor <f>', `factor for --reduce-lr-on-plateau, in (0, 1) (default ${DEFAULT_REDUCE_LR_FACTOR})`, numberIn('--reduce-lr-factor', 0, 1));
}

/** Where --checkpoint-every writes (a template that may hold {epoch}), or undefined; checks the flags go together. */
export function checkpointTemplate(o: RecipeFlags, save: string | undefined): string | undefined {
  if (o.checkpoint !== undefined && o.checkpointEvery === undefined) throw new UsageError('--checkpoint needs --checkpoint-every N');
  if (o.checkpointEvery === undefined) return undefined;
  if (o.checkpoint !== undefined) return o.checkpoint;
  if (save === undefined) throw new UsageError('--checkpoint-every needs --checkpoint FILE or --save FILE (the checkpoint then goes next to it)');
  const ext = extname(save);
  return join(dirname(save), `${basename(save, ext)}.checkpoint${ext || '.simdnet'}`);
}

export interface RecipeFit {
  fit: Pick<FitOptions, 'normalize' | 'augment' | 'callbacks'>;
  normalize: 'scale' | 'standardize';
  augment: 'none' | 'shift';
  earlyStopping?: EarlyStopping;
  checkpoint?: ModelCheckpoint;
  reduceLr?: ReduceLROnPlateau;
}

/**
 * The fit options the flags ask for. `hasValidation` says whether a validation split will be
 * made (the two plateau flags need one); `save` writes a checkpoint to a file.
 */
export function recipeFitOptions(o: RecipeFlags, entry: ZooEntry, hasValidation: boolean, template: string | undefined,
  save: (model: Sequential, path: string) => Promise<void>): RecipeFit {
  if (o.restoreBest && o.earlyStopping === undefined) throw new UsageError('--restore-best needs --early-stopping PATIENCE');
  if (o.reduceLrFactor !== undefined && o.reduceLrOnPlateau === undefined) throw new UsageError('--reduce-lr-factor needs --reduce-lr-on-plateau PATIENCE');
  for (const [flag, v] of [['--early-stopping', o.earlyStopping], ['--reduce-lr-on-plateau', o.reduceLrOnPlateau]] as const) {
    if (v !== undefined && !hasValidation) {
      throw new UsageError(`${flag} watches the validation loss, but there is no validation split; give --validation-split F (> 0) with enough --train-count`);
    }
  }
  const normalize = o.normalize ?? entry.recipe.normalize ?? 'scale';
  const augment = o.augment ?? 'none';
  if (augment === 'shift' && entry.inputShape.length !== 3) throw new UsageError(`--augment shift needs an image model; --model ${entry.name} takes vectors`);
  const out: RecipeFit = { fit: {}, normalize, augment };
  const callbacks: Callback[] = [];
  if (normalize === 'standardize') out.fit.normalize = 'standardize';
  if (augment === 'shift') out.fit.augment = { shift: AUGMENT_SHIFT };
  if (o.earlyStopping !== undefined) {
    out.earlyStopping = new EarlyStopping({ patience: o.earlyStopping, restoreBestWeights: o.restoreBest === true });
    callbacks.push(out.earlyStopping);
  }
  if (o.reduceLrOnPlateau !== undefined) {
    out.reduceLr = new ReduceLROnPlateau({ patience: o.reduceLrOnPlateau, factor: o.reduceLrFactor ?? DEFAULT_REDUCE_LR_FACTOR });
    callbacks.push(out.reduceLr);
  }
  if (template !== undefined) {
    out.checkpoint = new ModelCheckpoint({ every: o.checkpointEvery!, save: (model, info) => save(model, checkpointPath(template, info.trainedEpochs - 1)) });
    callbacks.push(out.checkpoint);
  }
  if (callbacks.length > 0) out.fit.callbacks = callbacks;
  return out;
}

/** Lines about what the callbacks did (none when they did nothing worth saying). */
export function recipeReport(r: RecipeFit, template: string | undefined): string[] {
  const lines: string[] = [];
  const es = r.earlyStopping;
  if (es !== undefined && es.stoppedEpoch >= 0) {
    lines.push(`early stopping: no lower validation loss for ${es.patience} epoch${es.patience === 1 ? '' : 's'}; stopped after epoch ${es.stoppedEpoch + 1}` +
      (es.restoreBestWeights && es.bestEpoch >= 0 && es.bestEpoch !== es.stoppedEpoch ? `, restored the weights of epoch ${es.bestEpoch + 1} (val loss ${es.best.toFixed(4)})` : ''));
  } else if (es !== undefined && es.restoreBestWeights && es.bestEpoch >= 0) {
    lines.push(`early stopping: not triggered; the model ends with the weights of epoch ${es.bestEpoch + 1}, ` +
      `the lowest validation loss (${es.best.toFixed(4)})`);
  }
  if (r.reduceLr !== undefined && r.reduceLr.reductions.length > 0) {
    lines.push(`reduce lr on plateau: learning rate multiplied by ${r.reduceLr.factor} after epoch${r.reduceLr.reductions.length === 1 ? '' : 's'} ` +
      r.reduceLr.reductions.map((e) => e + 1).join(', '));
  }
  if (r.checkpoint !== undefined && template !== undefined && r.checkpoint.saved.length > 0) {
    const last = r.checkpoint.saved[r.checkpoint.saved.length - 1]!;
    lines.push(`checkpoint: saved after epoch${r.checkpoint.saved.length === 1 ? '' : 's'} ${r.checkpoint.saved.map((e) => e + 1).join(', ')} ` +
      `(last: ${checkpointPath(template, last)})`);
  }
  return lines;
}
