// SPDX-License-Identifier: MIT
// Benchmark (not a test) of na2d on NAT/DiNAT-like shapes: forward and forward+backward time and peak tensor
// memory, each beside the portable composite and dense self-attention on the same backend and tensors, plus a
// resolution sweep showing NA's linear growth against dense attention's quadratic. Prints tables to stdout,
// progress to stderr, and writes bench-results/na.json.
//
//   pnpm bench:na                          all backends that initialise here
//   node scripts/bench_na.mjs --backends=wasm,cpu [--quick] [--out=file.json] [--sections=main,sweep,stride,gflops,self]
// The stride section (generalized NA: stride, blocked, 3-D, beside dense) runs on wasm and webgpu only; the gflops
// section (the NA kernels' GFLOP/s beside a plain matMul on nat_mini's layer shapes) on wasm only; the self section
// (full self-attention's fused kernel beside its composite, alone and in CCT models) on wasm and webgpu.
// Env: BENCH_QUICK=1 (1 warm-up + 2 runs, batch 1 only), BENCH_BACKENDS=wasm,cpu, BENCH_OUT,
//   BENCH_MAX_RUN_S (skip a case whose single run is predicted slower; default 20, quick 10),
//   BENCH_SWEEP_MAX_RUN_S (the same for the sweep, where large-N dense is the point; default 60, quick 10),
//   BENCH_DENSE_MAX_GB (skip dense when its logits need more; default 2),
//   BENCH_MEM_CAP_GB (skip dense when its estimated peak needs more; default 3.5, under the 4 GB wasm heap).
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import * as na from '@natzoo/core';
import { IMPLS, KERNEL, PASSES, denseLogitsBytes, ioBytes, makeInputs, makeRun, withImplementation, workOf } from './bench/attention.mjs';
import { ALL_BACKENDS, probeBackends } from './bench/backends.mjs';
import { measure } from './bench/measure.mjs';
import { gflopsSection } from './bench/gflops.mjs';
import { selfAttentionSection } from './bench/self_attention.mjs';
import { strideSection } from './bench/stride.mjs';
import { setUpWebGPU } from './bench/webgpu_setup.mjs';
import { COMMON_COLUMNS, NOTE_COLUMN, machineInfo, ms, printTable, writeJsonAtomic } from './bench/report.mjs';

/** NAT/DiNAT at 224 px: the four levels (headDim 32) and DiNAT's dilation at each. */
const LEVELS = [
  { size: 56, channels: 64, heads: 2, dinatDilation: 8 },
  { size: 28, channels: 128, heads: 4, dinatDilation: 4 },
  { size: 14, channels: 256, heads: 8, dinatDilation: 2 },
  { size: 7, channels: 512, heads: 16, dinatDilation: 1 },
];
const SWEEP_SIZES = [14, 28, 56, 84, 112];

// ---- options ----
const argv = process.argv.slice(2);
const KNOWN = ['quick', 'backends', 'out', 'sections'];
for (const a of argv) {
  if (!KNOWN.includes(a.replace(/^--/, '').split('=')[0])) {
    console.error(`bench_na: unknown argument ${a}; expected --backends=wasm,cpu, --quick, --out=file.json, --sections=main,sweep,stride,gflops,self`);
    process.exit(2);
  }
}
const argValue = (/** @type {string} */ name) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const QUICK = argv.includes('--quick') || process.env.BENCH_QUICK === '1';
const REQUESTED = (argValue('backends') ?? process.env.BENCH_BACKENDS ?? ALL_BACKENDS.join(','))
  .split(',').map((s) => s.trim()).filter(Boolean);
const SECTIONS = (argValue('sections') ?? 'main,sweep,stride,gflops,self').split(',').map((s) => s.trim());
const OUT = argValue('out') ?? process.env.BENCH_OUT ?? fileURLToPath(new URL('../bench-results/na.json', import.meta.url));
const GB = 1e9;
const MAX_RUN_MS = Number(process.env.BENCH_MAX_RUN_S ?? (QUICK ? 10 : 20)) * 1000;
const SWEEP_MAX_RUN_MS = Number(process.env.BENCH_SWEEP_MAX_RUN_S ?? (QUICK ? 10 : 60)) * 1000;
const DENSE_LOGITS_CAP = Number(process.env.BENCH_DENSE_MAX_GB ?? 2) * GB;
const PEAK_CAP = Number(process.env.BENCH_MEM_CAP_GB ?? 3.5) * GB;

