// `npm run demo`: flag errors, a port that is taken, and what the server sends (the page, the
// kernel builds as application/wasm, and the cross-origin isolation headers on every response,
// a 404 included, without which the page gets no SharedArrayBuffer and so no threads).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { main, type DemoServer } from '../../src/cli/demo.js';
import { capture, runCli, scratchDir } from './util.js';

let scratch: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => { scratch = await scratchDir('demo'); });
afterAll(async () => { await scratch.cleanup(); });

describe('demo command line', () => {
  it.each([
    ['abc', /--port must be a port number from 0 to 65535/],
    ['70000', /--port must be a port number from 0 to 65535/],
    ['-1', /--port must be a port number from 0 to 65535/],
    ['80.5', /--port must be a port number from 0 to 65535/],
    ['0x1f90', /hexadecimal, binary and octal forms are not accepted/],
    ['', /got an empty value/],
  ])('refuses --port %j with exit code 2 and one line naming the flag', async (port, message) => {
    const r = await runCli(main, ['--port', port]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.out).toBe(''); // refused before building anything
  });

  it('refuses an unknown flag and an --out folder that is not a demo build', async () => {
    expect((await runCli(main, ['--prot', '8080'])).code).toBe(2);
    const other = join(scratch.dir, 'precious');
    await mkdir(other);
    await writeFile(join(other, 'notes.txt'), 'keep me');
    const r = await runCli(main, ['--port', '0', '--out', other]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/is not empty and is not an earlier demo build/);
    expect(await readdir(other)).toEqual(['notes.txt']);
  });

  it('refuses an empty --host (exit 2) and names a host it cannot listen on (exit 1)', async () => {
    const empty = await runCli(main, ['--host', '']);
    expect(empty.code).toBe(2);
    expect(empty.err).toMatch(/--host is empty/);
    // 203.0.113.1 (TEST-NET-3) is no address of this machine: bind fails at once, nothing is sent.
    const foreign = await runCli(main, ['--port', '0', '--host', '203.0.113.1', '--out', join(scratch.dir, 'foreign')]);
    expect(foreign.code).toBe(1);
    expect(foreign.err).toMatch(/cannot listen on host '203\.0\.113\.1' \(EADDRNOTAVAIL\)/);
  });

  it('says which port is taken and how to pick another (exit code 1)', async () => {
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const r = await runCli(main, ['--port', String(port), '--host', '127.0.0.1', '--out', join(scratch.dir, 'busy')]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use .*--port P, or --port 0 for any free port`));
    } finally {
      await new Promise<void>((resolve) => busy.close(() => resolve()));
    }
  });

  it('builds the page and serves it cross-origin isolated until stopped', async () => {
    const c = capture();
    const stop = new AbortController();
    let demo: DemoServer | undefined;
    const done = main(['--port', '0', '--host', '127.0.0.1', '--out', join(scratch.dir, 'page')], c.io,
      { stop: stop.signal, onListening: (s) => { demo = s; } });
    for (let i = 0; i < 600 && demo === undefined; i++) await new Promise((r) => setTimeout(r, 50));
    expect(demo, c.err()).toBeDefined();
    const get = (path: string) => fetch(new URL(path, demo!.url));
    const isolated = (res: Response) => {
      expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(res.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    };
    try {
      const page = await get('/');
      expect(page.status).toBe(200);
      isolated(page);
      const html = await page.text();
      for (const id of ['train', 'stop', 'epoch', 'accuracy', 'images-per-second', 'threads', 'build', 'canvas', 'clear',
        'prediction', 'probabilities', 'save', 'load']) expect(html).toContain(`data-testid="${id}"`);
      expect(html).not.toMatch(/https?:\/\//); // nothing from the network
      const js = await get('/main.js');
      expect(js.status).toBe(200);
      expect(js.headers.get('content-type')).toMatch(/javascript/);
      isolated(js);
      const wasm = await get('/simd.shared.wasm');
      expect(wasm.headers.get('content-type')).toBe('application/wasm');
      isolated(wasm);
      expect(new Uint8Array(await wasm.arrayBuffer()).subarray(0, 4)).toEqual(Uint8Array.from([0, 0x61, 0x73, 0x6d]));
      const missing = await get('/nope.txt');
      expect(missing.status).toBe(404);
      isolated(missing);
    } finally {
      stop.abort();
    }
    expect(await done).toBe(0);
    expect(c.out()).toMatch(/demo: serving http:\/\/127\.0\.0\.1:\d+\/ \(cross-origin isolated; Ctrl-C stops\)/);
    expect(c.out()).toMatch(/demo: stopped/);
  });
});
