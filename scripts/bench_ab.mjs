// SPDX-License-Identifier: MIT
// Benchmark (not a test): forward img/s on tfjs-wasm of this checkout against another one (a base commit built
// in a git worktree), in interleaved rounds, one process per checkout and round, so that both see the same load.
// Prints a table of medians over rounds and their ratio, in wall time and in the CPU time of a pass (which other
// work on shared cores skews far less), and writes bench-results/ab.json.
//
//   git worktree add /tmp/base <commit> && (cd /tmp/base && pnpm install --offline && pnpm build)
//   node scripts/bench_ab.mjs --before=/tmp/base [--models=nat_mini,convmlp_s,cct_2_3x2_32] [--batches=1,8]
//        [--rounds=5] [--seconds=2] [--out=bench-results/ab.json]
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './bench/measure.mjs';
import { machineInfo, printTable, writeJsonAtomic } from './bench/report.mjs';

const argv = process.argv.slice(2);
const arg = (/** @type {string} */ name, /** @type {string} */ fallback) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const before = argv.find((a) => a.startsWith('--before='))?.split('=')[1];
if (before === undefined) {
  console.error('bench_ab: --before=<checkout root> is required (a built checkout of the base commit)');
  process.exit(1);
}
const here = resolve(fileURLToPath(new URL('..', import.meta.url)));
const models = arg('models', 'nat_mini,convmlp_s,cct_2_3x2_32');
const batches = arg('batches', '1,8');
const rounds = Number(arg('rounds', '5'));
const seconds = arg('seconds', '2');
const out = arg('out', resolve(here, 'bench-results', 'ab.json'));
const worker = fileURLToPath(new URL('./bench/ab_worker.mjs', import.meta.url));
const sides = { before: resolve(before), after: here };

/** side -> `${model}@${batch}` -> ms per round (wall and CPU) */
const times = { before: new Map(), after: new Map() };
const cpuTimes = { before: new Map(), after: new Map() };
for (let round = 0; round < rounds; round++) {
  // Alternate which side goes first, so neither always runs on a warmer (or busier) machine.
  const order = round % 2 === 0 ? ['before', 'after'] : ['after', 'before'];
  for (const side of order) {
    const lines = execFileSync(process.execPath, [worker, sides[side], models, batches, seconds], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    for (const line of lines.split('\n').filter((l) => l.startsWith('{'))) {
      const { model, batch, ms, cpuMs } = JSON.parse(line);
      const key = `${model}@${batch}`;
      times[side].set(key, [...(times[side].get(key) ?? []), ms]);
      cpuTimes[side].set(key, [...(cpuTimes[side].get(key) ?? []), cpuMs]);
    }
    console.error(`round ${round + 1}/${rounds}: ${side} done`);
  }
}

const rows = [...times.after.keys()].map((key) => {
  const [model, batch] = key.split('@');
  const [b, a] = [median(times.before.get(key)), median(times.after.get(key))];
  const cpuSpeedup = median(cpuTimes.before.get(key)) / median(cpuTimes.after.get(key));
  return {
    model, batch: Number(batch), beforeImgPerS: (Number(batch) * 1000) / b, afterImgPerS: (Number(batch) * 1000) / a, speedup: b / a, cpuSpeedup,
    beforeMs: times.before.get(key), afterMs: times.after.get(key), beforeCpuMs: cpuTimes.before.get(key), afterCpuMs: cpuTimes.after.get(key),
  };
});
printTable(`tfjs-wasm forward, median of ${rounds} interleaved rounds`, [
  { title: 'model', left: true, cell: (r) => r.model },
  { title: 'batch', cell: (r) => String(r.batch) },
  { title: 'before img/s', cell: (r) => r.beforeImgPerS.toFixed(2) },
  { title: 'after img/s', cell: (r) => r.afterImgPerS.toFixed(2) },
  { title: 'after/before', cell: (r) => `${r.speedup.toFixed(2)}x` },
  { title: 'cpu after/before', cell: (r) => `${r.cpuSpeedup.toFixed(2)}x` },
], rows, [`before: ${sides.before}`, 'cpu after/before: median CPU time of a pass before / after (> 1: after is faster)']);
writeJsonAtomic(out, { meta: { ...machineInfo(), before: sides.before, rounds, secondsPerCase: Number(seconds) }, rows });
