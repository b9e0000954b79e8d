// SPDX-License-Identifier: MIT
// Node only: safetensors files. Reading goes through the byte-source reader (safetensors_reader.ts); writing
// is atomic (a temporary file renamed into place).
import { writeAll, writeFileAtomic } from '../io/atomic_write.js';
import type { ByteSource } from '../io/byte_source.js';
import { toByteSource } from '../io/file_source.js';
import { itemSize, safetensorsName } from './dtype.js';
import { CheckpointError } from './errors.js';
import { numelOf, readSafetensors as readSafetensorsSource, type SafetensorsFile, type WritableTensor } from './safetensors_reader.js';
import { TensorRecord } from './tensor_record.js';

export type { ArrayTensor, SafetensorsFile, WritableTensor } from './safetensors_reader.js';

/** Reads a safetensors file (a path) or byte source; tensor data stays unread until asked for. */
export async function readSafetensors(input: string | ByteSource): Promise<SafetensorsFile> {
  return readSafetensorsSource(await toByteSource(input));
}

/** The little-endian bytes of a tensor to write (TensorRecords read from their file). */
export async function tensorBytes(name: string, tensor: WritableTensor, path: string): Promise<Uint8Array> {
  if (tensor instanceof TensorRecord) return tensor.bytes();
  const numel = numelOf(tensor.shape);
  const { data } = tensor;
  if (data.length !== numel || data.BYTES_PER_ELEMENT !== itemSize(tensor.dtype)) {
    throw new CheckpointError(path, `tensor '${name}': ${data.constructor.name}(${data.length}) does not hold ${tensor.dtype} [${tensor.shape.join(', ')}]`);
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Writes tensors (TensorRecords are read one at a time) and optional string metadata, atomically. */
export async function writeSafetensors(
  path: string,
  tensors: Map<string, WritableTensor> | Record<string, WritableTensor>,
  metadata?: Map<string, string> | Record<string, string>,
): Promise<void> {
  const entries = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) header.__metadata__ = Object.fromEntries(metadata instanceof Map ? metadata : Object.entries(metadata));
  let offset = 0;
  for (const [name, tensor] of entries) {
    if (name === '__metadata__' || name.length === 0) throw new CheckpointError(path, `invalid tensor name '${name}'`);
    if (!tensor.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new CheckpointError(path, `tensor '${name}' has a bad shape`);
    const bytes = numelOf(tensor.shape) * itemSize(tensor.dtype);
    header[name] = { dtype: safetensorsName(tensor.dtype), shape: [...tensor.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  // Pad the header with spaces so the data section starts 8-byte aligned.
  const encoded = new TextEncoder().encode(JSON.stringify(header));
  const headerBytes = new Uint8Array(Math.ceil(encoded.length / 8) * 8).fill(0x20);
  headerBytes.set(encoded);
  const lead = new Uint8Array(8);
  new DataView(lead.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  await writeFileAtomic(path, async (handle) => {
    await writeAll(handle, lead);
    await writeAll(handle, headerBytes);
    for (const [name, tensor] of entries) await writeAll(handle, await tensorBytes(name, tensor, path));
  });
}
