// SPDX-License-Identifier: MIT
// Atomic directory replacement. Every file is written (and synced) into a staging sibling `.<name>.tmp-<id>`,
// which is renamed to a version `.<name>.v-<id>` once complete. `<name>` itself is a symbolic link to the current
// version: a new link `.<name>.link-<id>` is made and renamed over `<name>`, one rename(2) that replaces the old
// link atomically, so `<name>` always resolves to a complete model, old or new; the old version is removed after.
// Stale staging folders, links and unreferenced versions of processes that are gone are removed by the next write
// or read (recoverDirAtomic).
// Two cases still take two renames, as POSIX cannot rename anything over a non-empty directory: replacing a plain
// directory (one written before versions, or copied by hand) moves it to `.<name>.old-<id>` first, and where
// directory links are not available (Windows without developer mode, some network and FAT file systems) the
// staging folder itself is renamed to `<name>` after the old one moved away. A kill between those two renames
// leaves `<name>` absent until recoverDirAtomic moves the complete new one (or the old one) in.
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readdir, readlink, rename, rm, stat, symlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeAll } from './atomic_write.js';
import { ArgumentError } from '@natzoo/core';

/** The points of a write at which a test can stop the process (kill -9) to check what is left on disk. */
export type AtomicDirStep =
  | 'staging-created'
  | `file-written:${string}`
  | 'staged'
  | 'version-ready'
  | 'link-created'
  | 'old-moved'
  | 'new-moved'
  | 'old-removed';

type Kind = 'tmp' | 'old' | 'v' | 'link';

const exists = (path: string) => stat(path).then(() => true, () => false);
/** Whether anything is at `path`, a dangling link included. */
const present = (path: string) => lstat(path).then(() => true, () => false);
const sibling = (dir: string, kind: Kind, id: string) => join(dirname(dir), `.${basename(dir)}.${kind}-${id}`);
const VERSION_NAME = /^\.(.+)\.v-\d+-[0-9a-f]+$/;

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
  kind: Kind;
  id: string;
  pid: number;
}

/** `.<name>.{tmp,old,v,link}-<pid>-<hex>` siblings of `dir`. */
async function leftovers(dir: string): Promise<Leftover[]> {
  const prefix = `.${basename(dir)}.`;
  const names = await readdir(dirname(dir)).catch(() => [] as string[]);
  const found: Leftover[] = [];
  for (const name of names) {
    const match = /^(tmp|old|v|link)-(\d+)-([0-9a-f]+)$/.exec(name.startsWith(prefix) ? name.slice(prefix.length) : '');
    if (match !== null) found.push({ path: join(dirname(dir), name), kind: match[1] as Kind, id: `${match[2]}-${match[3]}`, pid: Number(match[2]) });
  }
  return found;
}

/** The version `dir` links to (its file name, a sibling of `dir`), or null when `dir` is no link of ours. */
async function currentVersion(dir: string): Promise<string | null> {
  const target = await readlink(dir).catch(() => null);
  const match = target === null ? null : VERSION_NAME.exec(target);
  return match !== null && match[1] === basename(dir) ? target : null;
}

/**
 * Repairs what an interrupted writeDirAtomic left next to `dir`: when `dir` is missing because a replacement was
 * cut between two renames, the complete new link or directory is moved in (or the old one back); then the staging
 * folders, links, old folders and unreferenced versions of processes that no longer run are removed. Returns what
 * it did, for logs.
 */
