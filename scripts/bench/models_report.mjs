// SPDX-License-Identifier: MIT
// The tables of scripts/bench_models.mjs: the summary (one line per model and batch: ours against
// onnxruntime-web, onnxruntime-node and PyTorch, with parity), every runtime's row, and the parity table.
import { ORT_NODE, ORT_WEB, TORCH } from './model_case.mjs';
import { ms, printTable } from './report.mjs';

const MB = 1e6;
const fmt = (/** @type {number | null | undefined} */ x, /** @type {number} */ d) => (x == null || !Number.isFinite(x) ? '' : x.toFixed(d));
const rate = (/** @type {number | undefined} */ x) => (x == null ? '' : fmt(x, x < 10 ? 2 : 1));
const times = (/** @type {number | undefined} */ x) => (x == null ? '' : `${x.toFixed(2)}x`);
const exp = (/** @type {number | undefined} */ x) => (x == null ? '' : x.toExponential(1));

/**
 * One line per model and batch, from the rows of one run.
 * @param {any[]} results @param {any[]} parity @param {string} ours the raced tfjs runtime (`tfjs-wasm`)
 */
export function summarise(results, parity, ours) {
  const lines = [];
  for (const r of results.filter((x) => x.runtime === ours && x.status === 'ok')) {
    const peer = (/** @type {string} */ runtime) => results.find((x) => x.model === r.model && x.batch === r.batch && x.runtime === runtime && x.status === 'ok');
    const [web, node, torch] = [peer(ORT_WEB), peer(ORT_NODE), peer(TORCH)];
    const p = parity.find((x) => x.model === r.model) ?? {};
    lines.push({
      model: r.model, size: r.size, batch: r.batch, rounds: r.runs,
      oursImgPerS: r.imgPerS, ortWebImgPerS: web?.imgPerS, ortNodeImgPerS: node?.imgPerS, torchImgPerS: torch?.imgPerS,
      vsOrtWeb: web ? r.imgPerS / web.imgPerS : undefined, vsOrtNode1t: node ? r.imgPerS / node.imgPerS : undefined,
      vsOrtWebRoundRange: r.roundRatios?.[ORT_WEB],
      maxAbsLogitDiffVsOrtWeb: p.maxAbsVsOrtWeb, maxAbsLogitDiffVsTorch: p.maxAbsVsTorch, logitScale: p.logitScale,
    });
  }
  return lines;
}

/** @param {any[]} lines from summarise @param {string} ours @param {string[]} footnotes */
export function printSummary(lines, ours, footnotes) {
  printTable(`${ours} against onnxruntime-web (wasm, 1 thread), onnxruntime-node (1 thread) and PyTorch (1 thread)`, [
    { title: 'model', cell: (r) => `${r.model} @${r.size}`, left: true },
    { title: 'batch', cell: (r) => String(r.batch) },
    { title: 'ours img/s', cell: (r) => rate(r.oursImgPerS) },
    { title: 'ort-web img/s', cell: (r) => rate(r.ortWebImgPerS) },
    { title: 'vs ort-web', cell: (r) => times(r.vsOrtWeb) },
    { title: 'round range', cell: (r) => (r.vsOrtWebRoundRange ? `${r.vsOrtWebRoundRange.min.toFixed(2)}-${r.vsOrtWebRoundRange.max.toFixed(2)}` : '') },
    { title: 'vs ort-node 1t', cell: (r) => times(r.vsOrtNode1t) },
    { title: 'torch img/s', cell: (r) => rate(r.torchImgPerS) },
    { title: 'max|Δlogit|', cell: (r) => exp(r.maxAbsLogitDiffVsOrtWeb) },
    { title: 'rounds', cell: (r) => String(r.rounds) },
  ], lines, footnotes);
}

/** Every runtime's row (interleaved or not), with peak memory. */
export function printAllRows(/** @type {any[]} */ results) {
  printTable('every runtime: images/s and peak memory', [
    { title: 'model', cell: (r) => `${r.model} @${r.size}`, left: true },
    { title: 'batch', cell: (r) => String(r.batch) },
    { title: 'runtime', cell: (r) => r.runtime, left: true },
    { title: 'img/s', cell: (r) => rate(r.imgPerS) },
    { title: 'median ms', cell: (r) => ms(r.medianMs) },
    { title: 'runs', cell: (r) => (r.runs ? `${r.runs}${r.interleaved ? ' (i)' : ''}` : '') },
    { title: 'peak MB', cell: (r) => fmt(r.peakBytes == null ? undefined : r.peakBytes / MB, 0) },
    { title: 'note', cell: (r) => r.note ?? '', left: true },
  ], results, [
    "runs: timed runs after warm-up; '(i)': interleaved rounds (one run of each contender per round, the starting one rotating)",
    'peak MB: tfjs = tf.profile peakBytes (live tensors incl. weights); torch / onnxruntime-node default = peak RSS growth of their process from before the model/session was built',
  ]);
}

export function printParity(/** @type {any[]} */ parity) {
  printTable('peer parity (same weights, one random 1-image input)', [
    { title: 'model', cell: (r) => r.model, left: true },
    { title: 'tfjs backend', cell: (r) => r.backend ?? '', left: true },
    { title: 'max |logit|', cell: (r) => fmt(r.logitScale, 3) },
    { title: 'vs torch', cell: (r) => exp(r.maxAbsVsTorch) },
    { title: 'vs ort-web', cell: (r) => exp(r.maxAbsVsOrtWeb) },
    { title: 'vs ort-node', cell: (r) => exp(r.maxAbsVsOrtNode) },
    { title: 'note', cell: (r) => r.error ?? r.webError ?? r.nodeError ?? '', left: true },
  ], parity, ['max |tfjs - peer| over the logits; the peers load our weights (exportStateDict -> .safetensors, then ONNX), so the speed rows compare one computation']);
}

/** The StyleNAT row. */
export function printStyleNAT(/** @type {any} */ s) {
  printTable('StyleNAT FFHQ-256 generator (random weights), z -> image', [
    { title: 'backend', cell: (r) => r.backend, left: true },
    { title: 'batch', cell: (r) => String(r.batch) },
    { title: 'first ms', cell: (r) => ms(r.firstMs) },
    { title: 'median ms', cell: (r) => ms(r.medianMs) },
    { title: 'runs', cell: (r) => String(r.runs) },
    { title: 'img/s', cell: (r) => fmt(r.imagesPerSec, 3) },
    { title: 'matmul GFLOP/img', cell: (r) => fmt(r.matmulGflopPerImage, 1) },
    { title: 'matmul GFLOP/s', cell: (r) => fmt(r.matmulGflopPerS, 1) },
    { title: 'matmul share', cell: (r) => `${fmt(100 * r.matmulShare, 0)}%` },
  ], [s], ['matmul GFLOP/s: FLOPs of BatchMatMul/_FusedMatMul and our Linear kernel (from their shapes) over their tf.profile kernel time in one profiled pass; share: of the summed kernel time']);
}
