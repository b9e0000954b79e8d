// SPDX-License-Identifier: MIT
// safetensors encoding, browser-safe: the file as a sequence of chunks (length, padded JSON header, then each
// tensor's bytes), produced one tensor at a time so a large export never sits in memory whole. Node writes the
// chunks to a file (safetensors.ts); a page can make a Blob of them.
import { itemSize, safetensorsName } from './dtype.js';
import { CheckpointError } from './errors.js';
import { numelOf, type WritableTensor } from './safetensors_reader.js';
import { TensorRecord } from './tensor_record.js';

/** The little-endian bytes of a tensor to write (TensorRecords read from their source). */
export async function tensorBytes(name: string, tensor: WritableTensor, path: string): Promise<Uint8Array> {
  if (tensor instanceof TensorRecord) return tensor.bytes();
  const numel = numelOf(tensor.shape);
  const { data } = tensor;
  if (data.length !== numel || data.BYTES_PER_ELEMENT !== itemSize(tensor.dtype)) {
    throw new CheckpointError(path, `tensor '${name}': ${data.constructor.name}(${data.length}) does not hold ${tensor.dtype} [${tensor.shape.join(', ')}]`);
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * The chunks of a safetensors file holding `tensors` and optional string `metadata`. The header is checked
 * before the first chunk; `path` names the target in errors.
 */
export async function* safetensorsChunks(
  tensors: Map<string, WritableTensor> | Record<string, WritableTensor>,
  metadata?: Map<string, string> | Record<string, string>,
  path = 'safetensors',
): AsyncGenerator<Uint8Array> {
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
  yield lead;
  yield headerBytes;
  for (const [name, tensor] of entries) yield await tensorBytes(name, tensor, path);
}
