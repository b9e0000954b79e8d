// SPDX-License-Identifier: MIT
// One measured load for scripts/bench_pretrained.mjs, in its own process so that its peak memory is its own:
// loadPretrained(repo) from a loopback hub with a cache directory, then the first classification of one image.
// Prints one JSON line: the stage times (ms from the start), the total, and the peak resident set.
//   node scripts/bench/pretrained_load.mjs <endpoint> <repo> <cacheDir>
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { loadPretrained } from '@natzoo/train';
import { dirCache } from '@natzoo/train/advanced';

const [endpoint, repo, cacheDir] = process.argv.slice(2);
await tf.setBackend('wasm');
let peakArrayBuffers = 0;
const sample = () => (peakArrayBuffers = Math.max(peakArrayBuffers, process.memoryUsage().arrayBuffers));
const sampler = setInterval(sample, 20);
const start = performance.now();
/** @type {Record<string, number>} */
const stages = {};
const classifier = await loadPretrained(repo, { endpoint, cache: dirCache(cacheDir), onStage: (stage) => (stages[stage] = performance.now() - start) });
const loaded = performance.now() - start;
const image = { width: 256, height: 256, data: Uint8Array.from({ length: 256 * 256 * 3 }, (_, i) => (i * 37) % 256) };
const top = await classifier.classify(image, { topk: 1 });
const total = performance.now() - start;
sample();
clearInterval(sampler);
classifier.dispose();
console.log(JSON.stringify({ stages, loadedMs: loaded, firstClassifyMs: total - loaded, totalMs: total, top: top[0]?.className, peakRssBytes: process.resourceUsage().maxRSS * 1024, peakArrayBuffersBytes: peakArrayBuffers }));
