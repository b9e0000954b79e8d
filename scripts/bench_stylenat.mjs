// SPDX-License-Identifier: MIT
// Benchmark (not a test): StyleNAT generator throughput, images/s, at the FFHQ-256 configuration (48.9M
// parameters, random weights) on every backend that initialises here: wasm, cpu and, when Dawn finds an adapter,
// webgpu. Forward only (mapping + synthesis), synchronised with `await data()`; median of timed runs after a
// warm-up. Prints a table and writes bench-results/stylenat.json.
// With --workers=1,2 instead: generation spread over worker threads (startGeneratorPool, tfjs-wasm in each, one
// image per job), --images per round (default: the largest worker count), interleaved --rounds (default 3; 1
// quick); the load average before and after; bench-results/stylenat_workers.json.
//
//   pnpm bench:stylenat
//   node scripts/bench_stylenat.mjs [--backends=wasm,cpu,webgpu] [--batch=1,4] [--size=256] [--quick] [--out=file.json]
//   pnpm build && node scripts/bench_stylenat.mjs --workers=1,2 [--images=2] [--rounds=3] [--size=256]
// Env: BENCH_QUICK=1 (1 timed run), BENCH_BACKENDS, BENCH_OUT, BENCH_MAX_RUN_S (after the warm-up, skip further
//   runs of a case slower than this; default 120).
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { createStyleNATGenerator } from '@natzoo/models';
import { probeBackends } from './bench/backends.mjs';
import { machineInfo, ms, printTable, writeJsonAtomic } from './bench/report.mjs';
import { measureGenerator } from './bench/stylenat.mjs';
import { styleNATWorkerRows } from './bench/stylenat_workers.mjs';
import { poolColumns, poolNotes } from './bench/workers.mjs';
import { setUpWebGPU } from './bench/webgpu_setup.mjs';

const argv = process.argv.slice(2);
const KNOWN = ['quick', 'backends', 'batch', 'size', 'out', 'workers', 'images', 'rounds'];
for (const a of argv) {
  if (!KNOWN.includes(a.replace(/^--/, '').split('=')[0])) {
    console.error(`bench_stylenat: unknown argument ${a}; expected --backends=wasm,cpu,webgpu --batch=1,4 --size=256 --quick --out=file.json, or --workers=1,2 --images= --rounds=`);
    process.exit(2);
  }
}
const argValue = (/** @type {string} */ name) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const QUICK = argv.includes('--quick') || process.env.BENCH_QUICK === '1';
const BACKENDS = (argValue('backends') ?? process.env.BENCH_BACKENDS ?? 'wasm,cpu,webgpu').split(',').map((s) => s.trim()).filter(Boolean);
const BATCHES = (argValue('batch') ?? '1,4').split(',').map(Number);
const SIZE = Number(argValue('size') ?? 256);
const WORKERS = argValue('workers')?.split(',').map(Number);
const OUT = argValue('out') ?? process.env.BENCH_OUT ?? fileURLToPath(new URL(`../bench-results/${WORKERS ? 'stylenat_workers' : 'stylenat'}.json`, import.meta.url));
const MAX_RUN_MS = Number(process.env.BENCH_MAX_RUN_S ?? 120) * 1000;
const TIMED_RUNS = QUICK ? 1 : 5;

