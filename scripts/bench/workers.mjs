// SPDX-License-Identifier: MIT
// Worker-thread scaling of data-parallel inference (@natzoo/train's startInferencePool, and startGeneratorPool
// through timePools): img/s of batch jobs at 1, 2, ... workers, each worker one tfjs-wasm core with its own copy
// of the model. The pools of every worker count stay up side by side and take turns per round (the order
// alternating), so load from elsewhere falls on all of them alike; the ratio to one worker is the median of the
// per-round ratios. Used by
// scripts/bench_workers.mjs (folded into bench:models as its worker-scaling rows) and bench_stylenat.mjs --workers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createModel } from '@natzoo/models';
import { predictInJobs, saveModelDir, startInferencePool } from '@natzoo/train';
import { median } from './measure.mjs';

/**
 * @typedef {object} WorkerScalingOptions
 * @property {string[]} models     registry names (random weights: throughput does not depend on them)
 * @property {number[]} workers    worker counts, e.g. [1, 2]; the first is the baseline of the ratios
 * @property {number} jobSize      images per job (one batch on one worker)
 * @property {(model: string) => number} images  images per round for a model (a multiple of jobSize * max workers keeps every worker busy)
 * @property {number} rounds       interleaved rounds
 * @property {(line: string) => void} [log]
 */

/**
 * @typedef {object} WorkerScalingRow
 * @property {string} model
 * @property {number} workers
 * @property {number} images      per round
 * @property {number} jobSize
 * @property {number} imgPerSec   median over rounds
 * @property {number[]} roundImgPerSec
 * @property {number} speedup     median of the per-round ratios to the baseline worker count
 * @property {number} cpuMsPerImage median over rounds of this process's CPU time (main thread and workers) per image
 * @property {number} cpuEfficiency the baseline's CPU time per image / this one's: 1 when spreading the work costs
 *   nothing extra, so that on idle cores the speedup would be the worker count (a measure the machine's other load
 *   skews far less than wall time)
 * @property {number} startMs     starting the pool (workers, tfjs, model load)
 * @property {boolean} sameOutput every round's outputs (logits, images) equal to the baseline's, bit for bit
 */

