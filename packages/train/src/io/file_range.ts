// SPDX-License-Identifier: MIT
// Positioned reads from a file that was inspected earlier. Storages are read lazily, long after the container
// was parsed, so each read reopens the file and refuses to go on if it changed meanwhile.
import { open, stat } from 'node:fs/promises';
import { CheckpointError } from '../checkpoint/errors.js';

/** What a reader saw when it parsed a file: later reads check that it is still the same file. */
export interface FileSnapshot {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
}

export async function snapshotFile(path: string): Promise<FileSnapshot> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new CheckpointError(path, `cannot open: ${(error as Error).message}`);
  }
  if (!info.isFile()) throw new CheckpointError(path, 'not a regular file');
  return { path, size: info.size, mtimeMs: info.mtimeMs };
}

/** Reads `length` bytes at `offset`; the range must lie inside the snapshot's size. */
export async function readFileRange(file: FileSnapshot, offset: number, length: number): Promise<Uint8Array> {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > file.size) {
    throw new CheckpointError(file.path, `read of ${length} bytes at ${offset} lies outside the file (${file.size} bytes)`);
  }
  const handle = await open(file.path, 'r');
  try {
    const now = await handle.stat();
    if (now.size !== file.size || now.mtimeMs !== file.mtimeMs) {
      throw new CheckpointError(file.path, 'the file changed after it was opened; read it again');
    }
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await handle.read(out, done, length - done, offset + done);
      if (bytesRead === 0) throw new CheckpointError(file.path, `unexpected end of file at byte ${offset + done}`);
      done += bytesRead;
    }
    return out;
  } finally {
    await handle.close();
  }
}
