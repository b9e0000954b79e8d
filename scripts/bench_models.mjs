// SPDX-License-Identifier: MIT
// Benchmark (not a test) of whole models: images/s and peak memory of nat_mini, dinat_mini, convmlp_s,
// cct_7_3x1_32 and cct_14_7x2_224 at their native resolution, batch 1 and 8, on each tfjs backend that runs here,
// beside two CPU peers in the same run: PyTorch (scripts/peers/zoo_torch.py, our own compact modules for the same
// architectures) and onnxruntime-node on the ONNX graph that script exports. The peers load our random weights,
// and their logits are compared with ours first (the parity columns), so every ratio compares one computation.
// Prints tables to stdout, progress to stderr, and writes bench-results/models.json.
//
//   pnpm bench:models                                   everything that runs here
//   node scripts/bench_models.mjs [--models=nat_mini,cct_7_3x1_32] [--backends=wasm,cpu,webgpu]
//        [--batches=1,8] [--quick] [--no-peers] [--out=file.json]
// Env: BENCH_QUICK=1, BENCH_MAX_RUN_S (skip a tfjs case whose single run is predicted slower; default 30),
//      BENCH_PYTHON (default /usr/bin/python3, the interpreter with Debian's python3-torch),
//      BENCH_PAIRS (interleaved tfjs-wasm / onnxruntime pairs for nat_mini at batch 1; default 9, quick 3).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { createModel, exportStateDict } from '@natzoo/models';
import { readNpy, writeNpy, writeSafetensors } from '@natzoo/train';
import { probeBackends } from './bench/backends.mjs';
import { headToHead, printHeadToHead } from './bench/head_to_head.mjs';
import { kernelBreakdown, printBreakdown } from './bench/kernel_profile.mjs';
import { median, runsFor } from './bench/measure.mjs';
import { probePeers, runOrt, runTorch, startOrtServer } from './bench/peers.mjs';
import { machineInfo, ms, printTable, writeJsonAtomic } from './bench/report.mjs';
import { setUpWebGPU } from './bench/webgpu_setup.mjs';

const ALL_MODELS = ['nat_mini', 'dinat_mini', 'convmlp_s', 'cct_7_3x1_32', 'cct_14_7x2_224'];

// ---- options ----
const argv = process.argv.slice(2);
const KNOWN = ['quick', 'backends', 'models', 'batches', 'no-peers', 'out'];
for (const a of argv) {
  if (!KNOWN.includes(a.replace(/^--/, '').split('=')[0])) {
    console.error(`bench_models: unknown argument ${a}; expected --models=, --backends=, --batches=, --quick, --no-peers, --out=`);
    process.exit(2);
  }
}
const argValue = (/** @type {string} */ name) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const list = (/** @type {string} */ s) => s.split(',').map((x) => x.trim()).filter(Boolean);
const QUICK = argv.includes('--quick') || process.env.BENCH_QUICK === '1';
const PEERS = !argv.includes('--no-peers');
const MODELS = list(argValue('models') ?? ALL_MODELS.join(','));
const BACKENDS = list(argValue('backends') ?? 'wasm,cpu');
const BATCHES = list(argValue('batches') ?? (QUICK ? '1' : '1,8')).map(Number);
const OUT = argValue('out') ?? fileURLToPath(new URL('../bench-results/models.json', import.meta.url));
const MAX_RUN_MS = Number(process.env.BENCH_MAX_RUN_S ?? 30) * 1000;
const PAIRS = Number(process.env.BENCH_PAIRS ?? (QUICK ? 3 : 9));
for (const m of MODELS) {
  if (!ALL_MODELS.includes(m)) {
    console.error(`bench_models: --models has '${m}'; expected some of ${ALL_MODELS.join(', ')}`);
    process.exit(2);
  }
}
if (BATCHES.some((b) => !Number.isInteger(b) || b < 1)) {
  console.error(`bench_models: --batches must be positive integers; got ${argValue('batches')}`);
  process.exit(2);
}

