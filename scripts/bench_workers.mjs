// SPDX-License-Identifier: MIT
// Benchmark (not a test): data-parallel inference over worker threads, img/s of nat_mini and cct_7_3x1_32 on
// tfjs-wasm at 1 and 2 workers (each worker one wasm core and its own copy of the model), batch jobs of 32
// images, interleaved rounds. Prints the load average before and after (other work on the cores skews the
// ratio), a table to stdout, progress to stderr, and writes bench-results/workers.json.
//
//   pnpm build && node scripts/bench_workers.mjs [--models=nat_mini,cct_7_3x1_32] [--workers=1,2]
//        [--job=32] [--jobs-per-worker=1] [--rounds=3] [--quick] [--out=file.json] [--json-line]
// Each round gives the largest pool jobs-per-worker jobs of `job` images per worker; every pool runs the same images.
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { machineInfo, printTable, writeJsonAtomic } from './bench/report.mjs';
import { poolColumns, poolNotes, workerScaling } from './bench/workers.mjs';

const argv = process.argv.slice(2);
const KNOWN = ['models', 'workers', 'job', 'jobs-per-worker', 'rounds', 'quick', 'out', 'json-line'];
for (const a of argv) {
  if (!KNOWN.includes(a.replace(/^--/, '').split('=')[0])) {
    console.error(`bench_workers: unknown argument ${a}; expected --models=, --workers=, --job=, --jobs-per-worker=, --rounds=, --quick, --out=, --json-line`);
    process.exit(2);
  }
}
const argValue = (/** @type {string} */ name) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const list = (/** @type {string} */ s) => s.split(',').map((x) => x.trim()).filter(Boolean);
const QUICK = argv.includes('--quick');
const MODELS = list(argValue('models') ?? 'nat_mini,cct_7_3x1_32');
const WORKERS = list(argValue('workers') ?? '1,2').map(Number);
const JOB = Number(argValue('job') ?? 32);
const ROUNDS = Number(argValue('rounds') ?? (QUICK ? 1 : 3));
const JOBS_PER_WORKER = Number(argValue('jobs-per-worker') ?? 1);
const OUT = argValue('out') ?? fileURLToPath(new URL('../bench-results/workers.json', import.meta.url));
for (const [flag, values] of /** @type {[string, number[]][]} */ ([['--workers', WORKERS], ['--job', [JOB]], ['--jobs-per-worker', [JOBS_PER_WORKER]], ['--rounds', [ROUNDS]]])) {
  if (values.some((v) => !Number.isInteger(v) || v < 1)) {
    console.error(`bench_workers: ${flag} must be positive integers; got ${values.join(',')}`);
    process.exit(2);
  }
}
/** Every worker of the largest pool gets one job per round (--jobs-per-worker scales it). */
const images = () => JOB * Math.max(...WORKERS) * JOBS_PER_WORKER;

const info = machineInfo();
console.error(`bench_workers: ${info.cpus} cores, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} at start`);
const rows = await workerScaling({ models: MODELS, workers: WORKERS, jobSize: JOB, images, rounds: ROUNDS });
const loadAverageAtEnd = loadavg();
printTable(
  'Inference over worker threads (tfjs-wasm, one core per worker)',
  [{ title: 'model', cell: (r) => r.model, left: true }, ...poolColumns({ extra: [{ title: 'job', cell: (r) => String(r.jobSize) }], digits: 2, sameTitle: 'same logits' })],
  rows,
  poolNotes(info, loadAverageAtEnd, `${ROUNDS} interleaved rounds`),
);
writeJsonAtomic(OUT, { machine: { ...info, loadAverageAtEnd }, options: { models: MODELS, workers: WORKERS, jobSize: JOB, rounds: ROUNDS }, rows });
console.error(`bench_workers: wrote ${OUT}`);
// --json-line: the rows as the last stdout line, for scripts/bench_models.mjs's worker-scaling section.
if (argv.includes('--json-line')) console.log(JSON.stringify({ rows: rows.map((r) => ({ ...r, imgPerS: r.imgPerSec, batch: r.jobSize })) }));