const started = performance.now();
const progress = (/** @type {string} */ msg) => console.error(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}`);
const gb = (/** @type {number} */ bytes) => (bytes / GB).toFixed(2);
const label = (/** @type {any} */ p) => `${p.size}x${p.size}x${p.channels} h${p.heads} b${p.batch} d${p.dilation}`;

// ---- skip rules: learnt from earlier measurements so a slow or oversized case is predicted, not suffered ----
/** `${backend}|${impl}|${pass}` -> measured {work, ms, label}, for extrapolating run time. */
const history = new Map();
/** `${backend}|${pass}` -> dense's (peak - inputs) / logits at the largest logits measured (small N overstates it). */
const densePeakFactor = new Map();
/** `${backend}|${impl}|${pass}` -> why later cases are skipped after a failure. */
const failed = new Map();
/** backend -> why the rest of it is skipped (a wasm out-of-bounds abort leaves the module unusable). */
const broken = new Map();

/** @param {string} backend @param {string} impl @param {string} pass @param {any} p @param {number} maxRunMs */
function skipReason(backend, impl, pass, p, maxRunMs) {
  const key = `${backend}|${impl}|${pass}`;
  if (broken.has(backend)) return broken.get(backend);
  if (failed.has(key)) return failed.get(key);
  if (impl === 'dense') {
    const logits = denseLogitsBytes(p);
    if (logits > DENSE_LOGITS_CAP) return `skipped (logits would need ${gb(logits)} GB)`;
    const peak = logits * (densePeakFactor.get(`${backend}|${pass}`)?.factor ?? (pass === 'fwd' ? 3 : 8)) + ioBytes(p);
    if (peak > PEAK_CAP) return `skipped (logits would need ${gb(logits)} GB, ~${gb(peak)} GB at peak > ${gb(PEAK_CAP)} GB cap)`;
  }
  const work = workOf(p, impl);
  const refs = (history.get(key) ?? []).filter((/** @type {any} */ h) => h.work <= work);
  const ref = refs.sort((/** @type {any} */ a, /** @type {any} */ b) => b.work - a.work)[0];
  const predicted = ref ? (ref.ms * work) / ref.work : 0;
  if (predicted > maxRunMs) {
    return `skipped (~${(predicted / 1000).toFixed(0)} s/run predicted from ${ref.label}; cap ${maxRunMs / 1000} s)`;
  }
  return null;
}

// ---- one measurement ----
/**
 * @param {string} section @param {string} backend @param {any} p problem @param {string} impl @param {string} pass
 * @param {any} x inputs @param {import('./bench/measure.mjs').RunPolicy} policy
 */
async function bench(section, backend, p, impl, pass, x, policy) {
  const row = /** @type {any} */ ({ section, backend, ...p, headDim: p.channels / p.heads, kernelSize: KERNEL, impl, pass });
  row.ioBytes = ioBytes(p);
  const key = `${backend}|${impl}|${pass}`;
  const skip = skipReason(backend, impl, pass, p, policy.maxRunMs);
  if (skip != null) {
    Object.assign(row, { status: 'skipped', note: skip });
    progress(`${backend} ${label(p)} ${impl} ${pass}: ${skip}`);
    return row;
  }
  const g = pass === 'fwd' ? null : tf.randomNormal(x.q.shape);
  try {
    const m = await withImplementation(impl, () => {
      row.naImplementation = impl === 'dense' ? null : na.activeNAImplementation();
      return measure(makeRun(impl, pass, p, x, g), policy);
    });
    Object.assign(row, m, { status: 'ok', peakToIo: m.peakBytes / row.ioBytes });
    if (!history.has(key)) history.set(key, []);
    history.get(key).push({ work: workOf(p, impl), ms: m.medianMs, label: label(p) });
    if (impl === 'dense') {
      const logits = denseLogitsBytes(p);
      const seen = densePeakFactor.get(`${backend}|${pass}`);
      if (!seen || logits >= seen.logits) densePeakFactor.set(`${backend}|${pass}`, { logits, factor: (m.peakBytes - m.baselineBytes) / logits });
    }
    const notes = [];
    if (impl === 'na2d' && row.naImplementation !== 'kernels') notes.push('no NA kernels here: runs the composite');
    if (m.leakedTensors !== 0) notes.push(`${m.leakedTensors} tensors leaked`);
    row.note = notes.join('; ');
    progress(`${backend} ${label(p)} ${impl} ${pass}: ${ms(m.medianMs)} ms (median of ${m.runs}), peak ${(m.peakBytes / 1e6).toFixed(1)} MB`);
  } catch (err) {
    const msg = String(/** @type {any} */ (err)?.message ?? err).split('\n')[0];
    Object.assign(row, { status: 'failed', note: `failed: ${msg}` });
    failed.set(key, `skipped (failed at ${label(p)}: ${msg})`);
    if (/out of bounds|abort|out of memory/i.test(msg)) broken.set(backend, `skipped (${backend} unusable after: ${msg})`);
    progress(`${backend} ${label(p)} ${impl} ${pass}: FAILED ${msg}`);
  } finally {
    g?.dispose();
  }
  return row;
}

/** na2d's speedups against the other two implementations of the same (shape, batch, dilation, pass). */
function addSpeedups(/** @type {any[]} */ group) {
  const by = Object.fromEntries(group.map((r) => [r.impl, r]));
  const ok = (/** @type {any} */ r) => r?.status === 'ok';
  if (!ok(by.na2d)) return;
  if (ok(by.composite)) by.na2d.speedupVsComposite = by.composite.medianMs / by.na2d.medianMs;
  if (ok(by.dense)) by.na2d.speedupVsDense = by.dense.medianMs / by.na2d.medianMs;
}

// ---- sections ----
async function mainSection(/** @type {string} */ backend) {
  const slow = backend === 'cpu';
  const policy = { quick: QUICK, targetMs: slow ? 1000 : 1500, maxRuns: slow ? 5 : 30, maxRunMs: MAX_RUN_MS };
  const batches = QUICK || slow ? [1] : [1, 8];
  const rows = [];
  const denseCache = new Map(); // dense attention has no dilation: measure once per (shape, batch, pass)
  // Smallest level first so the skip rules have a smaller case to extrapolate from.
  for (const batch of batches) {
    for (const level of [...LEVELS].reverse()) {
      const x = makeInputs({ ...level, batch, dilation: 1 });
      for (const pass of PASSES) {
        for (const dilation of [...new Set([1, level.dinatDilation])]) {
          const p = { size: level.size, channels: level.channels, heads: level.heads, batch, dilation };
          const group = [];
          for (const impl of IMPLS) {
            const cacheKey = `${level.size}|${batch}|${pass}`;
            let row;
            if (impl === 'dense' && denseCache.has(cacheKey)) {
              const first = denseCache.get(cacheKey);
              const reuse = `same run as d${first.dilation} (dense has no dilation)`;
              row = { ...first, dilation, note: first.status === 'ok' ? [reuse, first.note].filter(Boolean).join('; ') : first.note };
            } else {
              row = await bench('main', backend, p, impl, pass, x, policy);
              if (impl === 'dense') denseCache.set(cacheKey, row);
            }
            group.push(row);
          }
          addSpeedups(group);
          rows.push(...group);
        }
      }
      tf.dispose(x);
    }
  }
  const order = (/** @type {any} */ r) => [r.batch, -r.size, PASSES.indexOf(r.pass), r.dilation, IMPLS.indexOf(r.impl)];
  const cmp = (/** @type {any} */ a, /** @type {any} */ b) => {
    const [oa, ob] = [order(a), order(b)];
    return oa.map((v, i) => v - ob[i]).find((d) => d !== 0) ?? 0;
  };
  const notes = [
    `kernel ${KERNEL}, rpb [heads, 13, 13], headDim 32; dilation 1 and DiNAT's (56->8, 28->4, 14->2, 7->1)`,
    'fwd+bwd: tf.grads of sum(out * g) w.r.t. q, k, v (+ rpb for na2d and composite)',
    'vs composite / vs dense: their median / na2d median in the same group; peak/io: tf.profile peakBytes / bytes of q+k+v+out',
  ];
  if (slow) notes.push("cpu: batch 1 only and at most 5 timed runs (tfjs's JS cpu matMul/softmax/gather are 10-25x slower than wasm's)");
  if (QUICK) notes.push('quick mode: 1 warm-up + 2 timed runs, batch 1 only');
  printTable(`na2d vs composite vs dense on ${backend}`, [...COMMON_COLUMNS, NOTE_COLUMN], rows.sort(cmp), notes);
  return rows;
}

