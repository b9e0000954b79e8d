// SPDX-License-Identifier: MIT
// Node only: safetensors files. Reading goes through the byte-source reader (safetensors_reader.ts); writing
// is atomic (a temporary file renamed into place).
import { writeAll, writeFileAtomic } from '../io/atomic_write.js';
import type { ByteSource } from '../io/byte_source.js';
import { toByteSource } from '../io/file_source.js';
import { safetensorsChunks } from './safetensors_encode.js';
import { readSafetensors as readSafetensorsSource, type SafetensorsFile, type WritableTensor } from './safetensors_reader.js';

export type { ArrayTensor, SafetensorsFile, WritableTensor } from './safetensors_reader.js';

/** Reads a safetensors file (a path) or byte source; tensor data stays unread until asked for. */
export async function readSafetensors(input: string | ByteSource): Promise<SafetensorsFile> {
  return readSafetensorsSource(await toByteSource(input));
}

/** Writes tensors (TensorRecords are read one at a time) and optional string metadata, atomically. */
export async function writeSafetensors(
  path: string,
  tensors: Map<string, WritableTensor> | Record<string, WritableTensor>,
  metadata?: Map<string, string> | Record<string, string>,
): Promise<void> {
  const chunks = safetensorsChunks(tensors, metadata, path);
  // The first chunk validates the header, so a bad tensor name fails before the file is created.
  const first = await chunks.next();
  await writeFileAtomic(path, async (handle) => {
    if (first.done !== true) await writeAll(handle, first.value);
    for await (const chunk of chunks) await writeAll(handle, chunk);
  });
}
