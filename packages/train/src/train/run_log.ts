// SPDX-License-Identifier: MIT
// The JSONL log of a run: one JSON object per line (`type: 'step' | 'epoch' | 'skip' | 'start'`). On resume the
// log is cut back to the checkpoint (records of steps after it are dropped, as those steps run again), through
// an atomic rewrite.
import { appendFile, readFile } from 'node:fs/promises';
import { writeFileAtomic, writeAll } from '../io/atomic_write.js';

export class RunLog {
  constructor(readonly path: string) {}

  async append(record: Record<string, unknown>): Promise<void> {
    await appendFile(this.path, `${JSON.stringify(record)}\n`);
  }

  async read(): Promise<Record<string, unknown>[]> {
    const text = await readFile(this.path, 'utf8').catch(() => '');
    // A kill can leave a torn last line; it is dropped.
    return text.split('\n').flatMap((line) => {
      try {
        return line.trim() === '' ? [] : [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  }

  /** Keeps the records for which `keep` holds. */
  async truncate(keep: (record: Record<string, unknown>) => boolean): Promise<Record<string, unknown>[]> {
    const kept = (await this.read()).filter(keep);
    await writeFileAtomic(this.path, (h) => writeAll(h, new TextEncoder().encode(kept.map((r) => `${JSON.stringify(r)}\n`).join(''))));
    return kept;
  }
}
