// Node file I/O for models: saveModel writes to a temporary file in the same directory and
// renames it over the target, so a crash never leaves a half-written model behind.

import { open, readFile, rename, rm } from 'node:fs/promises';
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
export function checkpointWriter(path: string, options: SerializeOptions = { trainingState: true }): (model: Sequential, info: { trainedEpochs: number }) => Promise<void> {
  if (typeof path !== 'string' || path === '') throw new TypeError(`checkpointWriter: path must be a non-empty string, got ${JSON.stringify(path)}`);
  return (model, info) => saveModel(model, checkpointPath(path, info.trainedEpochs - 1), options);
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
