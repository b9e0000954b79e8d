// SPDX-License-Identifier: MIT
// Benchmark (not a test) of one training step (forward + backward + AdamW update, dropout and drop path on) in
// images per second and peak memory, per model, batch size, backend, recomputation setting and training worker
// count. CCT models run at their own 32x32 input; NAT models at 224. Each case runs in its own process: its peak
// memory is its own, and a case that exhausts wasm's heap cannot break the next. Prints a table and writes
// bench-results/train.json.
//
//   pnpm bench:train
//   node scripts/bench_train.mjs [--backends=wasm,cpu] [--batches=8,32] [--models=cct_2_3x2_32,...]
//        [--recompute=on,off] [--micro-batch=16] [--workers=1,2] [--rounds=3] [--quick] [--out=file.json]
// --micro-batch=N runs batches larger than N as slices of N with summed gradients (one optimizer step).
// --workers=1,2 runs each step over that many threads (GradientWorkers: the batch split, gradients averaged);
// --rounds=R measures every case R times, the cases interleaved, and reports the median round and the speed-up
// over one worker as the median of the per-round ratios. The load average is printed before and after; "cpu ms"
// is the CPU time of all the process's threads per step, and "cpu vs 1 worker" the per-round ratio of it: the
// extra work the threads cost, which bounds the speed-up on idle cores (N workers: at most N / that ratio).
// Env: BENCH_MAX_CASE_S (stop measuring a case after this many seconds; default 60, quick 20).
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { createModel, isModelName } from '@natzoo/models';
import { registerTrainingKernels } from '@natzoo/core/training-kernels';
import { AdamW, computeGradients, GradientWorkers, planRecompute, rngFor, trainableParams } from '@natzoo/train';
import { probeBackends } from './bench/backends.mjs';
import { machineInfo, printTable, writeJsonAtomic } from './bench/report.mjs';

