// SPDX-License-Identifier: MIT
// A progress bar on stderr for the library's progress callbacks; drawn only on a terminal, so logs and pipes
// stay clean.
import { Presets, SingleBar } from 'cli-progress';

export interface ProgressBar {
  update(done: number, total: number, payload?: Record<string, string>): void;
  stop(): void;
}

export function progressBar(format: string, options: { keep?: boolean } = {}): ProgressBar {
  const bar = new SingleBar({ format, clearOnComplete: options.keep !== true, stream: process.stderr }, Presets.shades_classic);
  let started = false;
  return {
    update(done, total, payload = {}) {
      if (!process.stderr.isTTY) return;
      if (!started) {
        bar.start(total, done, payload);
        started = true;
      }
      bar.setTotal(total);
      bar.update(done, payload);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
