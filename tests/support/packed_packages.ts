// SPDX-License-Identifier: MIT
// The packages as users get them: `pnpm pack` each workspace package (workspace:* becomes the version), then
// `npm install` the tarballs into a fresh project outside the workspace, with tfjs from the registry.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './shared_dir.js';

const run = promisify(execFile);

export const PACKAGES = ['core', 'models', 'train', 'cli'] as const;

export interface ConsumerProject {
  dir: string;
  /** Tarball file name -> bytes. */
  tarballs: Map<string, number>;
}

/** Total bytes of the files below `dir`. */
export function directoryBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += directoryBytes(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}

export async function packPackages(): Promise<{ dir: string; tarballs: Map<string, number> }> {
  const dir = mkdtempSync(join(tmpdir(), 'natzoo-packs-'));
  for (const name of PACKAGES) {
    await run('pnpm', ['pack', '--pack-destination', dir], { cwd: join(repoRoot, 'packages', name) });
  }
  const tarballs = new Map(readdirSync(dir).map((file) => [file, statSync(join(dir, file)).size]));
  return { dir, tarballs };
}

/** A fresh npm project holding `tarballs` (paths) and `extra` registry packages. */
export async function installProject(tarballs: readonly string[], extra: readonly string[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'natzoo-consumer-'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'natzoo-consumer', private: true, type: 'module' }));
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...tarballs, ...extra], {
    cwd: dir,
    maxBuffer: 16 << 20,
  });
  return dir;
}
