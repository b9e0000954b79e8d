// SPDX-License-Identifier: MIT
// A lazily read, typed, flat storage: what torch tensors (and safetensors entries) are views of. Nothing is read
// until a tensor asks for its data, and then only the byte range that tensor covers.
import type { ByteSource } from '../io/byte_source.js';
import { itemSize, type DType } from './dtype.js';
import { CheckpointError } from './errors.js';

/** Where a storage's bytes live (a zip entry, a region of a legacy file, a slice of a safetensors file). */
export type StorageSource = Pick<ByteSource, 'byteLength' | 'read'>;

export interface StorageInit {
  path: string;
  key: string;
  dtype: DType;
  numel: number;
  location?: string;
  littleEndian?: boolean;
  source: StorageSource;
}

export class Storage {
  /** File the storage comes from (for error messages). */
  readonly path: string;
  readonly key: string;
  readonly dtype: DType;
  readonly numel: number;
  /** Device it was saved from (`cpu`, `cuda:0`, ...); informational, data is always read to the CPU. */
  readonly location: string;
  readonly littleEndian: boolean;
  private readonly source: StorageSource;

  constructor(init: StorageInit) {
    const size = itemSize(init.dtype);
    if (!Number.isSafeInteger(init.numel) || init.numel < 0) {
      throw new CheckpointError(init.path, `storage '${init.key}' declares an invalid size ${String(init.numel)}`);
    }
    if (init.numel * size > init.source.byteLength) {
      throw new CheckpointError(
        init.path,
        `storage '${init.key}' declares ${init.numel} ${init.dtype} elements (${init.numel * size} bytes) ` +
          `but holds only ${init.source.byteLength} bytes`,
      );
    }
    this.path = init.path;
    this.key = init.key;
    this.dtype = init.dtype;
    this.numel = init.numel;
    this.location = init.location ?? 'cpu';
    this.littleEndian = init.littleEndian ?? true;
    this.source = init.source;
  }

  /** Raw bytes (file byte order) of elements `[first, first + count)`. */
  async readElements(first: number, count: number): Promise<Uint8Array> {
    if (first < 0 || count < 0 || first + count > this.numel) {
      throw new CheckpointError(this.path, `elements ${first}..${first + count} lie outside storage '${this.key}' (${this.numel})`);
    }
    const size = itemSize(this.dtype);
    const bytes = await this.source.read(first * size, count * size);
    if (bytes.length !== count * size) {
      throw new CheckpointError(this.path, `storage '${this.key}' returned ${bytes.length} bytes, expected ${count * size}`);
    }
    return bytes;
  }
}
