// SPDX-License-Identifier: MIT
// Benchmark (not a test) of whole models: every family's representative (the shipped cct_2_3x2_32, cct_7_3x1_32,
// cvt_7_4_32, cct_14_7x2_224, nat_mini, dinat_mini, dinat_s_tiny, nat_isotropic_small, convmlp_s) at its native
// resolution, batch 1 and 8, on tfjs-wasm against onnxruntime-web (wasm backend, SIMD, 1 thread) and
// onnxruntime-node (1 thread) in interleaved rounds, beside PyTorch (1 thread) and onnxruntime-node's default
// thread count. The peers run the graph of scripts/peers/zoo_torch.py (our own compact PyTorch modules, exported
// to ONNX) loaded with our random weights; their logits are compared with ours first (the parity columns), so
// every ratio compares one computation. Then where the time goes (tf.profile, each kernel counted once), the
// StyleNAT FFHQ-256 generator row (img/s and the GFLOP/s of its matmuls) and the worker-scaling rows.
// Prints tables to stdout, progress to stderr, and writes bench-results/models.json (atomically, after each model).
//
//   pnpm bench:models                       everything, about twice as long as --quick
//   pnpm bench:models --quick               1 warm-up, 2-3 rounds, StyleNAT 1 timed image: about 20 minutes on 2
//                                           cores at load average ~4.5 (14 with --no-torch), longer on shared cores
//   node scripts/bench_models.mjs [--models=nat_mini,cct_7_3x1_32] [--batches=1,8] [--backends=wasm,cpu,webgpu]
//        [--quick] [--no-peers] [--no-torch] [--no-profile] [--no-stylenat] [--workers=1,2] [--out=file.json]
// --no-torch: PyTorch still exports the ONNX graph and checks parity, but is not timed (Debian's build is the
// slowest runtime here: a third of a quick run).
// --backends: the first one is raced against the peers; the others are timed on their own (default wasm).
// Env: BENCH_QUICK=1, BENCH_MAX_RUN_S (skip a non-raced tfjs case whose run is predicted slower; default 30),
//      BENCH_PYTHON (default /usr/bin/python3, the interpreter with Debian's python3-torch).
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { probeBackends } from './bench/backends.mjs';
import { printBreakdowns } from './bench/kernel_profile.mjs';
import { benchModel } from './bench/model_case.mjs';
import { printAllRows, printParity, printStyleNAT, printSummary, summarise } from './bench/models_report.mjs';
import { probePeers } from './bench/peers.mjs';
import { machineInfo, writeJsonAtomic } from './bench/report.mjs';
import { styleNATRow } from './bench/stylenat.mjs';
import { setUpWebGPU } from './bench/webgpu_setup.mjs';
import { printWorkerScaling, workerScaling } from './bench/worker_scaling.mjs';

const ALL_MODELS = ['cct_2_3x2_32', 'cct_7_3x1_32', 'cvt_7_4_32', 'cct_14_7x2_224', 'nat_mini', 'dinat_mini', 'dinat_s_tiny', 'nat_isotropic_small', 'convmlp_s'];
const WORKER_MODELS = ['nat_mini', 'cct_7_3x1_32'];

// ---- options ----
const argv = process.argv.slice(2);
const KNOWN = ['quick', 'backends', 'models', 'batches', 'no-peers', 'no-torch', 'no-profile', 'no-stylenat', 'workers', 'out'];
for (const a of argv) {
  if (!KNOWN.includes(a.replace(/^--/, '').split('=')[0])) {
    console.error(`bench_models: unknown argument ${a}; expected ${KNOWN.map((k) => `--${k}`).join(', ')}`);
    process.exit(2);
  }
}
const argValue = (/** @type {string} */ name) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const list = (/** @type {string} */ s) => s.split(',').map((x) => x.trim()).filter(Boolean);
const QUICK = argv.includes('--quick') || process.env.BENCH_QUICK === '1';
const MODELS = list(argValue('models') ?? ALL_MODELS.join(','));
const BACKENDS = list(argValue('backends') ?? 'wasm');
const BATCHES = list(argValue('batches') ?? '1,8').map(Number);
const WORKERS = list(argValue('workers') ?? '1,2').map(Number);
const OUT = argValue('out') ?? fileURLToPath(new URL('../bench-results/models.json', import.meta.url));
for (const m of MODELS) {
  if (!ALL_MODELS.includes(m)) {
    console.error(`bench_models: --models has '${m}'; expected some of ${ALL_MODELS.join(', ')}`);
    process.exit(2);
  }
}
for (const [flag, values] of /** @type {const} */ ([['batches', BATCHES], ['workers', WORKERS]])) {
  if (values.some((b) => !Number.isInteger(b) || b < 1)) {
    console.error(`bench_models: --${flag} must be positive integers; got ${argValue(flag)}`);
    process.exit(2);
  }
}

