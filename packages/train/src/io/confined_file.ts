// SPDX-License-Identifier: MIT
// Node only: files named inside a directory (a model's weight paths), read only when they really are regular
// files inside it: no absolute paths, no `..`, no symlinks leading out, no FIFOs or devices, no size surprises.
import { readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';

type Fail = (problem: string) => never;

/** `name` inside `dir` as a regular file: its real path and size; anything else is a problem thrown through `fail`. */
export async function confinedFile(dir: string, name: unknown, fail: Fail): Promise<{ path: string; size: number }> {
  if (typeof name !== 'string' || name === '' || isAbsolute(name) || name.includes('\\') || name.includes('\0')) {
    return fail(`path ${JSON.stringify(name)} must be a relative file name inside the directory`);
  }
  if (name.split('/').some((part) => part === '..' || part === '.' || part === '')) fail(`path '${name}' must not contain '..', '.' or empty parts`);
  let root: string;
  let path: string;
  try {
    [root, path] = await Promise.all([realpath(dir), realpath(join(dir, name))]);
  } catch (error) {
    return fail(`cannot read '${name}' (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const inside = relative(root, path);
  if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) fail(`'${name}' leads outside the directory`);
  const info = await stat(path);
  if (!info.isFile()) fail(`'${name}' is not a regular file`);
  return { path, size: info.size };
}

/** Reads a file found by confinedFile, checking it still has the size it was judged by. */
export async function readConfined(file: { path: string; size: number }, name: string, fail: Fail): Promise<Buffer> {
  const bytes = await readFile(file.path);
  if (bytes.length !== file.size) fail(`'${name}' changed size while it was read`);
  return bytes;
}