const started = performance.now();
const progress = (/** @type {string} */ msg) => console.error(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}`);
const MB = 1e6;

// ---- tfjs measurement: one profiled run (peak memory; also the first warm-up), a second warm-up when runs are
// short, then the median of an adaptive number of timed runs ----
async function measureTf(/** @type {() => tf.Tensor} */ fn) {
  const t0 = performance.now();
  const info = await tf.profile(() => tf.tidy(fn));
  await /** @type {tf.Tensor} */ (info.result).data();
  tf.dispose(/** @type {tf.Tensor} */ (info.result));
  let warmMs = performance.now() - t0;
  const once = async () => {
    const s = performance.now();
    const out = tf.tidy(fn);
    await out.data();
    out.dispose();
    return performance.now() - s;
  };
  if (!QUICK && warmMs < 2000) warmMs = await once();
  const runs = runsFor(warmMs, { quick: QUICK, targetMs: 3000, maxRuns: 30, maxRunMs: MAX_RUN_MS });
  const timesMs = [];
  for (let i = 0; i < runs; i++) timesMs.push(await once());
  return { medianMs: median(timesMs), timesMs, runs, peakBytes: info.peakBytes };
}

const maxAbs = (/** @type {ArrayLike<number>} */ a) => Array.prototype.reduce.call(a, (m, v) => Math.max(m, Math.abs(v)), 0);
const maxAbsDiff = (/** @type {ArrayLike<number>} */ a, /** @type {ArrayLike<number>} */ b) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

// ---- setup ----
const webgpuProblem = BACKENDS.includes('webgpu') ? await setUpWebGPU() : null;
const backends = await probeBackends(BACKENDS);
for (const b of backends) if (b.name === 'webgpu' && !b.ok && webgpuProblem) b.reason = webgpuProblem;
const runnable = BACKENDS.filter((n) => backends.some((b) => b.name === n && b.ok));
if (runnable.length === 0) {
  console.error(`bench_models: none of [${BACKENDS.join(', ')}] initialised`);
  process.exit(1);
}
const peers = PEERS ? await probePeers() : { torch: 'skipped (--no-peers)', ort: 'skipped (--no-peers)', torchVersion: null };
console.log('## runtimes');
for (const b of backends.filter((x) => BACKENDS.includes(x.name))) console.log(`# tfjs-${b.name.padEnd(8)} ${b.ok ? 'run' : 'skipped'}: ${b.reason}`);
console.log(`# torch        ${peers.torch == null ? `run: PyTorch ${peers.torchVersion} CPU, 1 thread` : `skipped: ${peers.torch}`}`);
console.log(`# onnxruntime  ${peers.ort == null ? 'run: onnxruntime-node CPU EP, 1 thread and the default (one per physical core)' : `skipped: ${peers.ort}`}`);

const meta = {
  ...machineInfo(),
  tfjs: tf.version.tfjs,
  torch: peers.torchVersion,
  quick: QUICK,
  batches: BATCHES,
  columns: {
    imgPerS: 'batch * 1000 / median ms of one forward pass (warm-up runs excluded)',
    peakBytesTfjs: 'tf.profile peakBytes: all live tensor bytes at the fullest point, weights included',
    peakBytesPeer: 'peak process RSS minus RSS before the model/session was created (weights, activations, allocator caches)',
    vsOrt1: 'img/s divided by onnxruntime-node 1-thread img/s for the same model and batch',
  },
};
const results = /** @type {any[]} */ ([]);
const parity = /** @type {any[]} */ ([]);
let breakdown = null;
let interleaved = /** @type {any[] | null} */ (null);
const save = (/** @type {boolean} */ complete) =>
  writeJsonAtomic(OUT, { meta: { ...meta, loadAverageAtEnd: loadavg() }, complete, backends, peers, parity, results, kernelBreakdown: breakdown, headToHead: interleaved });

/** backend -> its ms per image over the first backend's, learnt on the first model both ran. */
const slowdown = new Map();

