// SPDX-License-Identifier: MIT
// Benchmark (not a test) of one training step (forward + backward + AdamW update, dropout and drop path on) in
// images per second and peak memory, per model, batch size, backend and recomputation setting. CCT models run at
// their own 32x32 input; NAT models at 224. Each case runs in its own process: its peak memory is its own, and a
// case that exhausts wasm's heap cannot break the next. Prints a table and writes bench-results/train.json.
//
//   pnpm bench:train
//   node scripts/bench_train.mjs [--backends=wasm,cpu] [--batches=8,32] [--models=cct_2_3x2_32,...]
//        [--recompute=on,off] [--micro-batch=16] [--quick] [--out=file.json]
// --micro-batch=N runs batches larger than N as slices of N with summed gradients (one optimizer step).
// Env: BENCH_MAX_CASE_S (stop measuring a case after this many seconds; default 60, quick 20).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { createModel, isModelName } from '@natzoo/models';
import { registerTrainingKernels } from '@natzoo/core/training-kernels';
import { AdamW, computeGradients, planRecompute, rngFor, trainableParams } from '@natzoo/train';
import { probeBackends } from './bench/backends.mjs';
import { machineInfo, printTable, writeJsonAtomic } from './bench/report.mjs';

const argv = process.argv.slice(2);
const KNOWN = ['quick', 'backends', 'batches', 'models', 'recompute', 'micro-batch', 'out', 'case'];
for (const a of argv) {
  if (!KNOWN.includes(a.replace(/^--/, '').split('=')[0])) {
    console.error(`bench_train: unknown argument ${a}; expected ${KNOWN.filter((k) => k !== 'case').map((k) => `--${k}`).join(', ')}`);
    process.exit(2);
  }
}
const argValue = (/** @type {string} */ name) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const list = (/** @type {string | undefined} */ v, /** @type {string} */ d) => (v ?? d).split(',').map((s) => s.trim()).filter(Boolean);
const QUICK = argv.includes('--quick');
const MAX_CASE_MS = Number(process.env.BENCH_MAX_CASE_S ?? (QUICK ? 20 : 60)) * 1000;

/** Child: measure one case and print it as the last line of stdout. */
async function measureCase({ model: name, backend, batch, recompute, microBatch }) {
  await probeBackends([backend]);
  await tf.setBackend(backend);
  registerTrainingKernels();
  const model = createModel(name);
  const [, h, w] = model.inputs[0].shape;
  const classes = model.outputs[0].shape[1];
  const params = trainableParams(model.weights);
  const opt = new AdamW(params, { weightDecay: 0.05 });
  const plan = recompute ? planRecompute(model) : undefined;
  if (plan !== undefined && 'unsupported' in plan) throw new Error(`no recomputation: ${plan.unsupported}`);
  const options = { recompute: plan, microBatch: microBatch !== null && batch > microBatch ? microBatch : undefined };
  const x = tf.randomNormal([batch, h, w, 3], 0, 1, 'float32', 1);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % classes), 'int32'), classes).toFloat();
  const step = (i) => {
    const t0 = performance.now();
    const { grads } = computeGradients(model, params, x, y, rngFor(0, 'bench', i), options);
    opt.apply(grads, 1e-4);
    for (const g of grads.values()) g.dispose();
    params[0].variable.dataSync();
    return performance.now() - t0;
  };
  const base = { model: name, backend, batch, recompute, microBatch: options.microBatch ?? null, input: `${h}x${w}`, params: params.reduce((n, p) => n + p.variable.size, 0) };
  const warm = step(0);
  const times = [];
  const caseStart = performance.now();
  while (warm <= MAX_CASE_MS && times.length < (QUICK ? 1 : 3) && performance.now() - caseStart + warm < MAX_CASE_MS) times.push(step(times.length + 1));
  if (times.length === 0) times.push(warm);
  times.sort((a, b) => a - b);
  const medianMs = times[Math.floor(times.length / 2)];
  // wasm's heap only grows, so its size is the step's high-water mark; the process's peak RSS covers cpu.
  const heap = backend === 'wasm' ? tf.backend().wasm.HEAPU8.buffer.byteLength : null;
  return {
    ...base, warmMs: warm, medianMs, runs: times.length, imgPerSec: (1000 * batch) / medianMs,
    wasmHeapMB: heap === null ? null : Math.round(heap / 2 ** 20), peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    ...(times.length === 1 && warm > MAX_CASE_MS ? { note: 'one step (over the time cap)' } : {}),
  };
}

if (argValue('case') !== undefined) {
  const spec = JSON.parse(argValue('case'));
  console.log(JSON.stringify(await measureCase(spec)));
  process.exit(0);
}