export async function recoverDirAtomic(dir: string): Promise<string[]> {
  const done: string[] = [];
  let stale = (await leftovers(dir)).filter((l) => !isAlive(l.pid));
  if (!(await exists(dir))) {
    const old = stale.find((l) => l.kind === 'old');
    // Links and versions exist only once complete, and an .old folder only once its new twin is: move the new one
    // in (a link, or the version itself where there are no links), else the old one back.
    const twin = (kind: Kind) => stale.find((l) => l.kind === kind && (old === undefined || l.id === old.id));
    const from = twin('link') ?? (old === undefined ? undefined : (twin('v') ?? old));
    if (from !== undefined) {
      await rename(from.path, dir);
      done.push(`restored ${dir} from ${basename(from.path)}`);
      stale = stale.filter((l) => l !== from);
    }
  }
  const current = await currentVersion(dir);
  for (const l of stale) {
    if (l.kind === 'v' && basename(l.path) === current) continue;
    await rm(l.path, { recursive: true, force: true });
    done.push(`removed ${basename(l.path)}`);
  }
  return done;
}

type Step = ((step: AtomicDirStep) => void | Promise<void>) | undefined;

/** Writes and syncs every file into a new folder `path`. */
async function stage(path: string, files: ReadonlyMap<string, Uint8Array | string>, onStep: Step): Promise<void> {
  await mkdir(path);
  await onStep?.('staging-created');
  for (const [name, bytes] of files) {
    const handle = await open(join(path, name), 'wx', 0o644);
    try {
      await writeAll(handle, typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await onStep?.(`file-written:${name}`);
  }
  await onStep?.('staged');
}

/** A link at `link` to `target` (a sibling's name), or false where the file system or platform has none for folders. */
async function makeLink(target: string, link: string, links: boolean): Promise<boolean> {
  if (!links) return false;
  try {
    await symlink(target, link, 'dir');
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') return false;
    throw error;
  }
}

/**
 * Moves `ready` (a complete folder or a link to one) to `dir`. A plain directory at `dir` is moved aside first
 * and put back if the move fails; returns it, for the caller to remove.
 */
async function moveIn(dir: string, ready: string, unique: string, onStep: Step): Promise<string | null> {
  let old: string | null = null;
  if ((await present(dir)) && (await lstat(dir)).isDirectory()) {
    old = sibling(dir, 'old', unique);
    await rename(dir, old);
    await onStep?.('old-moved');
  }
  try {
    await rename(ready, dir);
  } catch (error) {
    if (old !== null) await rename(old, dir);
    throw error;
  }
  await onStep?.('new-moved');
  return old;
}

/**
 * Writes `files` (name -> bytes) as the directory `dir` (a link to a complete version folder beside it, see
 * above), replacing an existing one only with `overwrite`. `onStep` is called at each step (tests stop the process
 * there to check that nothing is lost). `links: false` writes a plain directory (two renames), as on Windows.
 */
export async function writeDirAtomic(
  dir: string,
  files: ReadonlyMap<string, Uint8Array | string>,
  overwrite = false,
  onStep?: (step: AtomicDirStep) => void | Promise<void>,
  links = process.platform !== 'win32',
): Promise<void> {
  await recoverDirAtomic(dir);
  if ((await present(dir)) && !overwrite) throw new ArgumentError('out', dir, 'already exists; pass overwrite: true (--overwrite) to replace it');
  await mkdir(dirname(dir), { recursive: true });
  const unique = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const [staging, version, link] = (['tmp', 'v', 'link'] as const).map((kind) => sibling(dir, kind, unique)) as [string, string, string];
  const discard = () => Promise.all([staging, version, link].map((p) => rm(p, { recursive: true, force: true })));
  let ready: string;
  try {
    await stage(staging, files, onStep);
    await rename(staging, version);
    await onStep?.('version-ready');
    ready = (await makeLink(basename(version), link, links)) ? link : version;
    if (ready === link) await onStep?.('link-created');
  } catch (error) {
    await discard();
    throw error;
  }
  const previous = await currentVersion(dir);
  let old: string | null;
  try {
    old = await moveIn(dir, ready, unique, onStep);
  } catch (error) {
    await discard();
    throw error;
  }
  const replaced = old ?? (previous === null ? null : join(dirname(dir), previous));
  if (replaced !== null) {
    await rm(replaced, { recursive: true, force: true });
    await onStep?.('old-removed');
  }
}
