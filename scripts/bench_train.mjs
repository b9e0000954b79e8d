// SPDX-License-Identifier: MIT
// Benchmark (not a test) of one training step (forward + backward + AdamW update, dropout and drop path on) in
// images per second, per model, batch size and backend. CCT models run at their own 32x32 input (at 224 their
// 3136-12544 tokens need 79 MB-2.5 GB of attention logits per image and layer); NAT models at 224. Prints a table and writes
// bench-results/train.json.
//
//   pnpm bench:train
//   node scripts/bench_train.mjs [--backends=wasm,cpu] [--batches=8,32] [--models=cct_2_3x2_32,...] [--quick] [--out=file.json]
// Env: BENCH_MAX_CASE_S (stop measuring a case after this many seconds; default 60, quick 20).
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { createModel, isModelName } from '@natzoo/models';
import { AdamW, computeGradients, registerTrainingKernels, rngFor, trainableParams } from '@natzoo/train';
import { probeBackends } from './bench/backends.mjs';
import { printTable, writeJsonAtomic } from './bench/report.mjs';

const argv = process.argv.slice(2);
const KNOWN = ['quick', 'backends', 'batches', 'models', 'out'];
for (const a of argv) {
  if (!KNOWN.includes(a.replace(/^--/, '').split('=')[0])) {
    console.error(`bench_train: unknown argument ${a}; expected ${KNOWN.map((k) => `--${k}`).join(', ')}`);
    process.exit(2);
  }
}
const argValue = (/** @type {string} */ name) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const list = (/** @type {string | undefined} */ v, /** @type {string} */ d) => (v ?? d).split(',').map((s) => s.trim()).filter(Boolean);
const QUICK = argv.includes('--quick');
const BACKENDS = list(argValue('backends'), 'wasm,cpu');
const BATCHES = list(argValue('batches'), '8,32').map(Number);
const MODELS = list(argValue('models'), 'cct_2_3x2_32,cct_7_3x1_32,nat_mini');
const OUT = argValue('out') ?? fileURLToPath(new URL('../bench-results/train.json', import.meta.url));
const MAX_CASE_MS = Number(process.env.BENCH_MAX_CASE_S ?? (QUICK ? 20 : 60)) * 1000;
const started = performance.now();
const progress = (/** @type {string} */ msg) => console.error(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}`);

const models = MODELS.filter((name) => {
  if (isModelName(name)) return true;
  console.log(`${name}: not registered yet in @natzoo/models; skipped`);
  return false;
});
const backends = (await probeBackends(BACKENDS)).filter((b) => BACKENDS.includes(b.name));
for (const b of backends.filter((x) => !x.ok)) console.log(`backend ${b.name}: ${b.reason}`);
// After the backends are imported: the fast Conv2DBackpropFilter (cpu, wasm) and wasm matmuls that natzoo train uses.
registerTrainingKernels();

/** One measured case: warm-up step, then steps until 3 are timed (1 in quick mode) or the time cap is hit. */
async function measureCase(name, backend, batch) {
  await tf.setBackend(backend);
  const model = createModel(name);
  const [, h, w] = model.inputs[0].shape;
  const classes = model.outputs[0].shape[1];
  const params = trainableParams(model.weights);
  const opt = new AdamW(params, { weightDecay: 0.05 });
  const x = tf.randomNormal([batch, h, w, 3], 0, 1, 'float32', 1);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % classes), 'int32'), classes).toFloat();
  const step = (i) => {
    const t0 = performance.now();
    const { grads } = computeGradients(model, params, x, y, rngFor(0, 'bench', i));
    opt.apply(grads, 1e-4);
    for (const g of grads.values()) g.dispose();
    params[0].variable.dataSync();
    return performance.now() - t0;
  };
  try {
    const warm = step(0);
    if (warm > MAX_CASE_MS) return { model: name, backend, batch, input: `${h}x${w}`, warmMs: warm, medianMs: warm, runs: 1, imgPerSec: (1000 * batch) / warm, note: 'one step (over the time cap)' };
    const times = [];
    const caseStart = performance.now();
    while (times.length < (QUICK ? 1 : 3) && performance.now() - caseStart + warm < MAX_CASE_MS) times.push(step(times.length + 1));
    if (times.length === 0) times.push(warm);
    times.sort((a, b) => a - b);
    const medianMs = times[Math.floor(times.length / 2)];
    return { model: name, backend, batch, input: `${h}x${w}`, params: params.reduce((n, p) => n + p.variable.size, 0), warmMs: warm, medianMs, runs: times.length, imgPerSec: (1000 * batch) / medianMs };
  } finally {
    opt.dispose();
    tf.dispose([x, y]);
    model.dispose();
  }
}

const rows = [];
for (const { name: backend, ok } of backends) {
  if (!ok) continue;
  for (const name of models) {
    for (const batch of BATCHES) {
      progress(`${name} ${backend} batch ${batch}`);
      // A step grows about linearly with the batch: skip a case whose predicted step is beyond the cap.
      const smaller = rows.find((r) => r.model === name && r.backend === backend && r.batch < batch && r.medianMs != null);
      const predicted = smaller === undefined ? 0 : (smaller.medianMs * batch) / smaller.batch;
      if (predicted > MAX_CASE_MS) {
        rows.push({ model: name, backend, batch, note: `skipped: predicted ${(predicted / 1000).toFixed(0)} s per step (BENCH_MAX_CASE_S)` });
        progress(`  ${rows.at(-1).note}`);
        continue;
      }
      try {
        rows.push(await measureCase(name, backend, batch));
      } catch (error) {
        rows.push({ model: name, backend, batch, note: String(error?.message ?? error).split('\n')[0].slice(0, 120) });
      }
      const last = rows.at(-1);
      progress(last.imgPerSec == null ? `  failed: ${last.note}` : `  ${last.imgPerSec.toFixed(2)} img/s (median of ${last.runs} steps, ${last.medianMs.toFixed(0)} ms)`);
    }
  }
}

const ratioTo = (r) => {
  const base = rows.find((q) => q.model === r.model && q.batch === r.batch && q.backend === 'cpu');
  return base?.imgPerSec && r.imgPerSec ? `${(r.imgPerSec / base.imgPerSec).toFixed(1)}x` : '';
};
printTable('training step (forward + backward + AdamW), images per second', [
  { title: 'model', cell: (r) => r.model, left: true },
  { title: 'input', cell: (r) => r.input ?? '', left: true },
  { title: 'backend', cell: (r) => r.backend, left: true },
  { title: 'batch', cell: (r) => String(r.batch) },
  { title: 'img/s', cell: (r) => (r.imgPerSec == null ? '' : r.imgPerSec.toFixed(2)) },
  { title: 'step ms', cell: (r) => (r.medianMs == null ? '' : r.medianMs.toFixed(0)) },
  { title: 'runs', cell: (r) => (r.runs == null ? '' : String(r.runs)) },
  { title: 'vs cpu', cell: ratioTo },
  { title: 'note', cell: (r) => r.note ?? '', left: true },
], rows, [`tfjs ${tf.version_core}; wasm is single-threaded in Node; median step after one warm-up step`]);
writeJsonAtomic(OUT, { when: new Date().toISOString(), quick: QUICK, tfjs: tf.version_core, rows });
console.log(`\nwrote ${OUT}`);
