// Atomic file writes (a temporary file renamed over the target) and the clean-up of temporary
// files left by killed writers (Node only).

import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { readdirSync, rmSync } from 'node:fs';
import { onInterrupt } from './interrupts.js';

/** Temporary files this process is writing right now (deleted on an interrupt). */
const liveTempFiles = new Set<string>();
onInterrupt(() => {
  for (const f of liveTempFiles) rmSync(f, { force: true });
  liveTempFiles.clear();
});

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Name pattern of writeFileAtomic's temporary files for `target`: .NAME.PID.RANDOM.tmp (PID captured). */
export function tempFilePattern(target: string): RegExp {
  return new RegExp(`^\\.${escapeRegExp(basename(target))}\\.(\\d+)\\.[0-9a-z]+\\.tmp$`);
}

/** A fresh temporary file name next to `target`, following tempFilePattern. */
export function tempFileFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${Math.random().toString(36).slice(2, 10) || '0'}.tmp`);
}

/** Marks a temporary file as being written by this process (an interrupt deletes it); returns the unmark. */
export function trackTempFile(tmp: string): () => void {
  liveTempFiles.add(tmp);
  return () => { liveTempFiles.delete(tmp); };
}

/** True if a process with this id exists (EPERM: it does, but belongs to someone else). */
export function processExists(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return true; // 0 and negatives name groups: never "dead"
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code !== 'ESRCH';
  }
}

/**
 * Deletes the files in `dir` whose names match `pattern` (group 1: the writer's PID) and whose
 * writer no longer exists: leftovers of a save that was killed. Files of this process and of
 * live processes are kept. Returns the paths deleted.
 */
export async function removeStaleTempFiles(dir: string, pattern: RegExp): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return []; // no directory yet: nothing stale
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = pattern.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || processExists(pid)) continue;
    const path = join(dir, name);
    await rm(path, { force: true });
    removed.push(path);
  }
  return removed;
}

/** Synchronously deletes this process's files in `dir` that match `pattern` (for interrupt clean-ups). */
export function removeOwnTempFilesSync(dir: string, pattern: RegExp): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = pattern.exec(name);
    if (m && Number(m[1]) === process.pid) rmSync(join(dir, name), { force: true });
  }
}

/**
 * Writes to a temporary file next to `path`, then renames it over `path` (atomic on one
 * filesystem). First deletes temporary files of the same target left by processes that no
 * longer exist; an interrupt during the write deletes this one.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  await removeStaleTempFiles(dir, tempFilePattern(path));
  const tmp = tempFileFor(path);
  const untrack = trackTempFile(tmp);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  } finally {
    untrack();
  }
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, jsonReplacer, 2) + '\n');
}

/** JSON has no NaN/Infinity: write them as null; typed arrays as plain arrays. */
function jsonReplacer(_key: string, v: unknown): unknown {
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
  return v;
}
