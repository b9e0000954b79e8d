// SPDX-License-Identifier: MIT
// Minimal float32 safetensors reader for test fixtures (8-byte header length, JSON header, raw data).
import { readFileSync } from 'node:fs';

export interface FixtureTensor {
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsFile {
  tensors: Map<string, FixtureTensor>;
  metadata: Record<string, string>;
}

export function readSafetensors(path: string): SafetensorsFile {
  const bytes = readFileSync(path);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, unknown>;
  const dataStart = 8 + headerLength;
  const tensors = new Map<string, FixtureTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = entry as Record<string, string>;
      continue;
    }
    const { dtype, shape, data_offsets: [from, to] } = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    if (dtype !== 'F32') throw new Error(`${path}: tensor ${name} has dtype ${dtype}, expected F32`);
    const copy = bytes.buffer.slice(bytes.byteOffset + dataStart + from, bytes.byteOffset + dataStart + to);
    tensors.set(name, { shape, data: new Float32Array(copy) });
  }
  return { tensors, metadata };
}
