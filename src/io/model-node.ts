// Node file I/O for models: saveModel writes to a temporary file in the same directory and
// renames it over the target, so a crash never leaves a half-written model behind.

import { open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Sequential } from '../model/sequential.js';
import { modelFromSerialized, serialize, deserialize, type LoadOptions, type SerializeOptions } from './model-io.js';

export async function saveModel(model: Sequential, path: string, options: SerializeOptions = {}): Promise<void> {
  const bytes = serialize(model, options);
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
