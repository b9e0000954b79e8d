// SPDX-License-Identifier: MIT
// StyleNAT generation over worker threads (@natzoo/train's startGeneratorPool): images/s of the FFHQ generator
// (random weights) at 1, 2, ... workers, each worker one tfjs-wasm core with its own copy of the generator, one
// image per job, in the interleaved rounds of workers.mjs. Used by scripts/bench_stylenat.mjs --workers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStyleNATGenerator, latentsFromSeeds } from '@natzoo/models';
import { generateInJobs, saveStyleNATDir, startGeneratorPool } from '@natzoo/train';
import { timePools } from './workers.mjs';

/**
 * @param {{ size: number, workers: number[], images: number, rounds: number, log: (line: string) => void }} options
 * @returns {Promise<import('./workers.mjs').WorkerScalingRow[]>}
 */
export async function styleNATWorkerRows({ size, workers, images, rounds, log }) {
  const root = mkdtempSync(join(tmpdir(), 'natzoo-bench-stylenat-workers-'));
  try {
    const dir = join(root, `stylenat_${size}`);
    const generator = createStyleNATGenerator('ffhq256', { size });
    const dim = generator.config.styleDim;
    await saveStyleNATDir(dir, { g_ema: generator });
    generator.dispose();
    const z = latentsFromSeeds(Array.from({ length: images }, (_, i) => i), dim);
    const inputs = /** @type {Float32Array} */ (z.dataSync());
    z.dispose();
    log(`workers stylenat_${size}: generator saved; ${images} images per round, one per job`);
    return await timePools({
      label: `stylenat_ffhq256 @${size}px`, workers, start: (w) => startGeneratorPool(dir, { workers: w }),
      run: (pool, x, _count, input) => generateInJobs(pool, x, { jobSize: 1, input }), inputs, count: images, jobSize: 1, rounds, log,
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
