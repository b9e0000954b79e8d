// SPDX-License-Identifier: MIT
// Builds apps/web with Vite's API into a temporary folder and serves the static output with `vite preview`
// on loopback, as `pnpm web` does.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build, preview } from 'vite';
import { repoRoot } from '../support/shared_dir.js';

export interface WebAppServer {
  url: string;
  outDir: string;
  close(): Promise<void>;
}

export async function buildAndServeWebApp(): Promise<WebAppServer> {
  const root = resolve(repoRoot, 'apps/web');
  const configFile = resolve(root, 'vite.config.ts');
  const outDir = mkdtempSync(join(tmpdir(), 'natzoo-web-'));
  try {
    await build({ root, configFile, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
    const server = await preview({ root, configFile, logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false } });
    const url = server.resolvedUrls?.local[0];
    if (url === undefined) throw new Error('vite preview reported no local URL');
    return {
      url,
      outDir,
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