// ---- one model ----
async function benchModel(/** @type {string} */ name) {
  await tf.setBackend(runnable[0]);
  const model = createModel(/** @type {any} */ (name));
  const size = /** @type {number} */ (model.inputs[0].shape[1]);
  const rows = [];
  const row = (/** @type {string} */ runtime, /** @type {number} */ batch, /** @type {any} */ extra) =>
    rows.push({ model: name, size, batch, runtime, ...extra });

  // Parity + ONNX export from our weights: the peers then run the computation we run.
  const dir = mkdtempSync(join(tmpdir(), 'natzoo-bench-'));
  const onnx = join(dir, `${name}.onnx`);
  let onnxReady = false;
  try {
    if (peers.torch == null) {
      progress(`${name}: exporting weights for the peers`);
      await writeSafetensors(join(dir, 'weights.safetensors'), exportStateDict(model));
      const x = tf.randomNormal([1, size, size, 3], 0, 1, 'float32', 7);
      await writeNpy(join(dir, 'input.npy'), /** @type {Float32Array} */ (await x.data()), x.shape);
      const ours = /** @type {Float32Array} */ (await tf.tidy(() => /** @type {tf.Tensor} */ (model.predict(x))).data());
      x.dispose();
      const t = await runTorch({ model: name, weights: join(dir, 'weights.safetensors'), input: join(dir, 'input.npy'),
        'logits-out': join(dir, 'torch.npy'), onnx, threads: 1 }, progress);
      if (t instanceof Error) {
        parity.push({ model: name, error: t.message });
        progress(`${name}: torch peer failed: ${t.message}`);
      } else {
        onnxReady = true;
        const theirs = /** @type {Float32Array} */ ((await readNpy(join(dir, 'torch.npy'))).data);
        const p = { model: name, backend: runnable[0], logitScale: maxAbs(theirs), maxAbsVsTorch: maxAbsDiff(ours, theirs) };
        if (peers.ort == null) {
          const o = await runOrt({ onnx, size, threads: 1, input: join(dir, 'input.npy'), 'logits-out': join(dir, 'ort.bin') }, progress);
          if (o instanceof Error) p.ortError = o.message;
          else {
            const bytes = readFileSync(join(dir, 'ort.bin'));
            p.maxAbsVsOrt = maxAbsDiff(ours, new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4));
          }
        }
        parity.push(p);
        progress(`${name}: parity max |tfjs - torch| ${p.maxAbsVsTorch.toExponential(2)} (logit scale ${p.logitScale.toFixed(3)})`);
      }
    }

    // tfjs backends
    for (const backend of runnable) {
      await tf.setBackend(backend);
      // Predicted ms per image: from this backend's smaller batch, else from the first backend times the
      // slowdown this backend showed on an earlier model (tfjs's JS cpu backend is 10-30x slower than wasm).
      const first = rows.find((r) => r.runtime === `tfjs-${runnable[0]}` && r.status === 'ok');
      let perImage = first && slowdown.has(backend) ? (first.medianMs / first.batch) * slowdown.get(backend) : 0;
      for (const batch of BATCHES) {
        if (perImage * batch > MAX_RUN_MS) {
          row(`tfjs-${backend}`, batch, { status: 'skipped', note: `~${((perImage * batch) / 1000).toFixed(0)} s/run predicted; cap ${MAX_RUN_MS / 1000} s (BENCH_MAX_RUN_S)` });
          continue;
        }
        progress(`${name} tfjs-${backend} batch ${batch}`);
        const x = tf.randomNormal([batch, size, size, 3]);
        const m = await measureTf(() => /** @type {tf.Tensor} */ (model.predict(x)));
        x.dispose();
        perImage = m.medianMs / batch;
        if (first && !slowdown.has(backend)) slowdown.set(backend, perImage / (first.medianMs / first.batch));
        row(`tfjs-${backend}`, batch, { status: 'ok', ...m, imgPerS: (batch * 1000) / m.medianMs });
        progress(`${name} tfjs-${backend} batch ${batch}: ${ms(m.medianMs)} ms (median of ${m.runs}), peak ${(m.peakBytes / MB).toFixed(0)} MB`);
      }
      if (name === 'nat_mini' && backend === 'wasm') {
        progress('nat_mini: per-kernel profile on wasm, batch 1');
        breakdown = await kernelBreakdown(model, size);
        if (onnxReady && peers.ort == null) {
          const server = await startOrtServer({ onnx, size, threads: 1 });
          try {
            interleaved = await headToHead(model, size, server, BATCHES, PAIRS, progress);
          } finally {
            server.close();
          }
        }
      }
    }
    model.dispose();

    // peers (their own processes; random weights for torch timing, ours in the ONNX graph)
    if (peers.torch == null) {
      const t = await runTorch({ model: name, batches: BATCHES.join(','), quick: QUICK, threads: 1 }, progress);
      for (const batch of BATCHES) {
        const r = t instanceof Error ? null : t.runs.find((/** @type {any} */ x) => x.batch === batch);
        if (r == null) row('torch-cpu 1t', batch, { status: 'failed', note: String(/** @type {any} */ (t).message ?? 'no result') });
        else {
          const timesMs = r.timesS.map((/** @type {number} */ s) => s * 1000);
          const med = median(timesMs);
          row('torch-cpu 1t', batch, { status: 'ok', medianMs: med, timesMs, runs: timesMs.length, peakBytes: r.peakRssBytes, imgPerS: (batch * 1000) / med });
        }
      }
    }
    if (peers.ort == null && onnxReady) {
      for (const threads of [1, 0]) {
        const label = threads === 1 ? 'onnxruntime 1t' : 'onnxruntime default';
        const o = await runOrt({ onnx, size, threads, batches: BATCHES.join(','), quick: QUICK }, progress);
        for (const batch of BATCHES) {
          const r = o instanceof Error ? null : o.runs.find((/** @type {any} */ x) => x.batch === batch);
          if (r == null) row(label, batch, { status: 'failed', note: String(/** @type {any} */ (o).message ?? 'no result') });
          else row(label, batch, { status: 'ok', medianMs: r.medianMs, timesMs: r.timesMs, runs: r.timesMs.length, peakBytes: r.peakRssBytes, imgPerS: (batch * 1000) / r.medianMs });
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  for (const r of rows) {
    const ref = rows.find((x) => x.runtime === 'onnxruntime 1t' && x.batch === r.batch && x.status === 'ok');
    if (ref && r.status === 'ok') r.vsOrt1 = r.imgPerS / ref.imgPerS;
  }
  return rows;
}

for (const name of MODELS) {
  results.push(...(await benchModel(name)));
  save(false);
}

// ---- report ----
const ORDER = ['tfjs-wasm', 'tfjs-webgpu', 'tfjs-cpu', 'onnxruntime 1t', 'onnxruntime default', 'torch-cpu 1t'];
const rank = (/** @type {any} */ r) => [MODELS.indexOf(r.model), r.batch, ORDER.indexOf(r.runtime)];
results.sort((a, b) => rank(a).map((v, i) => v - rank(b)[i]).find((d) => d !== 0) ?? 0);
const fmt = (/** @type {number | undefined} */ x, /** @type {number} */ d) => (x == null ? '' : x.toFixed(d));
printTable('models: images/s and peak memory', [
  { title: 'model', cell: (r) => `${r.model} @${r.size}`, left: true },
  { title: 'batch', cell: (r) => String(r.batch) },
  { title: 'runtime', cell: (r) => r.runtime, left: true },
  { title: 'img/s', cell: (r) => fmt(r.imgPerS, r.imgPerS < 10 ? 2 : 1) },
  { title: 'median ms', cell: (r) => ms(r.medianMs) },
  { title: 'runs', cell: (r) => (r.runs ? String(r.runs) : '') },
  { title: 'peak MB', cell: (r) => fmt(r.peakBytes == null ? undefined : r.peakBytes / MB, 0) },
  { title: 'vs ort 1t', cell: (r) => (r.vsOrt1 == null ? '' : `${r.vsOrt1.toFixed(2)}x`) },
  { title: 'note', cell: (r) => r.note ?? '', left: true },
], results, [
  'img/s = batch * 1000 / median ms of a forward pass, warm-up excluded; vs ort 1t = img/s / onnxruntime-node 1-thread img/s (same model, batch, run)',
  'peak MB: tfjs = tf.profile peakBytes (live tensors incl. weights); torch/onnxruntime = peak RSS growth of their process from before the model/session was built',
  `load average (1/5/15 min) at start ${meta.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')}, at end ${loadavg().map((l) => l.toFixed(2)).join(' ')}, on ${cpus().length} cores`,
  'rows are measured minutes apart, so a drifting load moves their ratios; the interleaved nat_mini table below pairs runs back to back',
]);
if (parity.length > 0) {
  printTable('peer parity (same weights, one random 1-image input)', [
    { title: 'model', cell: (r) => r.model, left: true },
    { title: 'tfjs backend', cell: (r) => r.backend ?? '', left: true },
    { title: 'max |logit|', cell: (r) => fmt(r.logitScale, 3) },
    { title: 'max |tfjs - torch|', cell: (r) => (r.maxAbsVsTorch == null ? '' : r.maxAbsVsTorch.toExponential(2)) },
    { title: 'max |tfjs - onnxruntime|', cell: (r) => (r.maxAbsVsOrt == null ? '' : r.maxAbsVsOrt.toExponential(2)) },
    { title: 'note', cell: (r) => r.error ?? r.ortError ?? '', left: true },
  ], parity, ['the peers load our weights (exportStateDict -> .safetensors), so the speed rows compare one computation']);
}
if (interleaved) printHeadToHead(interleaved, 'wasm');
if (breakdown) printBreakdown(breakdown);
save(true);
progress(`done; results in ${OUT}`);
