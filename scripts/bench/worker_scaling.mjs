// SPDX-License-Identifier: MIT
// The worker-scaling rows of scripts/bench_models.mjs: img/s of batch inference spread over 1, 2, ... worker
// threads (each its own tfjs-wasm), for nat_mini and cct_7_3x1_32 by default.
//
// The measurement itself belongs to scripts/bench_workers.mjs, beside the inference worker pool. This hook runs it
// in its own process (so its workers do not share this process's tfjs) and folds its rows in:
//   node scripts/bench_workers.mjs --models=nat_mini,cct_7_3x1_32 --workers=1,2 [--quick] --json-line
// which prints progress on stderr and, with --json-line, its rows as the last line of stdout:
//   {"rows": [{"model": "nat_mini", "workers": 1, "batch": 32, "imgPerS": 4.1, ...}, ...]}
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runNode } from './peers.mjs';
import { printTable } from './report.mjs';

const SCRIPT = fileURLToPath(new URL('../bench_workers.mjs', import.meta.url));

/**
 * @param {{ models: string[], workers: number[], quick: boolean, progress: (msg: string) => void }} options
 * @returns {Promise<{ status: string, rows: any[] }>}
 */
export async function workerScaling({ models, workers, quick, progress }) {
  if (!existsSync(SCRIPT)) return { status: 'not measured: scripts/bench_workers.mjs (the inference worker pool benchmark) is not in this tree', rows: [] };
  progress(`worker scaling: ${models.join(', ')} at ${workers.join(', ')} workers`);
  const r = await runNode(SCRIPT, { models: models.join(','), workers: workers.join(','), quick, 'json-line': true }, progress);
  if (r instanceof Error) return { status: `failed: ${r.message}`, rows: [] };
  const rows = /** @type {any[]} */ (r.rows ?? []);
  for (const row of rows) {
    const one = rows.find((x) => x.model === row.model && x.workers === 1);
    if (one) row.vsOneWorker = row.imgPerS / one.imgPerS;
  }
  return { status: 'measured', rows };
}

export function printWorkerScaling(/** @type {{ status: string, rows: any[] }} */ w) {
  printTable('worker scaling: batch inference over worker threads, tfjs-wasm in each', [
    { title: 'model', cell: (r) => r.model, left: true },
    { title: 'workers', cell: (r) => String(r.workers) },
    { title: 'batch', cell: (r) => String(r.batch ?? '') },
    { title: 'img/s', cell: (r) => r.imgPerS.toFixed(2) },
    { title: 'vs 1 worker', cell: (r) => (r.vsOneWorker == null ? '' : `${r.vsOneWorker.toFixed(2)}x`) },
  ], w.rows, [w.status === 'measured' ? 'from scripts/bench_workers.mjs; the goal is >= 1.8x at 2 workers on 2 idle cores' : w.status]);
}
