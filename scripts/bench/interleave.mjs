// SPDX-License-Identifier: MIT
// Several runtimes timed in interleaved rounds: each round runs every contender once, the starting contender
// rotating from round to round. On a machine whose load drifts, one round's runs see the same conditions, so the
// ratios of their medians hold up better than figures taken minutes apart. Used by scripts/bench_models.mjs for
// tfjs-wasm against onnxruntime-web and onnxruntime-node (each peer a started ort_peer --serve).
import { median } from './measure.mjs';

/**
 * @typedef {object} Contender
 * @property {string} label
 * @property {(batch: number) => Promise<number>} run one forward pass at this batch; resolves to its ms
 */

/** A sample shorter than this is the mean of back-to-back runs (timer and scheduler jitter on 1-ms passes). */
const MIN_SAMPLE_MS = 40;

/**
 * Rounds for a case: quick runs 3 (2 when a round takes over 10 s); a full run fills about 12 s, 3 to 9 rounds.
 * @param {number} roundMs one round's predicted duration @param {boolean} quick
 */
export function roundsFor(roundMs, quick) {
  if (quick) return roundMs > 10_000 ? 2 : 3;
  return Math.max(3, Math.min(9, Math.ceil(12_000 / Math.max(roundMs, 1))));
}

/**
 * Runs a contender until it stops getting faster: V8 compiles wasm with a baseline tier first and optimises hot
 * functions in the background, so the first passes of a wasm engine (onnxruntime-web's more than tfjs's) can be
 * several times slower than its steady state. At least `min` runs; stops once a run is within 15% of the one
 * before, after 8 runs, or when warming has taken 10 s (quick) / 20 s. Resolves to the last run's ms.
 * @param {Contender} c @param {number} batch @param {number} min @param {boolean} quick
 */
async function warmUp(c, batch, min, quick) {
  const budgetMs = quick ? 10_000 : 20_000;
  let spent = 0;
  let prev = Infinity;
  for (let i = 0; ; i++) {
    const t = await c.run(batch);
    spent += t;
    if ((i + 1 >= min && t > 0.85 * prev) || i + 1 >= 8 || spent > budgetMs) return t;
    prev = t;
  }
}

/**
 * Warms every contender up (at least `warmups` runs each, see warmUp), then times interleaved rounds.
 * @param {Contender[]} contenders @param {number} batch
 * @param {{ warmups: number, quick: boolean, progress: (msg: string) => void, context: string }} options
 * @returns {Promise<{ label: string, timesMs: number[], medianMs: number, repsPerSample: number }[]>}
 */
export async function interleavedRounds(contenders, batch, { warmups, quick, progress, context }) {
  const warmMs = [];
  for (const c of contenders) warmMs.push(await warmUp(c, batch, warmups, quick));
  const reps = warmMs.map((w) => Math.max(1, Math.min(50, Math.ceil(MIN_SAMPLE_MS / Math.max(w, 0.05)))));
  const rounds = roundsFor(warmMs.reduce((s, w, i) => s + w * reps[i], 0), quick);
  const times = contenders.map(() => /** @type {number[]} */ ([]));
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < contenders.length; j++) {
      const i = (j + r) % contenders.length;
      let total = 0;
      for (let k = 0; k < reps[i]; k++) total += await contenders[i].run(batch);
      times[i].push(total / reps[i]);
    }
    progress(`${context} batch ${batch} round ${r + 1}/${rounds}: ${contenders.map((c, i) => `${c.label} ${times[i][r].toFixed(1)} ms`).join(', ')}`);
  }
  return contenders.map((c, i) => ({ label: c.label, timesMs: times[i], medianMs: median(times[i]), repsPerSample: reps[i] }));
}

/**
 * Per-round ratios a/b (ms of b over ms of a: how many times faster a is), for the spread of one comparison.
 * @param {number[]} aMs @param {number[]} bMs
 */
export function roundRatios(aMs, bMs) {
  const ratios = aMs.map((a, i) => bMs[i] / a);
  return { min: Math.min(...ratios), max: Math.max(...ratios) };
}
