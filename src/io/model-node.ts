// Node file I/O for models: saveModel writes to a temporary file in the same directory and
// renames it over the target, so a crash never leaves a half-written model behind.

import { access, constants, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Sequential } from '../model/sequential.js';
import { modelFromSerialized, serialize, deserialize, type LoadOptions, type SerializeOptions } from './model-io.js';

export async function saveModel(model: Sequential, path: string, options: SerializeOptions = {}): Promise<void> {
  await writeFileAtomic(path, serialize(model, options));
}

/**
 * A ModelCheckpoint save function that writes the model to `path` atomically (saveModel), with
 * its training state unless `options` says otherwise, so training can resume from it.
 * `{epoch}` in the path is replaced by the model's epoch count (1-based, across fit calls and
 * resumed runs: keep every checkpoint); without it each checkpoint replaces the last.
 */
export function checkpointWriter(path: string, options: SerializeOptions = { trainingState: true }): CheckpointSave {
  if (typeof path !== 'string' || path === '') throw new TypeError(`checkpointWriter: path must be a non-empty string, got ${JSON.stringify(path)}`);
  const save: CheckpointSave = (model, info) => saveModel(model, checkpointPath(path, info.trainedEpochs - 1), options);
  // ModelCheckpoint runs this before the first batch: a path that cannot be written must not cost the epochs before the first save.
  save.check = (model) => checkWritable(checkpointPath(path, model.epochsTrained), 'checkpointWriter');
  return save;
}

/** A save function for ModelCheckpoint; `check`, when present, runs at the start of fit. */
export type CheckpointSave = ((model: Sequential, info: { trainedEpochs: number }) => Promise<void>) & { check?: (model: Sequential) => Promise<void> };

/** Throws unless `file` can be created: its directory exists and is writable, and the path itself is not a directory. */
async function checkWritable(file: string, where: string): Promise<void> {
  const dir = dirname(file);
  const d = await stat(dir).catch(() => undefined);
  if (d === undefined || !d.isDirectory()) throw new Error(`${where}: cannot write ${file}: the directory ${dir} does not exist`);
  try { await access(dir, constants.W_OK); } catch { throw new Error(`${where}: cannot write ${file}: the directory ${dir} is not writable`); }
  if ((await stat(file).catch(() => undefined))?.isDirectory()) throw new Error(`${where}: cannot write ${file}: ${file} is a directory`);
}

/** `path` with `{epoch}` replaced by epoch + 1. */
export function checkpointPath(path: string, epoch: number): string {
  return path.replaceAll('{epoch}', String(epoch + 1));
}

/** Writes `bytes` to a temporary file next to `path`, syncs it, then renames it over `path`. */
async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

export async function loadModel(path: string, options: LoadOptions = {}): Promise<Sequential> {
  const bytes = new Uint8Array(await readFile(path));
  return modelFromSerialized(deserialize(bytes, path), options);
}
