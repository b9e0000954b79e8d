// SPDX-License-Identifier: MIT
// CIFAR-10 binary batches (`data_batch_*.bin`, `test_batch.bin`): per record one label byte, then the 32x32
// red, green and blue planes.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

const RECORD_BYTES = 1 + 3 * 32 * 32;

export interface LabelledImages {
  /** `[N, 32, 32, 3]` uint8 RGB, HWC. */
  pixels: Uint8Array;
  labels: Int32Array;
  height: number;
  width: number;
}

/** Reads one batch file, or every `*.bin` batch in a directory (sorted by name). */
export async function readCifarBinary(path: string): Promise<LabelledImages> {
  const files = (await stat(path)).isDirectory()
    ? (await readdir(path)).filter((f) => f.endsWith('.bin')).sort().map((f) => join(path, f))
    : [path];
  if (files.length === 0) throw new Error(`--data cifar10:${path}: no *.bin batch files in the directory`);
  const buffers = await Promise.all(files.map((f) => readFile(f)));
  for (const [i, b] of buffers.entries()) {
    if (b.length === 0 || b.length % RECORD_BYTES !== 0) {
      throw new Error(`--data cifar10:${files[i]}: ${b.length} bytes is not a whole number of ${RECORD_BYTES}-byte CIFAR-10 records`);
    }
  }
  const count = buffers.reduce((n, b) => n + b.length / RECORD_BYTES, 0);
  const pixels = new Uint8Array(count * 3072);
  const labels = new Int32Array(count);
  let n = 0;
  for (const buffer of buffers) {
    for (let at = 0; at < buffer.length; at += RECORD_BYTES, n++) {
      labels[n] = buffer[at]!;
      for (let i = 0; i < 1024; i++) {
        for (let c = 0; c < 3; c++) pixels[n * 3072 + i * 3 + c] = buffer[at + 1 + c * 1024 + i]!;
      }
    }
  }
  return { pixels, labels, height: 32, width: 32 };
}
