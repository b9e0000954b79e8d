// SPDX-License-Identifier: MIT
// One round of scripts/bench_ab.mjs inside one checkout: builds each model from that checkout's packages (random
// weights; cct_2_3x2_32 is the shipped model of its checkpoints/), times forward passes on tfjs-wasm and prints
// one JSON line { model, batch, ms, cpuMs } per case: the median wall time of a pass and the median CPU time this
// process spent on one (which the machine's other load skews far less than wall time).
// Usage: node ab_worker.mjs <checkout root> <models> <batches> <seconds>
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [root, modelList, batchList, secondsArg] = process.argv.slice(2);
const from = (/** @type {string} */ path) => import(pathToFileURL(join(root, path)).href);
const tf = await from('node_modules/@tensorflow/tfjs/dist/tf.node.js');
await from('node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.node.js');
const { createModel } = await from('packages/models/dist/index.js');
const { loadModelDir } = await from('packages/train/dist/index.js');
if (!(await tf.setBackend('wasm'))) throw new Error('ab_worker: the wasm backend did not start');

const SHIPPED = 'cct_2_3x2_32';
const seconds = Number(secondsArg);
for (const name of modelList.split(',')) {
  const model = name === SHIPPED ? (await loadModelDir(join(root, 'checkpoints', 'cct_2_3x2_32.cifar10'))).model : createModel(name);
  const size = model.inputs[0].shape[1];
  for (const batch of batchList.split(',').map(Number)) {
    const x = tf.randomNormal([batch, size, size, 3]);
    const once = () => {
      const [start, cpu] = [performance.now(), process.cpuUsage()];
      tf.tidy(() => model.predict(x)).dataSync();
      const { user, system } = process.cpuUsage(cpu);
      return { ms: performance.now() - start, cpuMs: (user + system) / 1000 };
    };
    once();
    once();
    const runs = [];
    const until = performance.now() + seconds * 1000;
    while (runs.length < 3 || performance.now() < until) runs.push(once());
    const median = (/** @type {number[]} */ xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
    console.log(JSON.stringify({ model: name, batch, ms: median(runs.map((r) => r.ms)), cpuMs: median(runs.map((r) => r.cpuMs)), runs: runs.length }));
    x.dispose();
  }
  model.dispose();
}
