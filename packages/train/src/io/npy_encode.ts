// SPDX-License-Identifier: MIT
// `.npy` encoding, browser-safe: the header (version 1, or 2 for very long ones, padded so the data starts on a
// 64-byte boundary) and the array's bytes, as chunks to write to a file or put in a Blob.
import { CheckpointError } from '../checkpoint/errors.js';
import { MAGIC, type NpyData, type NpyDType } from './npy_reader.js';

const DESCR_OUT: Record<NpyDType, string> = { float32: '<f4', float64: '<f8', int32: '<i4', int64: '<i8', uint8: '|u1', bool: '|b1' };

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

/** The chunks of a .npy file holding `array` (C order) with `shape`; `path` names the target in errors. */
export function npyChunks(array: NpyData, shape: readonly number[], opts: WriteNpyOptions = {}, path = 'npy'): [Uint8Array, Uint8Array] {
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
  return [prefix, new Uint8Array(array.buffer, array.byteOffset, array.byteLength)];
}