async function sweepSection(/** @type {string} */ backend) {
  const policy = { quick: QUICK, targetMs: backend === 'cpu' ? 1000 : 1500, maxRuns: backend === 'cpu' ? 5 : 30, maxRunMs: SWEEP_MAX_RUN_MS };
  const rows = [];
  for (const size of SWEEP_SIZES) {
    const p = { size, channels: 64, heads: 2, batch: 1, dilation: 1 };
    const x = makeInputs(p);
    const group = [];
    for (const impl of ['na2d', 'dense']) group.push(await bench('sweep', backend, p, impl, 'fwd', x, policy));
    addSpeedups(group);
    rows.push(...group);
    tf.dispose(x);
  }
  // Growth against the smallest size: NA's time should track the token count, dense's its square.
  for (const r of rows) {
    const base = rows.find((b) => b.impl === r.impl && b.size === SWEEP_SIZES[0] && b.status === 'ok');
    r.tokens = r.size * r.size;
    r.tokensGrowth = r.tokens / (SWEEP_SIZES[0] * SWEEP_SIZES[0]);
    if (base && r.status === 'ok') r.timeGrowth = r.medianMs / base.medianMs;
  }
  const cols = COMMON_COLUMNS.filter((c) => !['batch', 'dil', 'pass', 'runs', 'vs composite'].includes(c.title));
  cols.splice(4, 0,
    { title: 'runs', cell: (r) => (r.runs ? String(r.runs) : '') },
    { title: 'tokens', cell: (r) => `${r.tokens} (${r.tokensGrowth}x)` },
    { title: 'time growth', cell: (r) => (r.timeGrowth == null ? '' : `${r.timeGrowth.toFixed(1)}x`) });
  printTable(`resolution sweep on ${backend} (fwd, batch 1, dilation 1)`, [...cols, NOTE_COLUMN], rows, [
    `64 ch, 2 heads, kernel ${KERNEL}, rpb; time growth is against ${SWEEP_SIZES[0]}x${SWEEP_SIZES[0]}: linear in tokens for NA, quadratic for dense`,
  ]);
  return rows;
}

