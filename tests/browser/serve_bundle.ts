// SPDX-License-Identifier: MIT
// Bundles a page module with esbuild (workspace packages from their sources) and serves it on loopback.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { build } from 'esbuild';
import { repoRoot } from '../support/shared_dir.js';

export async function bundlePage(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
    alias: {
      '@natzoo/core/webgpu': resolve(repoRoot, 'packages/core/src/webgpu.ts'),
      '@natzoo/core': resolve(repoRoot, 'packages/core/src/index.ts'),
    },
  });
  return result.outputFiles[0]!.text;
}

export interface PageServer {
  url: string;
  close(): Promise<void>;
}

export async function servePage(script: string): Promise<PageServer> {
  const html = '<!doctype html><meta charset="utf-8"><title>natzoo</title><body>running</body>' +
    '<script type="module" src="/page.js"></script>';
  const server: Server = createServer((request, response) => {
    const body = request.url === '/page.js' ? script : html;
    response.writeHead(200, { 'content-type': request.url === '/page.js' ? 'text/javascript' : 'text/html' });
    response.end(body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