const BACKENDS = list(argValue('backends'), 'wasm,cpu');
const BATCHES = list(argValue('batches'), '8,32').map(Number);
const MODELS = list(argValue('models'), 'cct_2_3x2_32,cct_7_3x1_32,nat_mini');
const RECOMPUTE = list(argValue('recompute'), 'on').map((v) => v === 'on');
const MICRO = argValue('micro-batch') === undefined ? null : Number(argValue('micro-batch'));
if (MICRO !== null && !(Number.isInteger(MICRO) && MICRO > 0)) throw new Error(`--micro-batch must be a positive integer; got ${argValue('micro-batch')}`);
const OUT = argValue('out') ?? fileURLToPath(new URL('../bench-results/train.json', import.meta.url));
const started = performance.now();
const progress = (/** @type {string} */ msg) => console.error(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}`);

const models = MODELS.filter((name) => isModelName(name) || (console.log(`${name}: not a registered model; skipped`), false));
const backends = (await probeBackends(BACKENDS)).filter((b) => BACKENDS.includes(b.name));
for (const b of backends.filter((x) => !x.ok)) console.log(`backend ${b.name}: ${b.reason}`);

const rows = [];
for (const { name: backend, ok } of backends) {
  if (!ok) continue;
  for (const name of models) {
    for (const recompute of RECOMPUTE) {
      for (const batch of BATCHES) {
        const label = `${name} ${backend} batch ${batch} recompute ${recompute ? 'on' : 'off'}`;
        progress(label);
        // A step grows about linearly with the batch: skip a case whose predicted step is beyond the cap.
        const smaller = rows.find((r) => r.model === name && r.backend === backend && r.recompute === recompute && r.batch < batch && r.medianMs != null);
        const predicted = smaller === undefined ? 0 : (smaller.medianMs * batch) / smaller.batch;
        if (predicted > MAX_CASE_MS) {
          rows.push({ model: name, backend, batch, recompute, note: `skipped: predicted ${(predicted / 1000).toFixed(0)} s per step (BENCH_MAX_CASE_S)` });
          progress(`  ${rows.at(-1).note}`);
          continue;
        }
        const spec = JSON.stringify({ model: name, backend, batch, recompute, microBatch: MICRO });
        const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), `--case=${spec}`, ...(QUICK ? ['--quick'] : [])], { encoding: 'utf8', maxBuffer: 1 << 26 });
        const last = child.stdout.trim().split('\n').at(-1) ?? '';
        if (child.status === 0 && last.startsWith('{')) {
          rows.push(JSON.parse(last));
        } else {
          const why = `${child.stderr}\n${child.stdout}`.split('\n').find((l) => /Error|abort|out of bounds|outside the bounds/i.test(l)) ?? `exit ${child.status ?? child.signal}`;
          rows.push({ model: name, backend, batch, recompute, microBatch: MICRO !== null && batch > MICRO ? MICRO : null, note: `failed: ${why.trim().slice(0, 110)}` });
        }
        const r = rows.at(-1);
        progress(r.imgPerSec == null ? `  ${r.note}` : `  ${r.imgPerSec.toFixed(2)} img/s (median of ${r.runs} steps, ${r.medianMs.toFixed(0)} ms), peak ${r.wasmHeapMB ?? r.peakRssMB} MB`);
      }
    }
  }
}

const ratioTo = (r) => {
  const base = rows.find((q) => q.model === r.model && q.batch === r.batch && q.recompute === r.recompute && q.backend === 'cpu');
  return base?.imgPerSec && r.imgPerSec && r.backend !== 'cpu' ? `${(r.imgPerSec / base.imgPerSec).toFixed(1)}x` : '';
};
printTable('training step (forward + backward + AdamW), images per second', [
  { title: 'model', cell: (r) => r.model, left: true },
  { title: 'input', cell: (r) => r.input ?? '', left: true },
  { title: 'backend', cell: (r) => r.backend, left: true },
  { title: 'batch', cell: (r) => String(r.batch) },
  { title: 'recompute', cell: (r) => (r.recompute ? 'on' : 'off') },
  { title: 'micro', cell: (r) => (r.microBatch == null ? '' : String(r.microBatch)) },
  { title: 'img/s', cell: (r) => (r.imgPerSec == null ? '' : r.imgPerSec.toFixed(2)) },
  { title: 'step ms', cell: (r) => (r.medianMs == null ? '' : r.medianMs.toFixed(0)) },
  { title: 'runs', cell: (r) => (r.runs == null ? '' : String(r.runs)) },
  { title: 'wasm heap MB', cell: (r) => (r.wasmHeapMB == null ? '' : String(r.wasmHeapMB)) },
  { title: 'peak RSS MB', cell: (r) => (r.peakRssMB == null ? '' : String(r.peakRssMB)) },
  { title: 'vs cpu', cell: ratioTo },
  { title: 'note', cell: (r) => r.note ?? '', left: true },
], rows, [`tfjs ${tf.version_core}; wasm is single-threaded in Node; median step after one warm-up step; one process per case`]);
writeJsonAtomic(OUT, { meta: { ...machineInfo(), tfjs: tf.version_core }, quick: QUICK, microBatch: MICRO, rows });
console.log(`\nwrote ${OUT}`);
