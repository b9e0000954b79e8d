// SPDX-License-Identifier: MIT
// NumPy `.npy` arrays (format versions 1-3) from a byte source: little-endian f4/f8/i4/i8/u1/b1 arrays in C order.
import { CheckpointError } from '../checkpoint/errors.js';
import { readExactly, readHead, type ByteSource } from './byte_source.js';
import { parseNpyHeader } from './npy_header.js';

export type NpyDType = 'float32' | 'float64' | 'int32' | 'int64' | 'uint8' | 'bool';
export type NpyData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

export interface NpyArray {
  dtype: NpyDType;
  shape: number[];
  data: NpyData;
}

const DESCR: Record<string, NpyDType> = {
  '<f4': 'float32', '<f8': 'float64', '<i4': 'int32', '<i8': 'int64', '|u1': 'uint8', '<u1': 'uint8', '|b1': 'bool',
};
const SIZE: Record<NpyDType, number> = { float32: 4, float64: 8, int32: 4, int64: 8, uint8: 1, bool: 1 };
export const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** numpy itself refuses headers over 10 kB by default; allow more (long shapes) but not unbounded. */
const MAX_HEADER_BYTES = 10 * 1024 * 1024;

interface Header {
  dtype: NpyDType;
  shape: number[];
}

function parseHeader(path: string, text: string): Header {
  const fail = (problem: string): never => {
    throw new CheckpointError(path, `npy header ${problem}: ${text.trim().slice(0, 120)}`);
  };
  const { descr, fortranOrder, shape } = parseNpyHeader(text, fail);
  if (fortranOrder) fail('says fortran_order: True; only C-order arrays are supported (save with np.ascontiguousarray)');
  const dtype = DESCR[descr];
  if (dtype === undefined) {
    fail(descr.startsWith('>') ? `has big-endian dtype '${descr}' (not supported)` : `has unsupported dtype '${descr}'`);
  }
  return { dtype: dtype!, shape };
}

export async function readNpy(source: ByteSource): Promise<NpyArray> {
  const path = source.name;
  const size = source.byteLength;
  if (size < 10) throw new CheckpointError(path, 'not a .npy file (too short)');
  const lead = await readHead(source, 12);
  if (!MAGIC.every((b, i) => lead[i] === b)) throw new CheckpointError(path, 'not a .npy file (no \\x93NUMPY magic)');
  const major = lead[6]!;
  if (major < 1 || major > 3) throw new CheckpointError(path, `unsupported .npy format version ${major}.${lead[7]}`);
  const view = new DataView(lead.buffer, lead.byteOffset, lead.length);
  const headerLength = major === 1 ? view.getUint16(8, true) : lead.length >= 12 ? view.getUint32(8, true) : Infinity;
  const headerStart = major === 1 ? 10 : 12;
  if (headerLength > MAX_HEADER_BYTES) throw new CheckpointError(path, `npy header length ${headerLength} is absurd`);
  if (headerStart + headerLength > size) throw new CheckpointError(path, `npy header length ${headerLength} runs past the end of the file`);
  const headerBytes = await readExactly(source, headerStart, headerLength);
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(headerBytes);
  const { dtype, shape } = parseHeader(path, text);
  const dataStart = headerStart + headerLength;
  let numel = 1;
  for (const n of shape) {
    numel *= n;
    if (!Number.isSafeInteger(numel)) throw new CheckpointError(path, `npy shape (${shape.join(', ')}) is too large`);
  }
  const bytes = numel * SIZE[dtype];
  if (dataStart + bytes > size) {
    throw new CheckpointError(path, `npy shape (${shape.join(', ')}) needs ${bytes} data bytes but the file holds ${size - dataStart}`);
  }
  const raw = await readExactly(source, dataStart, bytes);
  return { dtype, shape, data: typedView(dtype, raw.buffer, raw.byteOffset, numel) };
}

function typedView(dtype: NpyDType, buffer: ArrayBufferLike, offset: number, n: number): NpyData {
  switch (dtype) {
    case 'float32': return new Float32Array(buffer, offset, n);
    case 'float64': return new Float64Array(buffer, offset, n);
    case 'int32': return new Int32Array(buffer, offset, n);
    case 'int64': return new BigInt64Array(buffer, offset, n);
    case 'uint8':
    case 'bool': return new Uint8Array(buffer, offset, n);
  }
}
