// SPDX-License-Identifier: MIT
// Benchmark (not a test): the fused wasm GELU and LayerNorm kernels against the composites of tfjs ops they
// replace, on the activation shapes of nat_mini's first level, in interleaved rounds. Prints a table and writes
// bench-results/elementwise.json.
//
//   pnpm build && node scripts/bench_elementwise.mjs [--rounds=15]
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { gelu, layerNorm } from '@natzoo/core';
import { compositeGelu, compositeLayerNorm } from '@natzoo/core/advanced';
import { median } from './bench/measure.mjs';
import { machineInfo, printTable, writeJsonAtomic } from './bench/report.mjs';

const rounds = Number(process.argv.find((a) => a.startsWith('--rounds='))?.split('=')[1] ?? 15);
await tf.setBackend('wasm');
const hidden = tf.randomNormal([8 * 3136, 256]);
const tokens = tf.randomNormal([8 * 3136, 64]);
const [gamma, beta] = [tf.randomNormal([64]), tf.randomNormal([64])];
const cases = [
  { name: 'GELU [25088, 256]', fused: () => gelu(hidden), composite: () => compositeGelu(hidden) },
  { name: 'LayerNorm [25088, 64]', fused: () => layerNorm(tokens, gamma, beta, 1e-5), composite: () => compositeLayerNorm(tokens, gamma, beta, 1e-5) },
];
const time = (/** @type {() => tf.Tensor} */ f) => {
  const start = performance.now();
  const y = f();
  y.dataSync();
  y.dispose();
  return performance.now() - start;
};
const rows = cases.map(({ name, fused, composite }) => {
  time(fused);
  time(composite);
  const t = { fused: /** @type {number[]} */ ([]), composite: /** @type {number[]} */ ([]) };
  for (let r = 0; r < rounds; r++) {
    t.fused.push(time(fused));
    t.composite.push(time(composite));
  }
  return { name, fusedMs: median(t.fused), compositeMs: median(t.composite), speedup: median(t.composite) / median(t.fused) };
});
printTable(`tfjs-wasm element-wise kernels, median of ${rounds} interleaved rounds`, [
  { title: 'op', left: true, cell: (r) => r.name },
  { title: 'fused ms', cell: (r) => r.fusedMs.toFixed(2) },
  { title: 'composite ms', cell: (r) => r.compositeMs.toFixed(2) },
  { title: 'composite/fused', cell: (r) => `${r.speedup.toFixed(2)}x` },
], rows);
const here = fileURLToPath(new URL('..', import.meta.url));
writeJsonAtomic(resolve(here, 'bench-results', 'elementwise.json'), { meta: machineInfo(), rounds, rows });
