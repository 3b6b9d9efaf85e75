// writeReport: creates the folder, writes exactly what buildReport returns, leaves no temp files.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildReport } from '../../src/report/build.js';
import { writeReport, writeReportFiles } from '../../src/report/write-node.js';
import { mnistLikeInput } from './synthetic.js';

const roots: string[] = [];
afterAll(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true });
});
async function tempRoot(): Promise<string> {
  const r = await mkdtemp(join(tmpdir(), 'simdnet-report-'));
  roots.push(r);
  return r;
}

describe('writeReport', () => {
  it('creates nested folders and writes every file byte for byte, with no temp files left', async () => {
    const dir = join(await tempRoot(), 'runs', 'a');
    const input = mnistLikeInput();
    const written = await writeReport(dir, input);
    const want = buildReport(input);
    expect((await readdir(dir)).sort()).toEqual(Object.keys(want).sort());
    expect(written[written.length - 1]).toBe(join(dir, 'index.html'));
    for (const [name, content] of Object.entries(want)) {
      const got = await readFile(join(dir, name));
      const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
      expect(got.equals(bytes), `${name} content`).toBe(true);
    }
  });

  it('replaces an existing report in place and keeps unrelated files', async () => {
    const dir = await tempRoot();
    await writeFile(join(dir, 'index.html'), 'old');
    await writeFile(join(dir, 'notes.txt'), 'mine');
    await writeReport(dir, mnistLikeInput());
    const names = await readdir(dir);
    expect(names).toContain('notes.txt');
    expect(names.filter((n) => n.includes('.tmp-'))).toEqual([]);
    expect((await readFile(join(dir, 'index.html'), 'utf8')).startsWith('<!DOCTYPE html>')).toBe(true);
  });

  it('refuses file names that would leave the folder', async () => {
    const dir = await tempRoot();
    await expect(writeReportFiles(dir, { '../evil.html': 'x' })).rejects.toThrow(/must be a plain file name/);
    await expect(writeReportFiles(dir, { 'a/b.svg': 'x' })).rejects.toThrow(/must be a plain file name/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('throws on bad input before creating anything', async () => {
    const dir = join(await tempRoot(), 'never');
    const input = mnistLikeInput();
    input.history.accuracy[0] = 97;
    await expect(writeReport(dir, input)).rejects.toThrow(/not a percentage/);
    await expect(readdir(dir)).rejects.toThrow(/ENOENT/);
  });
});
