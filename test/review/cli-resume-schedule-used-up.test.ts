// Defect: `train --schedule onecycle --epochs 1 --save F` sized the schedule for that one epoch;
// `train --resume F --epochs 1` then trained a whole epoch at the schedule's final learning rate
// (maxLr/250000: nothing learnt) and reported success. It now fails before training, naming
// --resume and what to do (the optimizer flags are refused on a resume with training state).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { main as trainMain } from '../../src/cli/train.js';
import { runCli, scratchDir } from '../cli/util.js';

let dir = '';
let cleanup: () => Promise<void> = async () => {};
beforeAll(async () => ({ dir, cleanup } = await scratchDir('resume-schedule')));
afterAll(() => cleanup());

describe('train --resume of a run whose schedule is used up', () => {
  it('exit 2 before training, naming --resume and --schedule-epochs; with --schedule-epochs 2 the resume trains', async () => {
    const args = ['--model', 'simple', '--train-count', '40', '--test-count', '10', '--batch', '8', '--threads', '1', '--schedule', 'onecycle', '--max-lr', '0.01'];
    const file = join(dir, 'one.simdnet');
    expect((await runCli(trainMain, [...args, '--epochs', '1', '--save', file])).code).toBe(0);
    const r = await runCli(trainMain, ['--resume', file, '--epochs', '1']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`^train: --resume ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: its onecycle schedule cannot run 1 more epoch: .*has 0 of its 5 steps left.*--schedule-epochs covering every leg of the run\\n$`));
    expect(r.out).not.toMatch(/test accuracy/);

    const both = join(dir, 'two.simdnet');
    expect((await runCli(trainMain, [...args, '--schedule-epochs', '2', '--epochs', '1', '--save', both])).code).toBe(0);
    const ok = await runCli(trainMain, ['--resume', both, '--epochs', '1']);
    expect(ok.err).toBe('');
    expect(ok.code).toBe(0);
  });
});
