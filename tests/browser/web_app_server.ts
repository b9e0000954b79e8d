// SPDX-License-Identifier: MIT
// Builds apps/web with Vite's API into a temporary folder and serves the static output with `vite preview`
// on loopback, as `pnpm web` does (cross-origin isolated, with the config's COOP/COEP headers); the same output
// can also be served as a plain static host would, without them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build, preview } from 'vite';
import { repoRoot } from '../support/shared_dir.js';

export interface WebAppServer {
  url: string;
  outDir: string;
  /** Serves the same build without the cross-origin isolation headers (no Vite config); close it before this. */
  serveWithoutIsolation(): Promise<{ url: string; close(): Promise<void> }>;
  close(): Promise<void>;
}

async function serve(options: Parameters<typeof preview>[0]): Promise<{ url: string; close(): Promise<void> }> {
  const server = await preview({ logLevel: 'warn', ...options, preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false } });
  const url = server.resolvedUrls?.local[0];
  if (url === undefined) throw new Error('vite preview reported no local URL');
  return { url, close: () => server.close() };
}

export async function buildAndServeWebApp(): Promise<WebAppServer> {
  const root = resolve(repoRoot, 'apps/web');
  const configFile = resolve(root, 'vite.config.ts');
  const outDir = mkdtempSync(join(tmpdir(), 'natzoo-web-'));
  try {
    await build({ root, configFile, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
    const server = await serve({ root, configFile, build: { outDir } });
    return {
      url: server.url,
      outDir,
      serveWithoutIsolation: () => serve({ root, configFile: false, appType: 'mpa', build: { outDir } }),
      close: async () => {
        await server.close();
        rmSync(outDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(outDir, { recursive: true, force: true });
    throw error;
  }
}
