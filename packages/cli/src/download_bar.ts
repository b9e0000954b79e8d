// SPDX-License-Identifier: MIT
// A byte progress bar for checkpoint downloads (drawn only on a terminal).
import type { DownloadProgress } from '@natzoo/train';
import { progressBar } from './progress.js';

/** A callback for downloadToCache/fetchCheckpoint and the bar's stop function. */
export function downloadBar(name: string): { onProgress: (p: DownloadProgress) => void; stop: () => void } {
  const bar = progressBar(`${name} [{bar}] {percentage}% | {value}/{total} bytes`);
  return { onProgress: ({ loaded, total }) => bar.update(loaded, total), stop: () => bar.stop() };
}
