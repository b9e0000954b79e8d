// SPDX-License-Identifier: MIT
// Atomic directory replacement. Every file is written (and synced) into a staging sibling `.<name>.tmp-<id>`;
// a new directory is then renamed into place. Replacing one takes two renames (POSIX cannot rename over a
// non-empty directory and Node has no renameat2 exchange): the old directory to `.<name>.old-<id>`, then the
// staging one to `<name>`. A kill between those two leaves `<name>` absent for that instant only: the next write
// or read of `<name>` (recoverDirAtomic) finds the complete staging directory and finishes the move, so the
// destination comes back holding the new model (or the old one, when no staging copy is left), and every other
// stale `.tmp`/`.old` folder of a process that is gone is removed.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeAll } from './atomic_write.js';
import { ArgumentError } from '@natzoo/core';

/** The points of a write at which a test can stop the process (kill -9) to check what is left on disk. */
export type AtomicDirStep = 'staging-created' | `file-written:${string}` | 'staged' | 'old-moved' | 'new-moved' | 'old-removed';

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface Leftover {
  path: string;
  kind: 'tmp' | 'old';
  id: string;
  pid: number;
}

/** `.<name>.tmp-<pid>-<hex>` and `.<name>.old-<pid>-<hex>` siblings of `dir`. */
async function leftovers(dir: string): Promise<Leftover[]> {
  const prefix = `.${basename(dir)}.`;
  const names = await readdir(dirname(dir)).catch(() => [] as string[]);
  const found: Leftover[] = [];
  for (const name of names) {
    const match = /^(tmp|old)-(\d+)-([0-9a-f]+)$/.exec(name.startsWith(prefix) ? name.slice(prefix.length) : '');
    if (match !== null) found.push({ path: join(dirname(dir), name), kind: match[1] as 'tmp' | 'old', id: `${match[2]}-${match[3]}`, pid: Number(match[2]) });
  }
  return found;
}

/**
 * Repairs what an interrupted writeDirAtomic left next to `dir`: when `dir` is missing after a replacement was cut
 * between its two renames, the complete staging directory is moved in (or the old one back); then the staging
 * and old folders of processes that no longer run are removed. Returns what it did, for logs.
 */
export async function recoverDirAtomic(dir: string): Promise<string[]> {
  const done: string[] = [];
  let stale = (await leftovers(dir)).filter((l) => !isAlive(l.pid));
  const old = stale.find((l) => l.kind === 'old');
  if (old !== undefined && !(await exists(dir))) {
    // An .old folder exists only once its staging twin was complete, so that twin is the new directory.
    const from = stale.find((l) => l.kind === 'tmp' && l.id === old.id) ?? old;
    await rename(from.path, dir);
    done.push(`restored ${dir} from ${basename(from.path)}`);
    stale = stale.filter((l) => l !== from);
  }
  for (const l of stale) {
    await rm(l.path, { recursive: true, force: true });
    done.push(`removed ${basename(l.path)}`);
  }
  return done;
}

/**
 * Writes `files` (name -> bytes) as the directory `dir`, replacing an existing one only with `overwrite`.
 * `onStep` is called at each step (tests stop the process there to check that nothing is lost).
 */
export async function writeDirAtomic(
  dir: string,
  files: ReadonlyMap<string, Uint8Array | string>,
  overwrite = false,
  onStep?: (step: AtomicDirStep) => void | Promise<void>,
): Promise<void> {
  await recoverDirAtomic(dir);
  if ((await exists(dir)) && !overwrite) throw new ArgumentError('out', dir, 'already exists; pass overwrite: true (--overwrite) to replace it');
  await mkdir(dirname(dir), { recursive: true });
  const unique = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const staging = join(dirname(dir), `.${basename(dir)}.tmp-${unique}`);
  const old = join(dirname(dir), `.${basename(dir)}.old-${unique}`);
  await mkdir(staging);
  await onStep?.('staging-created');
  let replaced: boolean;
  try {
    for (const [name, bytes] of files) {
      const handle = await open(join(staging, name), 'wx', 0o644);
      try {
        await writeAll(handle, typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await onStep?.(`file-written:${name}`);
    }
    await onStep?.('staged');
    replaced = await exists(dir);
    if (replaced) {
      await rename(dir, old);
      await onStep?.('old-moved');
    }
    try {
      await rename(staging, dir);
    } catch (error) {
      if (replaced) await rename(old, dir);
      throw error;
    }
    await onStep?.('new-moved');
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  if (replaced) {
    await rm(old, { recursive: true, force: true });
    await onStep?.('old-removed');
  }
}