const started = performance.now();
const progress = (/** @type {string} */ msg) => console.error(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}`);

// ---- setup ----
const webgpuProblem = BACKENDS.includes('webgpu') ? await setUpWebGPU() : null;
const backends = await probeBackends(BACKENDS);
for (const b of backends) if (b.name === 'webgpu' && !b.ok && webgpuProblem) b.reason = webgpuProblem;
const runnable = BACKENDS.filter((n) => backends.some((b) => b.name === n && b.ok));
if (runnable.length === 0) {
  console.error(`bench_models: none of [${BACKENDS.join(', ')}] initialised`);
  process.exit(1);
}
const OURS = `tfjs-${runnable[0]}`;
const peers = argv.includes('--no-peers')
  ? { torch: 'skipped (--no-peers)', ort: 'skipped (--no-peers)', ortWeb: 'skipped (--no-peers)', torchVersion: null }
  : await probePeers();
console.log('## runtimes');
for (const b of backends.filter((x) => BACKENDS.includes(x.name))) console.log(`# tfjs-${b.name.padEnd(8)} ${b.ok ? 'run' : 'skipped'}: ${b.reason}`);
console.log(`# torch            ${peers.torch == null ? `run: PyTorch ${peers.torchVersion} CPU, 1 thread` : `skipped: ${peers.torch}`}`);
console.log(`# onnxruntime-web  ${peers.ortWeb == null ? 'run: wasm backend (SIMD), ort.env.wasm.numThreads = 1, interleaved with ours' : `skipped: ${peers.ortWeb}`}`);
console.log(`# onnxruntime-node ${peers.ort == null ? 'run: CPU EP, 1 thread (interleaved with ours) and the default (one per physical core)' : `skipped: ${peers.ort}`}`);

const meta = {
  ...machineInfo(),
  tfjs: tf.version.tfjs,
  torch: peers.torchVersion,
  quick: QUICK,
  batches: BATCHES,
  raced: OURS,
  columns: {
    imgPerS: 'batch * 1000 / median ms of one forward pass (warm-up runs excluded)',
    vsOrtWeb: `${OURS} img/s / onnxruntime-web img/s, medians of the same interleaved rounds`,
    vsOrtNode1t: `${OURS} img/s / onnxruntime-node 1-thread img/s, medians of the same interleaved rounds`,
    maxAbsLogitDiff: 'max |ours - peer| over the logits of one random input, our weights in both',
    peakBytesTfjs: 'tf.profile peakBytes: all live tensor bytes at the fullest point, weights included',
    peakBytesPeer: 'peak process RSS minus RSS before the model/session was created (weights, activations, allocator caches)',
  },
};
const results = /** @type {any[]} */ ([]);
const parity = /** @type {any[]} */ ([]);
const breakdowns = /** @type {any[]} */ ([]);
let stylenat = /** @type {any} */ (null);
let workers = /** @type {{ status: string, rows: any[] } | null} */ (null);
const save = (/** @type {boolean} */ complete) => writeJsonAtomic(OUT, {
  meta: { ...meta, loadAverageAtEnd: loadavg() }, complete, backends, peers,
  summary: summarise(results, parity, OURS), parity, results, kernelBreakdown: breakdowns, stylenat, workerScaling: workers,
});

// ---- models ----
const ctx = {
  backends: runnable, batches: BATCHES, quick: QUICK, profile: !argv.includes('--no-profile'), torchTiming: !argv.includes('--no-torch'), peers,
  maxRunMs: Number(process.env.BENCH_MAX_RUN_S ?? 30) * 1000, slowdown: new Map(), progress,
};
for (const name of MODELS) {
  try {
    const r = await benchModel(name, ctx);
    results.push(...r.rows);
    parity.push(r.parity);
    if (r.breakdown) breakdowns.push(r.breakdown);
  } catch (err) {
    const message = String(/** @type {any} */ (err)?.message ?? err).split('\n')[0];
    progress(`${name}: failed: ${message}`);
    parity.push({ model: name, error: message });
  }
  save(false);
}

// ---- StyleNAT and worker scaling ----
if (!argv.includes('--no-stylenat')) {
  await tf.setBackend(runnable[0]);
  try {
    stylenat = await styleNATRow({ quick: QUICK, progress });
  } catch (err) {
    stylenat = { error: String(/** @type {any} */ (err)?.message ?? err).split('\n')[0] };
  }
  save(false);
}
workers = await workerScaling({ models: WORKER_MODELS, workers: WORKERS, quick: QUICK, progress });

// ---- report ----
const ORDER = [OURS, 'onnxruntime-web 1t', 'onnxruntime-node 1t', 'tfjs-webgpu', 'tfjs-cpu', 'onnxruntime-node default', 'torch-cpu 1t'];
const rank = (/** @type {any} */ r) => [MODELS.indexOf(r.model), r.batch, ORDER.indexOf(r.runtime)];
results.sort((a, b) => rank(a).map((v, i) => v - rank(b)[i]).find((d) => d !== 0) ?? 0);
printSummary(summarise(results, parity, OURS), OURS, [
  `img/s = batch * 1000 / median ms of a forward pass, warm-up excluded; ${OURS}, onnxruntime-web and onnxruntime-node 1t timed in interleaved rounds`,
  'vs ort-web / vs ort-node 1t = ours img/s / theirs (> 1: ours faster); round range = min-max of the per-round ratios vs ort-web',
  'torch img/s: its own process, not interleaved; max|Δlogit| = max |ours - onnxruntime-web| over the logits (all peers in the parity table)',
  `load average (1/5/15 min) at start ${meta.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')}, at end ${loadavg().map((l) => l.toFixed(2)).join(' ')}, on ${cpus().length} cores`,
]);
printAllRows(results);
if (parity.length > 0) printParity(parity);
if (breakdowns.length > 0) printBreakdowns(breakdowns);
if (stylenat?.error) console.log(`\n## StyleNAT\n# failed: ${stylenat.error}`);
else if (stylenat) printStyleNAT(stylenat);
printWorkerScaling(workers);
save(true);
progress(`done; results in ${OUT}`);
