// SPDX-License-Identifier: MIT
// Helpers of the benchmarks that run two versions of a wasm kernel side by side (bench_na_kernel_ab.mjs,
// bench_na_stride_ab.mjs, bench_self_attention_ab.mjs, bench_gelu_ab.mjs): their options, a module compiled as it
// stands at a commit, interleaved timing, the A/B rows.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { median } from './measure.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
// The compiler is packages/core's dev dependency (its exports map has no path for require.resolve).
const { default: asc } = await import(pathToFileURL(join(root, 'packages/core/node_modules/assemblyscript/dist/asc.js')).href);

/**
 * The options every A/B script takes: `--base=<commit>` (required unless `defaultBase` is given), `--rounds=`,
 * `--out=` (default bench-results/<outName>.json), and `value(name)` for its own `--name=value` options. Also
 * turns V8's baseline compiler off: on a loaded machine its background tier-up can leave a long-running kernel in
 * the baseline code for many calls, which would time the compilers, not the kernels.
 * @param {string} script @param {{ rounds: number, outName: string, defaultBase?: string }} defaults
 */
export function abOptions(script, { rounds, outName, defaultBase }) {
  setFlagsFromString('--no-liftoff');
  const value = (/** @type {string} */ name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const base = value('base') ?? defaultBase;
  if (base === undefined) {
    console.error(`${script}: --base=<commit> is required`);
    process.exit(2);
  }
  return { value, base, rounds: Number(value('rounds') ?? rounds), out: value('out') ?? join(root, `bench-results/${outName}.json`) };
}

/**
 * The module of `rev` (a commit, or null for the working tree) compiled from the first of `entries` (paths under
 * packages/core/assembly) whose source exports `name`.
 * @param {string | null} rev @param {string[]} entries @param {string} name
 */
export async function compileAssemblyAt(rev, entries, name) {
  const dir = mkdtempSync(join(tmpdir(), 'asm-at-'));
  try {
    if (rev === null) execFileSync('cp', ['-r', join(root, 'packages/core/assembly'), dir]);
    else execFileSync('sh', ['-c', `git -C "${root}" archive "${rev}" packages/core/assembly | tar -x -C "${dir}" --strip-components=2`]);
    for (const entry of entries) {
      const source = join(dir, 'assembly', entry);
      if (!existsSync(source) || !readFileSync(source, 'utf8').includes(name)) continue;
      const outFile = join(dir, 'module.wasm');
      const { error, stderr } = await asc.main([source, '--outFile', outFile, '-O3s', '--runtime', 'stub', '--importMemory',
        '--noExportMemory', '--enable', 'simd', '--use', 'abort=']);
      if (error) throw new Error(`asc failed on ${rev ?? 'the working tree'}: ${stderr.toString()}`);
      return new WebAssembly.Module(readFileSync(outFile));
    }
    throw new Error(`no ${name} export in ${rev ?? 'the working tree'}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** @typedef {{ label: string, flops: number, run: () => void }} KernelRun */

/**
 * Times synchronous runs in interleaved rounds (one run of each per round, the first rotating), after 3 warm-up
 * rounds; returns each run's times in ms.
 * @param {{ run: () => unknown }[]} runs @param {number} rounds
 */
export function timeInterleaved(runs, rounds) {
  const times = runs.map(() => /** @type {number[]} */ ([]));
  for (let r = -3; r < rounds; r++) {
    for (let j = 0; j < runs.length; j++) {
      const i = (j + r + 3) % runs.length;
      const t0 = performance.now();
      runs[i].run();
      if (r >= 0) times[i].push(performance.now() - t0);
    }
  }
  return times;
}

/**
 * Times `runs` as timeInterleaved does and returns one row per run with `fields`, GFLOP/s from the median and the
 * best call, and each against the first run's (the base kernel).
 * @param {KernelRun[]} runs @param {number} rounds @param {Record<string, unknown>} fields
 */
export function timeKernels(runs, rounds, fields) {
  const times = timeInterleaved(runs, rounds);
  const rows = runs.map((r, i) => ({
    ...fields, label: r.label, flops: r.flops, timesMs: times[i],
    gflops: r.flops / (median(times[i]) * 1e6), bestGflops: r.flops / (Math.min(...times[i]) * 1e6), vsBase: 0, bestVsBase: 0,
  }));
  for (const row of rows) {
    row.vsBase = row.gflops / rows[0].gflops;
    row.bestVsBase = row.bestGflops / rows[0].bestGflops;
  }
  return rows;
}

/** The largest |a[i] - b[i]| over `n` floats at byte offsets `a`, `b` of `memory`. */
export function maxDifference(/** @type {WebAssembly.Memory} */ memory, /** @type {number} */ a, /** @type {number} */ b, /** @type {number} */ n) {
  const floats = new Float32Array(memory.buffer);
  let differs = 0;
  for (let i = 0; i < n; i++) differs = Math.max(differs, Math.abs(floats[a / 4 + i] - floats[b / 4 + i]));
  return differs;
}

/** The table columns of an A/B run: `shape` names a row's problem, `base` the other commit. */
export function abColumns(/** @type {(r: any) => string} */ shape, /** @type {string} */ base) {
  return [
    { title: 'shape', cell: shape, left: true },
    { title: 'kernel', cell: (/** @type {any} */ r) => r.label, left: true },
    { title: 'GFLOP/s', cell: (/** @type {any} */ r) => r.gflops.toFixed(2) },
    { title: `vs ${base}`, cell: (/** @type {any} */ r) => `${r.vsBase.toFixed(2)}x` },
    { title: 'best GFLOP/s', cell: (/** @type {any} */ r) => r.bestGflops.toFixed(2) },
    { title: 'best vs base', cell: (/** @type {any} */ r) => `${r.bestVsBase.toFixed(2)}x` },
    { title: 'max |out diff|', cell: (/** @type {any} */ r) => r.outputsDiffer.toExponential(1) },
  ];
}
