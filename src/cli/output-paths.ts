// Output paths, checked before any work starts (Node only).

import { access, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { constants as fsConstants, type Stats } from 'node:fs';
import { UsageError } from './common.js';

/** An output a command will write: a file (--save, --json) or a directory of files (--report). */
export interface OutputTarget {
  flag: string;
  path: string | undefined;
  kind: 'file' | 'dir';
}

/**
 * Checks every output path before any work starts, so a long run is not lost to a typo at the
 * end. For each given path: the target is not an existing directory (a file output) or an
 * existing file (a directory output); the nearest existing ancestor of what has to be created
 * is a directory we may write in; and no two outputs are the same file. Creates nothing.
 * Throws a UsageError naming the flag, the path and what is wrong.
 */
export async function checkOutputPaths(targets: readonly OutputTarget[]): Promise<void> {
  const seen = new Map<string, string>();
  for (const t of targets) {
    if (t.path === undefined) continue;
    await checkOutputPath(t.flag, t.path, t.kind);
    const abs = resolve(t.path);
    const other = seen.get(abs);
    if (other !== undefined) throw new UsageError(`${t.flag} '${t.path}': ${other} writes to the same path; give each output its own`);
    seen.set(abs, t.flag);
  }
}

async function checkOutputPath(flag: string, path: string, kind: OutputTarget['kind']): Promise<void> {
  const bad = (what: string) => new UsageError(`${flag} '${path}': ${what}`);
  if (path.trim() === '') throw new UsageError(`${flag}: the path is empty`);
  const target = await statOrMissing(path);
  if (target === 'missing-parent-is-file') {
    // Some ancestor is a file; the walk below names it.
  } else if (target !== undefined) {
    if (kind === 'file' && target.isDirectory()) {
      throw bad(`is a directory; expected a file name (e.g. ${join(path, flag.startsWith('--save') ? 'model.simdnet' : flag === '--onnx' ? 'model.onnx' : 'run.json')})`);
    }
    if (kind === 'dir') {
      if (!target.isDirectory()) throw bad(`is a file, not a directory; ${flag} writes a folder of files`);
      await checkWritableDir(path, bad);
      return;
    }
  }
  // The nearest existing ancestor of the target must be a writable directory (the rest is created).
  let dir = dirname(path);
  for (;;) {
    const st = await statOrMissing(dir);
    if (st !== undefined && st !== 'missing-parent-is-file') {
      if (!st.isDirectory()) throw bad(`'${dir}' is a file, not a directory`);
      await checkWritableDir(dir, bad);
      return;
    }
    const up = dirname(dir);
    if (up === dir) return; // nothing exists up to the root (cannot happen on a sane system)
    dir = up;
  }
}

/** stat(); undefined when nothing is there; a marker when a path component is a file. */
async function statOrMissing(path: string): Promise<Stats | undefined | 'missing-parent-is-file'> {
  try {
    return await stat(path);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTDIR') return 'missing-parent-is-file';
    throw e;
  }
}

async function checkWritableDir(dir: string, bad: (what: string) => UsageError): Promise<void> {
  try {
    await access(dir, fsConstants.W_OK | fsConstants.X_OK);
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why = code === 'EROFS' ? 'is on a read-only file system' : code === 'EACCES' || code === 'EPERM' ? 'is not writable (permission denied)' : `cannot be written (${code ?? String(e)})`;
    throw bad(`directory '${dir}' ${why}`);
  }
}