/** A converted-model directory of `name` with random weights, in a temporary folder; returns it and a cleanup. */
async function modelDirOf(/** @type {string} */ name) {
  const dir = mkdtempSync(join(tmpdir(), `natzoo-bench-workers-${name}-`));
  const model = createModel(/** @type {any} */ (name));
  const [, height, width, channels] = /** @type {number[]} */ (model.inputs[0].shape);
  const classes = /** @type {number} */ (model.outputs[0].shape[1]);
  const preprocess = {
    model: name, inputSize: [channels, height, width], mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], cropPct: 1,
    interpolation: 'bicubic', labels: Array.from({ length: classes }, (_, i) => `class ${i}`),
  };
  await saveModelDir(model, join(dir, 'model'), /** @type {any} */ (preprocess));
  model.dispose();
  return { dir: join(dir, 'model'), inputSize: height * width * channels, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Times pools of every worker count in interleaved rounds (see the header) on the same `count` items, in jobs of
 * `jobSize`: a warm-up job per worker first, then `rounds` rounds. Rows as WorkerScalingRow, `model` = `label`.
 * @param {object} options
 * @param {string} options.label
 * @param {number[]} options.workers  the first is the baseline of the ratios
 * @param {(workers: number) => Promise<import('@natzoo/train').InferencePool>} options.start
 * @param {(pool: any, inputs: Float32Array, count: number, input: string) => Promise<Float32Array>} options.run  the jobs of one round
 * @param {Float32Array} options.inputs  `count` items
 * @param {number} options.count
 * @param {number} options.jobSize
 * @param {number} options.rounds
 * @param {(line: string) => void} options.log
 * @returns {Promise<WorkerScalingRow[]>}
 */
export async function timePools({ label, workers, start, run, inputs, count, jobSize, rounds, log }) {
  /** @type {{ workers: number, pool: import('@natzoo/train').InferencePool, startMs: number, times: number[], cpuMs: number[], same: boolean, output?: Float32Array }[]} */
  const pools = [];
  try {
    for (const w of workers) {
      const t0 = performance.now();
      const pool = await start(w);
      pools.push({ workers: w, pool, startMs: performance.now() - t0, times: [], cpuMs: [], same: true });
      log(`workers ${label}: ${w} started in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    // A warm-up job per worker (first-call compilation, heap growth), then the timed rounds.
    for (const p of pools) {
      const warm = Math.min(count, p.workers * jobSize);
      await run(p.pool, inputs.subarray(0, warm * p.pool.inputSize), warm, 'warm-up');
    }
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? pools : [...pools].reverse();
      for (const p of order) {
        const t0 = performance.now();
        const cpu0 = process.cpuUsage();
        const output = await run(p.pool, inputs, count, `round ${round}`);
        p.times.push(performance.now() - t0);
        const cpu = process.cpuUsage(cpu0);
        p.cpuMs.push((cpu.user + cpu.system) / 1000);
        pools[0].output ??= output;
        p.same &&= output.every((v, i) => Object.is(v, /** @type {Float32Array} */ (pools[0].output)[i]));
      }
      log(`workers ${label} round ${round + 1}/${rounds}: ${pools.map((p) => `${p.workers}w ${(count / (p.times.at(-1) / 1000)).toFixed(3)} img/s`).join(', ')}`);
    }
  } finally {
    await Promise.all(pools.map((p) => p.pool.close()));
  }
  const base = pools[0];
  return pools.map((p) => {
    const roundImgPerSec = p.times.map((t) => count / (t / 1000));
    return {
      model: label, workers: p.workers, images: count, jobSize, imgPerSec: median(roundImgPerSec), roundImgPerSec,
      speedup: median(p.times.map((t, r) => base.times[r] / t)), cpuMsPerImage: median(p.cpuMs) / count,
      cpuEfficiency: median(base.cpuMs) / median(p.cpuMs), startMs: p.startMs, sameOutput: p.same,
    };
  });
}

/** @param {WorkerScalingOptions} options @returns {Promise<WorkerScalingRow[]>} */
export async function workerScaling(options) {
  const log = options.log ?? ((line) => console.error(line));
  /** @type {WorkerScalingRow[]} */
  const rows = [];
  for (const name of options.models) {
    const { dir, inputSize, cleanup } = await modelDirOf(name);
    const count = options.images(name);
    const inputs = tf.tidy(() => tf.randomUniform([count * inputSize], -1, 1, 'float32', 7).dataSync());
    try {
      rows.push(...(await timePools({
        label: name, workers: options.workers, start: (workers) => startInferencePool(dir, { workers }),
        run: (pool, x, n, input) => predictInJobs(pool, x, n, options.jobSize, input), inputs, count, jobSize: options.jobSize, rounds: options.rounds, log,
      })));
    } finally {
      cleanup();
    }
  }
  return rows;
}

/**
 * The columns of a worker-scaling table (rows from timePools): `extra` after the worker count, img/s to `digits`,
 * and the same-output column titled `sameTitle`.
 * @param {{ extra?: { title: string, cell: (r: any) => string, left?: boolean }[], digits: number, sameTitle: string }} o
 */
export function poolColumns({ extra = [], digits, sameTitle }) {
  return [
    { title: 'workers', cell: (/** @type {any} */ r) => String(r.workers) },
    { title: 'images/round', cell: (/** @type {any} */ r) => String(r.images) },
    ...extra,
    { title: 'img/s', cell: (/** @type {any} */ r) => r.imgPerSec.toFixed(digits) },
    { title: 'rounds img/s', cell: (/** @type {any} */ r) => r.roundImgPerSec.map((/** @type {number} */ x) => x.toFixed(digits)).join(' '), left: true },
    { title: 'vs 1 worker', cell: (/** @type {any} */ r) => `${r.speedup.toFixed(2)}x` },
    { title: 'cpu s/img', cell: (/** @type {any} */ r) => (r.cpuMsPerImage / 1000).toFixed(2) },
    { title: 'cpu efficiency', cell: (/** @type {any} */ r) => r.cpuEfficiency.toFixed(2) },
    { title: 'start s', cell: (/** @type {any} */ r) => (r.startMs / 1000).toFixed(1) },
    { title: sameTitle, cell: (/** @type {any} */ r) => (r.sameOutput ? 'yes' : 'NO'), left: true },
  ];
}

/**
 * The notes under a worker-scaling table: the machine and its load before and after, the rounds, what cpu s/img means.
 * @param {{ cpus: number, cpuModel: string, loadAverageAtStart: number[] }} info @param {number[]} loadAverageAtEnd
 * @param {string} roundsNote
 */
export function poolNotes(info, loadAverageAtEnd, roundsNote) {
  const load = (/** @type {number[]} */ l) => l.map((x) => x.toFixed(2)).join(' ');
  return [
    `${info.cpus} cores (${info.cpuModel}); load average ${load(info.loadAverageAtStart)} at start, ${load(loadAverageAtEnd)} at end`,
    `${roundsNote}; vs 1 worker: median of the per-round ratios`,
    "cpu s/img: CPU time of this process (main thread + workers) per image; cpu efficiency: 1 worker's / this one's (1.00: spreading costs nothing, so idle cores would give a speedup of the worker count)",
  ];
}
