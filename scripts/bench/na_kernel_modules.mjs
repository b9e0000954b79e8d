// SPDX-License-Identifier: MIT
// What the direct wasm-kernel A/B benchmarks (scripts/bench_na_kernel_ab.mjs, bench_na_stride_ab.mjs) share: the
// fused forward module of any commit, compiled with asc, the int32 header and window tables its kernels read, and
// synchronous runs timed in interleaved rounds.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
// The compiler is packages/core's dev dependency (its exports map has no path for require.resolve).
const { default: asc } = await import(pathToFileURL(join(root, 'packages/core/node_modules/assemblyscript/dist/asc.js')).href);

/** The fused forward module of `rev` (a commit, or null for the working tree): the entry that exports it. */
export async function compileFused(/** @type {string | null} */ rev) {
  const dir = mkdtempSync(join(tmpdir(), 'na-ab-'));
  try {
    if (rev === null) execFileSync('cp', ['-r', join(root, 'packages/core/assembly'), dir]);
    else execFileSync('sh', ['-c', `git -C "${root}" archive "${rev}" packages/core/assembly | tar -x -C "${dir}" --strip-components=2`]);
    for (const entry of ['fused/index.ts', 'index.ts']) {
      const source = join(dir, 'assembly', entry);
      if (!existsSync(source) || !readFileSync(source, 'utf8').includes('fusedAttention')) continue;
      const outFile = join(dir, 'fused.wasm');
      const { error, stderr } = await asc.main([source, '--outFile', outFile, '-O3s', '--runtime', 'stub', '--importMemory',
        '--noExportMemory', '--enable', 'simd', '--use', 'abort=']);
      if (error) throw new Error(`asc failed on ${rev ?? 'the working tree'}: ${stderr.toString()}`);
      return new WebAssembly.Module(readFileSync(outFile));
    }
    throw new Error(`no fusedAttention in ${rev ?? 'the working tree'}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The int32 header and window tables the kernels read (assembly/problem.ts's field order). */
export function windowTables(/** @type {any} */ p) {
  const axes = [p.planes, p.rows, p.cols];
  const header = [p.batch, ...axes.map((a) => a.length), p.heads, p.kvHeads, p.headDim, ...axes.map((a) => a.kernel),
    ...axes.map((a) => a.dilation), p.biasPlanes, p.biasRows, p.biasCols, ...axes.map((a) => a.inverseQuery.length), 0];
  return Int32Array.from([...header, ...axes.flatMap((a) => [...a.start, ...a.count, ...a.biasStart])]);
}


/**
 * Calls a fusedAttention export on [q, k, v, rpb, out] pointers, whichever signature its commit has: since the
 * log-sum-exp output it takes an `lse` pointer after `out` (0: none).
 * @param {Function} fn @param {number[]} tensors @param {number} header @param {number} scratch @param {number} scale
 */
export function callFused(fn, tensors, header, scratch, scale) {
  return fn.length === 9 ? fn(...tensors, 0, header, scratch, scale) : fn(...tensors, header, scratch, scale);
}

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
