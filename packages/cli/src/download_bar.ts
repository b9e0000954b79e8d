// SPDX-License-Identifier: MIT
// A byte progress bar for downloads (checkpoints, hub models), drawn only on a terminal.
import type { ByteProgress } from '@natzoo/train';
import { progressBar } from './progress.js';

/** A callback for the library's byte progress, and the bar's stop function. */
export function downloadBar(name: string): { onProgress: (p: ByteProgress) => void; stop: () => void } {
  const bar = progressBar(`${name} [{bar}] {percentage}% | {value}/{total} bytes`);
  return { onProgress: ({ loaded, total }) => bar.update(loaded, total ?? loaded), stop: () => bar.stop() };
}
