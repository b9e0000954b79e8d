// SPDX-License-Identifier: MIT
// NumPy `.npy` files (format versions 1-3): little-endian f4/f8/i4/i8/u1/b1 arrays in C order. Fixture inputs and
// outputs use this format; writes are atomic.
import { CheckpointError } from '../checkpoint/errors.js';
import { writeAll, writeFileAtomic } from './atomic_write.js';
import { readFileRange, snapshotFile } from './file_range.js';

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
const DESCR_OUT: Record<NpyDType, string> = { float32: '<f4', float64: '<f8', int32: '<i4', int64: '<i8', uint8: '|u1', bool: '|b1' };
const SIZE: Record<NpyDType, number> = { float32: 4, float64: 8, int32: 4, int64: 8, uint8: 1, bool: 1 };
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
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
  if (!text.trimStart().startsWith('{')) fail('is not a dict');
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1] ?? fail('has no simple descr (structured dtypes are not supported)');
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1] ?? fail('has no fortran_order');
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1] ?? fail('has no shape tuple');
  if (fortran === 'True') fail('says fortran_order: True; only C-order arrays are supported (save with np.ascontiguousarray)');
  const dtype = DESCR[descr];
  if (dtype === undefined) {
    fail(descr.startsWith('>') ? `has big-endian dtype '${descr}' (not supported)` : `has unsupported dtype '${descr}'`);
  }
  const shape = shapeText.split(',').map((s) => s.trim().replace(/L$/, '')).filter((s) => s.length > 0).map((s) => {
    if (!/^\d+$/.test(s)) fail(`has a bad dimension '${s}'`);
    return Number(s);
  });
  return { dtype: dtype!, shape };
}

export async function readNpy(path: string): Promise<NpyArray> {
  const file = await snapshotFile(path);
  if (file.size < 10) throw new CheckpointError(path, 'not a .npy file (too short)');
  const lead = await readFileRange(file, 0, Math.min(file.size, 12));
  if (!MAGIC.every((b, i) => lead[i] === b)) throw new CheckpointError(path, 'not a .npy file (no \\x93NUMPY magic)');
  const major = lead[6]!;
  if (major < 1 || major > 3) throw new CheckpointError(path, `unsupported .npy format version ${major}.${lead[7]}`);
  const view = new DataView(lead.buffer, lead.byteOffset, lead.length);
  const headerLength = major === 1 ? view.getUint16(8, true) : lead.length >= 12 ? view.getUint32(8, true) : Infinity;
  const headerStart = major === 1 ? 10 : 12;
  if (headerLength > MAX_HEADER_BYTES) throw new CheckpointError(path, `npy header length ${headerLength} is absurd`);
  if (headerStart + headerLength > file.size) throw new CheckpointError(path, `npy header length ${headerLength} runs past the end of the file`);
  const headerBytes = await readFileRange(file, headerStart, headerLength);
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(headerBytes);
  const { dtype, shape } = parseHeader(path, text);
  const dataStart = headerStart + headerLength;
  let numel = 1;
  for (const n of shape) {
    numel *= n;
    if (!Number.isSafeInteger(numel)) throw new CheckpointError(path, `npy shape (${shape.join(', ')}) is too large`);
  }
  const bytes = numel * SIZE[dtype];
  if (dataStart + bytes > file.size) {
    throw new CheckpointError(path, `npy shape (${shape.join(', ')}) needs ${bytes} data bytes but the file holds ${file.size - dataStart}`);
  }
  const raw = await readFileRange(file, dataStart, bytes);
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
