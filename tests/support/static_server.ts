// SPDX-License-Identifier: MIT
// A static file server on loopback: URL paths map to files through `routes` (prefix -> folder), 404 otherwise.
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json', '.png': 'image/png', '.wasm': 'application/wasm' };

const isFile = (path: string) => statSync(path, { throwIfNoEntry: false })?.isFile() === true;

/** The file a route serves: the target itself when it is a file, else `relative` (or index.html) inside it. */
function resolveFile(target: string, relative: string): string | undefined {
  if (relative === '' && isFile(target)) return target;
  const inside = normalize(relative || 'index.html');
  if (inside.startsWith('..')) return undefined;
  const file = join(target, inside);
  try {
    return isFile(file) ? file : undefined;
  } catch {
    return undefined; // ENOTDIR: a path below a file
  }
}

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

export async function serveStatic(routes: Readonly<Record<string, string>>): Promise<StaticServer> {
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    const prefix = Object.keys(routes).filter((p) => path.startsWith(p)).sort((a, b) => b.length - a.length)[0];
    const file = prefix === undefined ? undefined : resolveFile(routes[prefix]!, path.slice(prefix.length));
    if (file === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(response);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise<void>((done) => server.close(() => done())) };
}
