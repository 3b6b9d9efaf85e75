// `train --resume FILE`: which settings come from the file and which flags may still be given.
//
// A file written by train records the run (model-file.ts RunRecord: --model, --data, --seed,
// --batch, --train-count, --test-count, --validation-split, --build, --normalize, --augment). A resumed run takes each
// of those from the file; a flag that repeats the recorded value is accepted, a different one is
// an error (other data or batches would not continue the run). The build is the exception: it
// changes rounding, not what is trained, and 'relaxed' (the default where the engine has it) is
// missing on some engines, so a resumed run takes the recorded build where it can and otherwise,
// or when --build names another, continues with a note. With training state in the file,
// the optimizer continues as saved, so the optimizer and schedule flags are refused too. A file
// without training state (older, or saved with --no-training-state) fine-tunes its weights with
// a fresh optimizer: the file's, or the one the optimizer flags describe.

import { buildAvailable, UsageError } from './common.js';
import { OPTIM_FLAGS, type OptimFlags } from './train-optim.js';
import type { RunRecord } from './model-file.js';
import { simdSupported } from '../runtime/features.js';

export const RUN_FLAGS: readonly (readonly [keyof RunRecord, string])[] = [
  ['model', '--model'], ['data', '--data'], ['seed', '--seed'], ['batch', '--batch'], ['trainCount', '--train-count'],
  ['testCount', '--test-count'], ['validationSplit', '--validation-split'], ['build', '--build'],
  ['normalize', '--normalize'], ['augment', '--augment'],
];

/**
 * Fills `o` from the record for the run flags not given (`given(key)` false), and refuses given
 * ones that differ (the build aside, see above). Then refuses optimizer flags when the file has
 * training state. Returns a note to print when the run goes on with another build than recorded.
 */
export function applyRunRecord(
  o: Partial<RunRecord> & OptimFlags, given: (key: string) => boolean, file: string,
  run: Partial<RunRecord>, hasState: boolean,
): string | undefined {
  const target = o as Record<string, unknown>;
  let note: string | undefined;
  const was = run.build;
  if (was !== undefined && given('build') && o.build !== was) {
    note = `note: ${file} was trained with the ${was} build; resuming with --build ${o.build}, so the bits will differ from a straight run`;
  } else if (was !== undefined && !given('build')) {
    o.build = buildAvailable(was) ? was : simdSupported() ? 'simd' : 'naive';
    if (o.build !== was) {
      note = `note: ${file} was trained with the ${was} build, which this engine lacks; resuming with ${o.build}, so the bits will differ from a straight run`;
    }
  }
  for (const [key, flag] of RUN_FLAGS) {
    const recorded = run[key];
    // A whole record (train writes batch and seed always) without a count used every image: a count now is another run.
    if (recorded === undefined && (key === 'trainCount' || key === 'testCount') && run.batch !== undefined && given(key)) {
      throw new UsageError(`${flag} ${String(target[key])}: ${file} was trained without ${flag} (on every image); ` +
        'a resumed run continues with the recorded data and batches (omit the flag)');
    }
    if (recorded === undefined || key === 'build') continue;
    if (given(key) && target[key] !== recorded) {
      throw new UsageError(`${flag} ${String(target[key])}: ${file} was trained with ${flag} ${String(recorded)}; ` +
        'a resumed run continues with the recorded data and batches (omit the flag)');
    }
    target[key] = recorded;
  }
  if (!hasState) return;
  for (const [key, flag] of OPTIM_FLAGS) {
    if (given(key)) {
      throw new UsageError(`${flag}: ${file} carries its optimizer's training state, which a resumed run continues as saved; ` +
        'the optimizer and schedule flags apply only to new runs (or to files without training state)');
    }
  }
  return note;
}
