// SPDX-License-Identifier: MIT
// Node only: NumPy `.npy` files. Fixture inputs and outputs use this format; reads go through the byte-source
// reader (npy_reader.ts), writes are atomic.
import { CheckpointError } from '../checkpoint/errors.js';
import { writeAll, writeFileAtomic } from './atomic_write.js';
import type { ByteSource } from './byte_source.js';
import { toByteSource } from './file_source.js';
import { DESCR_OUT, MAGIC, readNpy as readNpySource, type NpyArray, type NpyData, type NpyDType } from './npy_reader.js';

export type { NpyArray, NpyData, NpyDType } from './npy_reader.js';

/** Reads a .npy file (a path) or byte source. */
export async function readNpy(input: string | ByteSource): Promise<NpyArray> {
  return readNpySource(await toByteSource(input));
}

function dtypeOf(array: NpyData, asBool: boolean): NpyDType {
  if (array instanceof Float32Array) return 'float32';
  if (array instanceof Float64Array) return 'float64';
  if (array instanceof Int32Array) return 'int32';
  if (array instanceof BigInt64Array) return 'int64';
  return asBool ? 'bool' : 'uint8';
}

export interface WriteNpyOptions {
  /** Write a Uint8Array as numpy bool (`|b1`) instead of uint8. */
  bool?: boolean;
}

/** Writes `array` (C order) with `shape` as a .npy file, atomically. */
export async function writeNpy(path: string, array: NpyData, shape: readonly number[], opts: WriteNpyOptions = {}): Promise<void> {
  const numel = shape.reduce((a, b) => a * b, 1);
  if (!shape.every((n) => Number.isSafeInteger(n) && n >= 0) || numel !== array.length) {
    throw new CheckpointError(path, `shape (${shape.join(', ')}) does not match ${array.length} values`);
  }
  const dtype = dtypeOf(array, opts.bool === true);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${DESCR_OUT[dtype]}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Pad so the data starts on a 64-byte boundary; the header ends in a newline.
  const version = header.length + 12 > 65535 ? 2 : 1;
  const lead = version === 1 ? 10 : 12;
  header = header.padEnd(Math.ceil((lead + header.length + 1) / 64) * 64 - lead - 1, ' ') + '\n';
  const prefix = new Uint8Array(lead + header.length);
  prefix.set(MAGIC);
  prefix[6] = version;
  prefix[7] = 0;
  const view = new DataView(prefix.buffer);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  prefix.set(new TextEncoder().encode(header), lead);
  await writeFileAtomic(path, async (handle) => {
    await writeAll(handle, prefix);
    await writeAll(handle, new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
  });
}