const argv = process.argv.slice(2);
const KNOWN = ['quick', 'backends', 'batches', 'models', 'recompute', 'micro-batch', 'workers', 'rounds', 'out', 'case'];
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
async function measureCase({ model: name, backend, batch, recompute, microBatch, workers }) {
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
  const pool = workers > 1 ? await GradientWorkers.start(model, { workers, model: name, overrides: {}, seed: 0, recompute, microBatch: options.microBatch }) : null;
  // Wall time, and the CPU time of the whole process (every thread): the work a step costs, whatever else the
  // machine runs (on a shared machine the wall-clock speed-up of more threads is capped by the process's share).
  const cpuNow = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const step = async (i) => {
    const t0 = performance.now();
    const c0 = cpuNow();
    const rng = rngFor(0, 'bench', i);
    const { grads } = pool === null ? computeGradients(model, params, x, y, rng, options) : await pool.computeGradients(params, x, y, rng, options);
    opt.apply(grads, 1e-4);
    for (const g of grads.values()) g.dispose();
    params[0].variable.dataSync();
    return { wall: performance.now() - t0, cpu: cpuNow() - c0 };
  };
  const base = { model: name, backend, batch, recompute, workers, microBatch: options.microBatch ?? null, input: `${h}x${w}`, params: params.reduce((n, p) => n + p.variable.size, 0) };
  const warm = (await step(0)).wall;
  const times = [];
  const caseStart = performance.now();
  while (warm <= MAX_CASE_MS && times.length < (QUICK ? 1 : 3) && performance.now() - caseStart + warm < MAX_CASE_MS) times.push(await step(times.length + 1));
  await pool?.close();
  if (times.length === 0) times.push({ wall: warm, cpu: NaN });
  const middle = (/** @type {number[]} */ xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const medianMs = middle(times.map((t) => t.wall));
  const cpuMs = middle(times.map((t) => t.cpu));
  // wasm's heap only grows, so its size is the step's high-water mark; the process's peak RSS covers cpu.
  const heap = backend === 'wasm' ? tf.backend().wasm.HEAPU8.buffer.byteLength : null;
  return {
    ...base, warmMs: warm, medianMs, cpuMs: Number.isFinite(cpuMs) ? cpuMs : null, runs: times.length, imgPerSec: (1000 * batch) / medianMs,
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
const WORKERS = list(argValue('workers'), '1').map(Number);
const ROUNDS = Number(argValue('rounds') ?? 1);
if (!WORKERS.every((n) => Number.isInteger(n) && n > 0)) throw new Error(`--workers must list positive integers; got ${argValue('workers')}`);
if (!(Number.isInteger(ROUNDS) && ROUNDS > 0)) throw new Error(`--rounds must be a positive integer; got ${argValue('rounds')}`);
const MICRO = argValue('micro-batch') === undefined ? null : Number(argValue('micro-batch'));
if (MICRO !== null && !(Number.isInteger(MICRO) && MICRO > 0)) throw new Error(`--micro-batch must be a positive integer; got ${argValue('micro-batch')}`);
const OUT = argValue('out') ?? fileURLToPath(new URL('../bench-results/train.json', import.meta.url));
const started = performance.now();
const progress = (/** @type {string} */ msg) => console.error(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}`);

const models = MODELS.filter((name) => isModelName(name) || (console.log(`${name}: not a registered model; skipped`), false));
const backends = (await probeBackends(BACKENDS)).filter((b) => BACKENDS.includes(b.name));
for (const b of backends.filter((x) => !x.ok)) console.log(`backend ${b.name}: ${b.reason}`);

/** One process measuring one case: its result row, or a row saying why it failed. */
function runCase(c) {
  const spec = JSON.stringify({ ...c, microBatch: MICRO });
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), `--case=${spec}`, ...(QUICK ? ['--quick'] : [])], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const last = child.stdout.trim().split('\n').at(-1) ?? '';
  if (child.status === 0 && last.startsWith('{')) return JSON.parse(last);
  const why = `${child.stderr}\n${child.stdout}`.split('\n').find((l) => /Error|abort|out of bounds|outside the bounds/i.test(l)) ?? `exit ${child.status ?? child.signal}`;
  return { ...c, microBatch: MICRO !== null && c.batch > MICRO ? MICRO : null, note: `failed: ${why.trim().slice(0, 110)}` };
}

const cases = [];
for (const { name: backend, ok } of backends) {
  if (!ok) continue;
  for (const model of models) for (const recompute of RECOMPUTE) for (const batch of BATCHES) for (const workers of WORKERS) cases.push({ model, backend, batch, recompute, workers });
}
const median = (/** @type {number[]} */ xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sameSetting = (a, b) => a.model === b.model && a.backend === b.backend && a.recompute === b.recompute && a.workers === b.workers;
const loadBefore = loadavg();
progress(`load average before: ${loadBefore.map((l) => l.toFixed(2)).join(', ')}`);
/** Per case, its result in each round. */
const byRound = cases.map(() => []);
for (let round = 0; round < ROUNDS; round++) {
  cases.forEach((c, i) => {
    const label = `${ROUNDS > 1 ? `round ${round + 1}/${ROUNDS}: ` : ''}${c.model} ${c.backend} batch ${c.batch} recompute ${c.recompute ? 'on' : 'off'} workers ${c.workers}`;
    progress(label);
    if (round > 0 && byRound[i][0].imgPerSec == null) return;
    // A step grows about linearly with the batch: skip a case whose predicted step is beyond the cap.
    const smaller = cases.findIndex((d, j) => sameSetting(c, d) && d.batch < c.batch && byRound[j][0]?.medianMs != null);
    const predicted = smaller < 0 ? 0 : (byRound[smaller][0].medianMs * c.batch) / cases[smaller].batch;
    const r = predicted > MAX_CASE_MS ? { ...c, note: `skipped: predicted ${(predicted / 1000).toFixed(0)} s per step (BENCH_MAX_CASE_S)` } : runCase(c);
    byRound[i].push(r);
    progress(r.imgPerSec == null ? `  ${r.note}` : `  ${r.imgPerSec.toFixed(2)} img/s (median of ${r.runs} steps, ${r.medianMs.toFixed(0)} ms), peak ${r.wasmHeapMB ?? r.peakRssMB} MB`);
  });
}
const loadAfter = loadavg();
progress(`load average after: ${loadAfter.map((l) => l.toFixed(2)).join(', ')}`);
/** The row of each case: its median round, the img/s of every round, and the speed-up over one worker (median
 *  of the per-round ratios, so both sides of a ratio ran at about the same time). */
const rows = cases.map((c, i) => {
  const measured = byRound[i].filter((r) => r.imgPerSec != null);
  if (measured.length === 0) return byRound[i][0];
  const mid = median(measured.map((r) => r.imgPerSec));
  const row = { ...measured.find((r) => r.imgPerSec === mid), roundsImgPerSec: measured.map((r) => r.imgPerSec) };
  const one = cases.findIndex((d) => d.model === c.model && d.backend === c.backend && d.recompute === c.recompute && d.batch === c.batch && d.workers === 1);
  if (c.workers > 1 && one >= 0) {
    const ratios = byRound[i].map((r, k) => r.imgPerSec / byRound[one][k]?.imgPerSec).filter(Number.isFinite);
    if (ratios.length > 0) row.vsOneWorker = median(ratios);
    const work = byRound[i].map((r, k) => r.cpuMs / byRound[one][k]?.cpuMs).filter(Number.isFinite);
    if (work.length > 0) row.cpuVsOneWorker = median(work);
  }
  return row;
});

const ratioTo = (r) => {
  const base = rows.find((q) => q.model === r.model && q.batch === r.batch && q.recompute === r.recompute && q.workers === r.workers && q.backend === 'cpu');
  return base?.imgPerSec && r.imgPerSec && r.backend !== 'cpu' ? `${(r.imgPerSec / base.imgPerSec).toFixed(1)}x` : '';
};
printTable('training step (forward + backward + AdamW), images per second', [
  { title: 'model', cell: (r) => r.model, left: true },
  { title: 'input', cell: (r) => r.input ?? '', left: true },
  { title: 'backend', cell: (r) => r.backend, left: true },
  { title: 'batch', cell: (r) => String(r.batch) },
  { title: 'recompute', cell: (r) => (r.recompute ? 'on' : 'off') },
  { title: 'micro', cell: (r) => (r.microBatch == null ? '' : String(r.microBatch)) },
  { title: 'workers', cell: (r) => String(r.workers) },
  { title: 'img/s', cell: (r) => (r.imgPerSec == null ? '' : r.imgPerSec.toFixed(2)) },
  { title: 'step ms', cell: (r) => (r.medianMs == null ? '' : r.medianMs.toFixed(0)) },
  { title: 'cpu ms', cell: (r) => (r.cpuMs == null ? '' : r.cpuMs.toFixed(0)) },
  { title: 'cpu/wall', cell: (r) => (r.cpuMs == null || r.medianMs == null ? '' : (r.cpuMs / r.medianMs).toFixed(2)) },
  { title: 'runs', cell: (r) => (r.runs == null ? '' : String(r.runs)) },
  { title: 'wasm heap MB', cell: (r) => (r.wasmHeapMB == null ? '' : String(r.wasmHeapMB)) },
  { title: 'peak RSS MB', cell: (r) => (r.peakRssMB == null ? '' : String(r.peakRssMB)) },
  { title: 'vs cpu', cell: ratioTo },
  { title: 'vs 1 worker', cell: (r) => (r.vsOneWorker == null ? '' : `${r.vsOneWorker.toFixed(2)}x`) },
  { title: 'cpu vs 1 worker', cell: (r) => (r.cpuVsOneWorker == null ? '' : `${r.cpuVsOneWorker.toFixed(2)}x`) },
  { title: 'note', cell: (r) => r.note ?? '', left: true },
], rows, [
  `tfjs ${tf.version_core}; wasm is single-threaded in Node; median step after one warm-up step; one process per case`,
  `${ROUNDS} round(s), cases interleaved; load average before ${loadBefore.map((l) => l.toFixed(2)).join('/')}, after ${loadAfter.map((l) => l.toFixed(2)).join('/')} on ${machineInfo().cpus} cores`,
]);
writeJsonAtomic(OUT, { meta: { ...machineInfo(), tfjs: tf.version_core, loadAverageBefore: loadBefore, loadAverageAfter: loadAfter }, quick: QUICK, microBatch: MICRO, rounds: ROUNDS, rows });
console.log(`\nwrote ${OUT}`);
