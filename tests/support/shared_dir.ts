// SPDX-License-Identifier: MIT
// Locates the shared fixtures and data beside the repository (override with NATZOO_SHARED).
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const sharedDir = process.env.NATZOO_SHARED ?? resolve(repoRoot, '..', 'shared');

export function sharedPath(...parts: string[]): string {
  const path = resolve(sharedDir, ...parts);
  if (!existsSync(path)) {
    throw new Error(`missing shared fixture ${path}: clone the shared fixtures beside the repository or set NATZOO_SHARED`);
  }
  return path;
}