// ---- main ----
// Dawn must provide navigator.gpu before the probe; a failure shows as the probe's skip reason.
if (REQUESTED.includes('webgpu')) await setUpWebGPU();
const backends = await probeBackends(REQUESTED);
console.log('## backends');
for (const b of backends) console.log(`# ${b.name.padEnd(10)} ${b.ok ? 'run' : 'skipped'}: ${b.reason}`);
const runnable = REQUESTED.filter((n) => backends.some((b) => b.name === n && b.ok));
const meta = {
  ...machineInfo(),
  tfjs: tf.version.tfjs,
  quick: QUICK,
  maxRunMs: MAX_RUN_MS,
  sweepMaxRunMs: SWEEP_MAX_RUN_MS,
  denseLogitsCapBytes: DENSE_LOGITS_CAP,
  peakCapBytes: PEAK_CAP,
  kernelSize: KERNEL,
};
const results = /** @type {any[]} */ ([]);
const save = (/** @type {boolean} */ complete) => writeJsonAtomic(OUT, { meta, complete, backends, results });
if (runnable.length === 0) {
  console.error(`bench_na: none of [${REQUESTED.join(', ')}] initialised`);
  process.exit(1);
}
for (const backend of runnable) {
  await tf.setBackend(backend);
  await tf.ready();
  const tensorsBefore = tf.memory().numTensors;
  if (SECTIONS.includes('main')) results.push(...(await mainSection(backend)));
  if (SECTIONS.includes('stride') && (backend === 'wasm' || backend === 'webgpu')) results.push(...(await strideSection(backend, { quick: QUICK })));
  if (SECTIONS.includes('gflops') && backend === 'wasm') results.push(...(await gflopsSection(backend, { quick: QUICK })));
  if (SECTIONS.includes('self') && (backend === 'wasm' || backend === 'webgpu')) results.push(...(await selfAttentionSection(backend, { quick: QUICK })));
  const grown = tf.memory().numTensors - tensorsBefore;
  console.log(`# ${backend}: tensors alive before ${tensorsBefore}, after ${tf.memory().numTensors}${grown > 0 ? ` (LEAK: +${grown})` : ''}`);
  save(false);
}
const sweepBackend = runnable.includes('wasm') ? 'wasm' : runnable.includes('cpu') ? 'cpu' : runnable[0];
await tf.setBackend(sweepBackend);
if (SECTIONS.includes('sweep')) results.push(...(await sweepSection(sweepBackend)));
save(true);
progress(`done; results in ${OUT}`);
