// SPDX-License-Identifier: MIT
// CIFAR binary batches. CIFAR-10 (`data_batch_*.bin`, `test_batch.bin`): per record one label byte, then the
// 32x32 red, green and blue planes. CIFAR-100 (`train.bin`, `test.bin`): a coarse and a fine label byte, then
// the planes; the fine label (100 classes) is the one used.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointError } from '../checkpoint/errors.js';
import { ArgumentError } from '@natzoo/core';

export type CifarVariant = 'cifar10' | 'cifar100';

const LABEL_BYTES: Record<CifarVariant, number> = { cifar10: 1, cifar100: 2 };
const DISPLAY: Record<CifarVariant, string> = { cifar10: 'CIFAR-10', cifar100: 'CIFAR-100' };

export interface LabelledImages {
  /** `[N, 32, 32, 3]` uint8 RGB, HWC. */
  pixels: Uint8Array;
  labels: Int32Array;
  height: number;
  width: number;
}

/** CIFAR batches one after another, in order. */
export function concatLabelledImages(parts: readonly LabelledImages[]): LabelledImages {
  const count = parts.reduce((n, p) => n + p.labels.length, 0);
  const pixels = new Uint8Array(count * 3072);
  const labels = new Int32Array(count);
  let at = 0;
  for (const p of parts) {
    pixels.set(p.pixels, at * 3072);
    labels.set(p.labels, at);
    at += p.labels.length;
  }
  return { pixels, labels, height: 32, width: 32 };
}

/** Reads one batch file, or every `*.bin` batch in a directory (sorted by name). */
export async function readCifarBinary(path: string, variant: CifarVariant = 'cifar10'): Promise<LabelledImages> {
  const labelBytes = LABEL_BYTES[variant];
  const recordBytes = labelBytes + 3 * 32 * 32;
  const files = (await stat(path)).isDirectory()
    ? (await readdir(path)).filter((f) => f.endsWith('.bin')).sort().map((f) => join(path, f))
    : [path];
  if (files.length === 0) throw new ArgumentError('data', `${variant}:${path}`, 'no *.bin batch files in the directory');
  for (const file of files) {
    const info = await stat(file);
    if (!info.isFile()) throw new CheckpointError(file, `not a regular file (a folder named *.bin?); expected a ${DISPLAY[variant]} batch`);
    if (info.size === 0 || info.size % recordBytes !== 0) {
      throw new CheckpointError(file, `${info.size} bytes is not a whole number of ${recordBytes}-byte ${DISPLAY[variant]} records`);
    }
  }
  const buffers = await Promise.all(files.map((f) => readFile(f)));
  const classes = variant === 'cifar10' ? 10 : 100;
  const count = buffers.reduce((n, b) => n + b.length / recordBytes, 0);
  const pixels = new Uint8Array(count * 3072);
  const labels = new Int32Array(count);
  let n = 0;
  for (const buffer of buffers) {
    for (let at = 0; at < buffer.length; at += recordBytes, n++) {
      labels[n] = buffer[at + labelBytes - 1]!;
      if (labels[n]! >= classes) throw new CheckpointError(files[buffers.indexOf(buffer)]!, `record ${n} has label ${labels[n]}, but ${DISPLAY[variant]} has ${classes} classes`);
      planesToHwc(buffer.subarray(at + labelBytes, at + recordBytes), pixels.subarray(n * 3072, (n + 1) * 3072));
    }
  }
  return { pixels, labels, height: 32, width: 32 };
}

/** One CIFAR image: 1024 red, 1024 green, 1024 blue bytes (CHW) to interleaved HWC. */
export function planesToHwc(planes: Uint8Array, out: Uint8Array): void {
  for (let i = 0; i < 1024; i++) {
    for (let c = 0; c < 3; c++) out[i * 3 + c] = planes[c * 1024 + i]!;
  }
}
