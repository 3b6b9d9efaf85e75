// npm run demo -- [--port P] [--host H] [--out DIR]: builds the browser demo (src/demo -> build/demo) and
// serves it on http://H:P/ until Ctrl-C.
//
//   --port P   0-65535, default 5173; 0 picks any free port (the URL printed says which)
//   --host H   the address to listen on, default localhost (use 0.0.0.0 to reach it from elsewhere)
//   --out DIR  where to build the page, default build/demo (emptied first)
//
// Every response carries Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy:
// require-corp, which make the page cross-origin isolated: SharedArrayBuffer is available, so the
// training worker gets shared wasm memory and a thread pool. Static files are served by sirv.

import { createServer, type Server } from 'node:http';
import sirv from 'sirv';
import { type CliIO, newProgram, println, processIO, run, UsageError } from './common.js';
import { numericFlag } from './flags.js';
import { deferFirstInterrupt } from './interrupts.js';
import { isMainModule, runAsScript } from './script.js';
import { checkOutputPaths } from './output-paths.js';
import { buildDemo, DEFAULT_DEMO_DIR } from './demo-build.js';

export const DEFAULT_PORT = 5173;

/** The headers that make a page cross-origin isolated (threads need SharedArrayBuffer). */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

const portValue = numericFlag('--port', { what: 'a port number from 0 to 65535 (0: any free port)', integer: true, min: 0, max: 65535 });

export interface DemoServer {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/** Serves a demo folder (read on every request, so it may be built after this) with the isolation headers. Rejects with a clear Error when the port is taken. */
export async function serveDemo(options: { dir?: string; port?: number; host?: string } = {}): Promise<DemoServer> {
  const dir = options.dir ?? DEFAULT_DEMO_DIR;
  const host = options.host ?? 'localhost';
  const port = options.port ?? DEFAULT_PORT;
  // dev: read files on every request (no in-memory cache), so a rebuilt page is served at once.
  const files = sirv(dir, { dev: true, etag: true });
  const server = createServer((req, res) => {
    for (const [k, v] of Object.entries(ISOLATION_HEADERS)) res.setHeader(k, v);
    files(req, res, () => {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`not found: ${req.url ?? ''}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error & { code?: string }) => {
      if (e.code === 'EADDRINUSE') {
        reject(new Error(`port ${port} on ${host} is already in use (another demo or dev server?); pick another with --port P, or --port 0 for any free port`));
      } else if (e.code === 'EACCES') {
        reject(new Error(`not allowed to listen on port ${port} of ${host} (ports below 1024 need privileges); pick another with --port P`));
      } else if (e.code === 'ENOTFOUND' || e.code === 'EADDRNOTAVAIL') {
        reject(new Error(`cannot listen on host '${host}' (${e.code}): give a local address such as localhost, 127.0.0.1 or 0.0.0.0 with --host`));
      } else {
        reject(e);
      }
    };
    server.once('error', onError);
    server.listen(port, host, () => { server.off('error', onError); resolve(); });
  });
  const address = server.address();
  const actual = typeof address === 'object' && address !== null ? address.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${actual}/`, port: actual, server,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

interface DemoOptions { port: number; host: string; out?: string }

/**
 * The command. Resolves once the server has stopped: after the first Ctrl-C / SIGTERM when run as a
 * script, or when `stop` is aborted (tests). `onListening` gets the server once it serves.
 */
export async function main(argv: string[], io: CliIO = processIO,
  control: { stop?: AbortSignal; onListening?: (s: DemoServer) => void } = {}): Promise<number> {
  return run('demo', io, async () => {
    const program = newProgram('demo', 'Build the browser demo and serve it (cross-origin isolated, so training uses threads).', io)
      .option('--port <p>', `port to listen on, 0-65535 (0: any free port)`, portValue, DEFAULT_PORT)
      .option('--host <h>', 'address to listen on', 'localhost')
      .option('--out <dir>', 'where to build the page (emptied first; default build/demo)');
    program.parse(argv, { from: 'user' });
    const o = program.opts<DemoOptions>();
    if (o.host.trim() === '') throw new UsageError('--host is empty: give an address such as localhost or 0.0.0.0');
    if (o.out !== undefined) await checkOutputPaths([{ flag: '--out', path: o.out, kind: 'dir' }]);
    // Take the port first, so a port in use is reported at once, before the build.
    const dir = o.out ?? DEFAULT_DEMO_DIR;
    const demo = await serveDemo({ dir, port: o.port, host: o.host });
    try {
      const t0 = performance.now();
      const built = await buildDemo(dir);
      println(io.stdout, `demo: built ${built.outDir} (${built.files.length} files) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    } catch (e) {
      await demo.close();
      throw e;
    }
    println(io.stdout, `demo: serving ${demo.url} (cross-origin isolated; Ctrl-C stops)`);
    control.onListening?.(demo);
    await new Promise<void>((resolve) => {
      const undefer = deferFirstInterrupt(() => resolve());
      const onAbort = () => resolve();
      if (control.stop?.aborted) resolve();
      control.stop?.addEventListener('abort', onAbort, { once: true });
      demo.server.once('close', () => { undefer(); control.stop?.removeEventListener('abort', onAbort); });
    });
    await demo.close();
    println(io.stdout, 'demo: stopped');
    return 0;
  });
}

if (isMainModule(import.meta.url)) runAsScript(main);
