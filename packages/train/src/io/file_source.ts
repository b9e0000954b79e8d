// SPDX-License-Identifier: MIT
// Node only: a file as a byte source. Storages are read lazily, long after the container was parsed, so each
// read reopens the file and refuses to go on if it changed meanwhile.
import { open, stat } from 'node:fs/promises';
import { CheckpointError } from '../checkpoint/errors.js';
import { checkRange, type ByteSource } from './byte_source.js';

/** Opens `path` for positioned reads (a CheckpointError when it is missing or not a regular file). */
export async function openFileSource(path: string): Promise<ByteSource> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new CheckpointError(path, `cannot open: ${(error as Error).message}`);
  }
  if (!info.isFile()) throw new CheckpointError(path, 'not a regular file');
  const { size, mtimeMs } = info;
  return {
    name: path,
    byteLength: size,
    async read(offset, length) {
      checkRange(path, size, offset, length);
      const handle = await open(path, 'r');
      try {
        const now = await handle.stat();
        if (now.size !== size || now.mtimeMs !== mtimeMs) throw new CheckpointError(path, 'the file changed after it was opened; read it again');
        const out = new Uint8Array(length);
        let done = 0;
        while (done < length) {
          const { bytesRead } = await handle.read(out, done, length - done, offset + done);
          if (bytesRead === 0) throw new CheckpointError(path, `unexpected end of file at byte ${offset + done}`);
          done += bytesRead;
        }
        return out;
      } finally {
        await handle.close();
      }
    },
  };
}

/** `input` itself, or the file it names. */
export async function toByteSource(input: string | ByteSource): Promise<ByteSource> {
  return typeof input === 'string' ? openFileSource(input) : input;
}
