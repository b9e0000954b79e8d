// SPDX-License-Identifier: MIT
// A byte source: random-access reads from something of known length (an in-memory buffer, a Blob/File, an HTTP
// resource read with Range requests, a file in Node). Every checkpoint and array reader works over one, so the
// same code runs in a page and in Node, and reads only the ranges it needs.
import { CheckpointError } from '../checkpoint/errors.js';

export interface ByteSource {
  /** What the bytes are called in error messages: a file path, a URL, a File's name. */
  readonly name: string;
  readonly byteLength: number;
  /** Bytes `[offset, offset + length)` as a fresh array the caller may keep and modify. */
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** Throws a CheckpointError naming `name` unless `[offset, offset + length)` lies inside `byteLength` bytes. */
export function checkRange(name: string, byteLength: number, offset: number, length: number): void {
  const ok = Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0 && offset + length <= byteLength;
  if (!ok) throw new CheckpointError(name, `read of ${length} bytes at ${offset} lies outside the file (${byteLength} bytes)`);
}

/** Reads exactly `length` bytes at `offset`, checking the range first and the answer's length after. */
export async function readExactly(source: ByteSource, offset: number, length: number): Promise<Uint8Array> {
  checkRange(source.name, source.byteLength, offset, length);
  const bytes = await source.read(offset, length);
  if (bytes.length !== length) {
    throw new CheckpointError(source.name, `read of ${length} bytes at ${offset} returned ${bytes.length} (unexpected end of file?)`);
  }
  return bytes;
}

/** The first `length` bytes (fewer when the source is shorter). */
export function readHead(source: ByteSource, length: number): Promise<Uint8Array> {
  return readExactly(source, 0, Math.min(length, source.byteLength));
}

/** An in-memory source. The bytes are not copied up front; each read returns a copy of its range. */
export function bufferSource(data: ArrayBuffer | ArrayBufferView, name = 'buffer'): ByteSource {
  const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return {
    name,
    byteLength: bytes.byteLength,
    read(offset, length) {
      checkRange(name, bytes.byteLength, offset, length);
      return Promise.resolve(bytes.slice(offset, offset + length));
    },
  };
}

/** A Blob or File (a page's file input, a drag-and-drop): each read slices the blob, so nothing is loaded whole. */
export function blobSource(blob: Blob, name?: string): ByteSource {
  const label = name ?? ('name' in blob && typeof blob.name === 'string' && blob.name !== '' ? blob.name : 'blob');
  return {
    name: label,
    byteLength: blob.size,
    async read(offset, length) {
      checkRange(label, blob.size, offset, length);
      return new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
    },
  };
}
