// Node only: writes a report folder. Each file goes to a temporary name in the same folder and
// is then renamed over the final name (rename is atomic within a filesystem), so a reader never
// sees a half-written file. index.html is written last, so once it exists everything it links
// to does too.

import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildReport } from './build.js';
import type { ReportFiles, ReportInput } from './types.js';

/** Builds the report and writes it into dir (created if missing). Returns the paths written. */
export async function writeReport(dir: string, input: ReportInput): Promise<string[]> {
  return writeReportFiles(dir, buildReport(input));
}

export async function writeReportFiles(dir: string, files: ReportFiles): Promise<string[]> {
  const names = Object.keys(files);
  for (const name of names) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new RangeError(`report file name "${name}" must be a plain file name (letters, digits, . _ -)`);
  }
  names.sort((a, b) => Number(a === 'index.html') - Number(b === 'index.html'));
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const name of names) {
    const final = join(dir, name);
    const tmp = join(dir, `.${name}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
    try {
      await writeFile(tmp, files[name]!);
      await rename(tmp, final);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    written.push(final);
  }
  return written;
}