const started = performance.now();
const progress = (/** @type {string} */ msg) => console.error(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}`);

if (WORKERS) {
  const images = Number(argValue('images') ?? Math.max(...WORKERS));
  const rounds = Number(argValue('rounds') ?? (QUICK ? 1 : 3));
  for (const [flag, values] of /** @type {[string, number[]][]} */ ([['--workers', WORKERS], ['--images', [images]], ['--rounds', [rounds]], ['--size', [SIZE]]])) {
    if (values.some((v) => !Number.isInteger(v) || v < 1)) {
      console.error(`bench_stylenat: ${flag} must be positive integers; got ${values.join(',')}`);
      process.exit(2);
    }
  }
  const info = machineInfo();
  progress(`StyleNAT over worker threads: ${info.cpus} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at start`);
  const rows = await styleNATWorkerRows({ size: SIZE, workers: WORKERS, images, rounds, log: progress });
  const loadAverageAtEnd = loadavg();
  printTable(
    `StyleNAT generator, FFHQ-256 configuration at ${SIZE}px (random weights), over worker threads (tfjs-wasm, one core each)`,
    poolColumns({ digits: 4, sameTitle: 'same images' }),
    rows,
    poolNotes(info, loadAverageAtEnd, `${rounds} interleaved rounds, one image per job`),
  );
  writeJsonAtomic(OUT, { benchmark: 'stylenat_generator_workers', size: SIZE, meta: { ...info, loadAverageAtEnd }, options: { workers: WORKERS, images, rounds }, rows });
  console.error(`wrote ${OUT}`);
  process.exit(0);
}

/** WebGPU in Node through the shared Dawn setup, then the backend itself. */
async function startWebGPU() {
  const problem = await setUpWebGPU();
  if (problem !== null) return { ok: false, reason: problem };
  try {
    if (!(await tf.setBackend('webgpu'))) return { ok: false, reason: 'tf.setBackend(webgpu) failed' };
    const adapter = await globalThis.navigator.gpu.requestAdapter();
    return { ok: true, reason: `${adapter?.info.vendor ?? ''} ${adapter?.info.architecture ?? ''} ${adapter?.info.description ?? ''}`.trim() };
  } catch (error) {
    return { ok: false, reason: String(/** @type {any} */ (error)?.message ?? error).split('\n')[0] };
  }
}

const rows = [];
const backendsReport = [];
const probe = await probeBackends(BACKENDS.filter((b) => b !== 'webgpu'));
for (const name of BACKENDS) {
  let status;
  if (name === 'webgpu') status = await startWebGPU();
  else {
    const p = probe.find((r) => r.name === name);
    status = p?.ok ? { ok: await tf.setBackend(name), reason: p.reason } : { ok: false, reason: p?.reason ?? 'unknown backend' };
  }
  backendsReport.push({ name, ...status });
  if (!status.ok) {
    progress(`${name}: skipped (${status.reason})`);
    continue;
  }
  const generator = createStyleNATGenerator('ffhq256', { size: SIZE });
  progress(`${name}: StyleNAT ${SIZE}px generator, ${(generator.countParams() / 1e6).toFixed(2)}M parameters (${status.reason})`);
  for (const batch of BATCHES) {
    try {
      const m = await measureGenerator(generator, batch, { timedRuns: TIMED_RUNS, maxRunMs: MAX_RUN_MS, progress });
      rows.push({ backend: name, size: SIZE, batch, ...m });
      progress(`${name} batch ${batch}: ${ms(m.medianMs)} ms per batch, ${m.imagesPerSec.toFixed(3)} images/s`);
    } catch (error) {
      const note = String(/** @type {any} */ (error)?.message ?? error).split('\n')[0].slice(0, 120);
      rows.push({ backend: name, size: SIZE, batch, note });
      progress(`${name} batch ${batch}: failed (${note})`);
    }
  }
  generator.dispose();
}

printTable(
  `StyleNAT generator, FFHQ-${SIZE} configuration (random weights), forward z -> image`,
  [
    { title: 'backend', cell: (r) => r.backend, left: true },
    { title: 'batch', cell: (r) => String(r.batch) },
    { title: 'first ms', cell: (r) => ms(r.firstMs) },
    { title: 'median ms', cell: (r) => ms(r.medianMs) },
    { title: 'runs', cell: (r) => (r.runs == null ? '' : String(r.runs)) },
    { title: 'images/s', cell: (r) => (r.imagesPerSec == null ? '' : r.imagesPerSec.toFixed(3)) },
    { title: 'note', cell: (r) => r.note ?? '', left: true },
  ],
  rows,
  [
    `machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')}; wasm runs 1 thread in Node`,
    "'runs' = timed runs after one warm-up (0: the warm-up alone, too slow to repeat); webgpu in Node is Dawn on whatever adapter it finds",
  ],
);
for (const b of backendsReport) if (!b.ok) console.log(`# ${b.name}: not measured (${b.reason})`);
writeJsonAtomic(OUT, { benchmark: 'stylenat_generator', size: SIZE, meta: { ...machineInfo(), loadAverageAtEnd: loadavg() }, backends: backendsReport, rows });
console.error(`wrote ${OUT}`);
