// The browser tests' little web server: 127.0.0.1 on a free port, each response from a
// resolver the test gives (path → body and type, or undefined for 404), optionally with the two
// headers that make a page cross-origin isolated (SharedArrayBuffer, so the thread pool).

import { createServer, type Server } from 'node:http';

export interface Served { body: Uint8Array | string; type: string }
export type Resolver = (path: string) => Served | undefined | Promise<Served | undefined>;

/** Content types of the files the tests serve. */
export const CONTENT_TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };

export const ISOLATION_HEADERS: Record<string, string> = {
  'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp',
};

export interface StaticServer { port: number; close(): Promise<void> }

/** Starts a server; `isolated` adds ISOLATION_HEADERS to every response, 404s included. */
export async function serveStatic(resolve: Resolver, isolated: boolean): Promise<StaticServer> {
  const headers = isolated ? ISOLATION_HEADERS : {};
  const server: Server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const f = await Promise.resolve(resolve(path)).catch(() => undefined);
    if (f === undefined) res.writeHead(404, headers).end();
    else res.writeHead(200, { ...headers, 'content-type': f.type }).end(f.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
