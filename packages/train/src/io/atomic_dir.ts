// SPDX-License-Identifier: MIT
// Atomic directory replacement: write every file into a temporary sibling directory, then rename it into place.
// An interrupted write (a conversion, a training checkpoint) leaves the previous directory or nothing, never half.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/**
 * Writes `files` (name -> bytes) as the directory `dir`, replacing an existing one only with `overwrite`.
 * The old directory is moved aside first and removed after the new one is in place.
 */
export async function writeDirAtomic(dir: string, files: ReadonlyMap<string, Uint8Array | string>, overwrite = false): Promise<void> {
  if ((await exists(dir)) && !overwrite) throw new Error(`--out ${dir} already exists; pass --overwrite to replace it`);
  await mkdir(dirname(dir), { recursive: true });
  const unique = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const staging = join(dirname(dir), `.${basename(dir)}.tmp-${unique}`);
  await mkdir(staging);
  try {
    for (const [name, bytes] of files) await writeFile(join(staging, name), bytes);
    const old = join(dirname(dir), `.${basename(dir)}.old-${unique}`);
    const replaced = await exists(dir);
    if (replaced) await rename(dir, old);
    try {
      await rename(staging, dir);
    } catch (error) {
      if (replaced) await rename(old, dir);
      throw error;
    }
    if (replaced) await rm(old, { recursive: true, force: true });
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}
