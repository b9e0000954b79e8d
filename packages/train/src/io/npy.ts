// SPDX-License-Identifier: MIT
// Node only: NumPy `.npy` files. Fixture inputs and outputs use this format; reads go through the byte-source
// reader (npy_reader.ts), writes are atomic.
import { writeAll, writeFileAtomic } from './atomic_write.js';
import type { ByteSource } from './byte_source.js';
import { toByteSource } from './file_source.js';
import { npyChunks, type WriteNpyOptions } from './npy_encode.js';
import { readNpy as readNpySource, type NpyArray, type NpyData } from './npy_reader.js';

export type { NpyArray, NpyData, NpyDType } from './npy_reader.js';
export type { WriteNpyOptions } from './npy_encode.js';

/** Reads a .npy file (a path) or byte source. */
export async function readNpy(input: string | ByteSource): Promise<NpyArray> {
  return readNpySource(await toByteSource(input));
}

/** Writes `array` (C order) with `shape` as a .npy file, atomically. */
export async function writeNpy(path: string, array: NpyData, shape: readonly number[], opts: WriteNpyOptions = {}): Promise<void> {
  const chunks = npyChunks(array, shape, opts, path);
  await writeFileAtomic(path, async (handle) => {
    for (const chunk of chunks) await writeAll(handle, chunk);
  });
}
