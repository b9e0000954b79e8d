// SPDX-License-Identifier: MIT
// safetensors: u64 little-endian header length, a JSON header (`name -> {dtype, shape, data_offsets}` plus an
// optional `__metadata__` of strings), then the raw little-endian data. The header is checked against the source's
// length before any tensor is made; tensor data is read on demand.
import { readExactly, type ByteSource } from '../io/byte_source.js';
import { itemSize, SAFETENSORS_DTYPES, type DType } from './dtype.js';
import { CheckpointError } from './errors.js';
import { Storage } from './storage.js';
import { TensorRecord, type TypedArrayFor } from './tensor_record.js';

/** The reference implementation refuses headers above 100 MB; so do we. */
const MAX_HEADER_BYTES = 100_000_000;

export interface SafetensorsFile {
  readonly path: string;
  readonly tensors: Map<string, TensorRecord>;
  readonly metadata: Map<string, string>;
}

/** In-memory tensor data for writing (float16/bfloat16 as Uint16Array bit patterns, bool as Uint8Array). */
export interface ArrayTensor {
  dtype: DType;
  shape: readonly number[];
  data: TypedArrayFor | Uint16Array;
}

export type WritableTensor = TensorRecord | ArrayTensor;

export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export async function readSafetensors(source: ByteSource): Promise<SafetensorsFile> {
  const path = source.name;
  const size = source.byteLength;
  const fail = (problem: string): never => {
    throw new CheckpointError(path, `safetensors: ${problem}`);
  };
  if (size < 8) fail('file shorter than the 8-byte header length');
  const lead = await readExactly(source, 0, 8);
  const headerLength = new DataView(lead.buffer, lead.byteOffset, 8).getBigUint64(0, true);
  if (headerLength > BigInt(Math.min(MAX_HEADER_BYTES, size - 8))) {
    fail(`header length ${headerLength} exceeds the file (${size} bytes) or the 100 MB limit`);
  }
  const headerText = await readExactly(source, 8, Number(headerLength));
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerText));
  } catch (error) {
    fail(`header is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header is not a JSON object');
  const dataStart = 8 + Number(headerLength);
  const dataSize = size - dataStart;
  const tensors = new Map<string, TensorRecord>();
  const metadata = new Map<string, string>();
  const ranges: [number, number, string][] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null) fail('__metadata__ is not an object');
      for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__ value '${k}' is not a string`);
        metadata.set(k, v as string);
      }
      continue;
    }
    const { dtype: code, shape, data_offsets: offsets } = (entry ?? {}) as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = typeof code === 'string' ? SAFETENSORS_DTYPES.get(code) : undefined;
    if (dtype === undefined) fail(code === undefined ? `tensor '${name}' has no dtype` : `tensor '${name}' has unsupported dtype ${JSON.stringify(code)}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`tensor '${name}' has a bad shape`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      fail(`tensor '${name}' has bad data_offsets`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > dataSize) {
      fail(`tensor '${name}' data_offsets [${begin}, ${end}] lie outside the data section (${dataSize} bytes; truncated file?)`);
    }
    const numel = numelOf(shape as number[]);
    if (!Number.isSafeInteger(numel) || numel * itemSize(dtype!) !== end - begin) {
      fail(`tensor '${name}' of shape [${(shape as number[]).join(', ')}] ${dtype} does not fit its ${end - begin} bytes`);
    }
    const storage = new Storage({
      path, key: name, dtype: dtype!, numel,
      source: { byteLength: end - begin, read: (offset, length) => readExactly(source, dataStart + begin + offset, length) },
    });
    tensors.set(name, new TensorRecord({ storage, storageOffset: 0, shape: shape as number[], name }));
    ranges.push([begin, end, name]);
  }
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i]![0] < ranges[i - 1]![1]) fail(`tensors '${ranges[i - 1]![2]}' and '${ranges[i]![2]}' overlap`);
  }
  return { path, tensors, metadata };
}
