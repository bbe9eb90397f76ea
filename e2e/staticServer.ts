// A plain static file server, as a school's web server or a bucket would be: files by path under
// a sub-path, a content type by extension, and no special headers (no COOP/COEP, no CSP).
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
};

export interface StaticSite {
  /** e.g. http://127.0.0.1:41234/studio/ */
  url: string;
  /** Serves another folder at the same address from now on (a new deployment). */
  serve(folder: string): void;
  close(): Promise<void>;
}

export async function serveStatic(folder: string, subPath = '/studio/'): Promise<StaticSite> {
  let root = resolve(folder);
  const server: Server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    if (!path.startsWith(subPath)) {
      response.writeHead(404).end('not found');
      return;
    }
    let file = normalize(join(root, path.slice(subPath.length)));
    if (!file.startsWith(root)) {
      response.writeHead(403).end();
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Cache-Control': 'no-cache',
    });
    createReadStream(file).pipe(response);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${subPath}`,
    serve: (next) => {
      root = resolve(next);
    },
    close: () => new Promise((done) => server.close(() => done())),
  };
}
