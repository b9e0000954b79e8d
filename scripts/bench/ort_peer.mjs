// SPDX-License-Identifier: MIT
// onnxruntime peer for scripts/bench_models.mjs, run in its own process so its peak RSS is its own: times an
// ONNX model (NCHW `image` -> `logits`) at each batch size and prints one JSON object on stdout.
//
//   node scripts/bench/ort_peer.mjs --onnx=model.onnx --size=224 --threads=1 --batches=1,8 [--runtime=node|web]
//     [--input=x.npy (NHWC float32, batch 1: its logits go to --logits-out)] [--logits-out=y.bin]
//     [--quick] [--target-ms=3000] [--serve]
// --runtime=node (default): onnxruntime-node's CPU EP; --threads=0 lets it choose (one intra-op thread per physical
// core). --runtime=web: onnxruntime-web's wasm backend (SIMD, its .wasm files loaded from node_modules), which
// runs --threads=1 only (`ort.env.wasm.numThreads = 1`: one wasm core, as tfjs-wasm). With --serve it then reads batch
// sizes from stdin, one per line, runs one timed forward pass for each and answers `{"ms": ...}` per line, so
// the parent can interleave these runs with its own (ratios that hold up when the machine's load drifts).
import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const args = Object.fromEntries(process.argv.slice(2).map((a) => {
  const [k, ...v] = a.replace(/^--/, '').split('=');
  return [k, v.length ? v.join('=') : 'true'];
}));
for (const required of ['onnx', 'size', 'threads']) {
  if (args[required] == null) {
    console.error(`ort_peer: missing --${required}=...`);
    process.exit(2);
  }
}
const size = Number(args.size);
const threads = Number(args.threads);
const batches = String(args.batches ?? '').split(',').filter(Boolean).map(Number);
const quick = args.quick === 'true';
const targetMs = Number(args['target-ms'] ?? 3000);
const runtime = args.runtime ?? 'node';
if (runtime !== 'node' && runtime !== 'web') {
  console.error(`ort_peer: --runtime must be node or web; got ${runtime}`);
  process.exit(2);
}
if (runtime === 'web' && threads !== 1) {
  console.error(`ort_peer: --runtime=web runs one thread; got --threads=${threads}`);
  process.exit(2);
}
const ort = runtime === 'web' ? await import('onnxruntime-web') : await import('onnxruntime-node');
if (runtime === 'web') ort.env.wasm.numThreads = 1;

/** Reads a little-endian float32 .npy (C order) written by @natzoo/train's writeNpy. */
function readNpyF32(/** @type {string} */ file) {
  const buf = readFileSync(file);
  const headerLen = buf[6] === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = (buf[6] === 1 ? 10 : 12) + headerLen;
  const header = buf.subarray(0, start).toString('latin1');
  const shape = /'shape': \(([^)]*)\)/.exec(header)?.[1].split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (!header.includes("'<f4'") || shape == null) throw new Error(`ort_peer: --input ${file} is not a float32 .npy`);
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + buf.length));
  return { data, shape };
}

/** NHWC -> NCHW. */
function toNCHW(/** @type {Float32Array} */ x, /** @type {number[]} */ [b, h, w, c]) {
  const out = new Float32Array(x.length);
  for (let n = 0; n < b; n++) {
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < w; xx++) {
        for (let ch = 0; ch < c; ch++) out[((n * c + ch) * h + y) * w + xx] = x[((n * h + y) * w + xx) * c + ch];
      }
    }
  }
  return out;
}

const median = (/** @type {number[]} */ xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const baseRss = process.memoryUsage().rss;
const session = await ort.InferenceSession.create(args.onnx, runtime === 'web'
  ? { graphOptimizationLevel: 'all', executionProviders: ['wasm'] }
  : { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all', executionProviders: ['cpu'] });
const result = /** @type {any} */ ({ runtime, threads, runs: [] });

if (args.input) {
  const { data, shape } = readNpyF32(args.input);
  const nchw = toNCHW(data, shape);
  const out = await session.run({ image: new ort.Tensor('float32', nchw, [shape[0], shape[3], shape[1], shape[2]]) });
  const logits = /** @type {Float32Array} */ (out.logits.data);
  writeFileSync(args['logits-out'], Buffer.from(logits.buffer, logits.byteOffset, logits.byteLength));
}

const inputs = new Map();
/** One timed forward pass on a random input of the given batch (made once per batch size). */
async function once(/** @type {number} */ batch) {
  if (!inputs.has(batch)) {
    const n = batch * 3 * size * size;
    inputs.set(batch, new ort.Tensor('float32', Float32Array.from({ length: n }, () => Math.random() * 2 - 1), [batch, 3, size, size]));
  }
  const t0 = performance.now();
  await session.run({ image: inputs.get(batch) });
  return performance.now() - t0;
}

if (args.serve === 'true') {
  console.log(JSON.stringify({ ready: true }));
  for await (const line of createInterface({ input: process.stdin })) {
    const batch = Number(line.trim());
    if (!Number.isInteger(batch) || batch < 1) break;
    console.log(JSON.stringify({ ms: await once(batch) }));
  }
  await session.release();
  process.exit(0);
}

for (const batch of batches) {
  // Warm-up (not timed), then enough runs to fill targetMs: at least 3, fewer when a run is slow.
  let warmMs = await once(batch);
  if (!quick && warmMs < 2000) warmMs = await once(batch);
  const minRuns = warmMs < 3000 ? 3 : warmMs < 15000 ? 2 : 1;
  const runs = quick ? 2 : Math.max(minRuns, Math.min(30, Math.ceil(targetMs / Math.max(warmMs, 1e-3))));
  const timesMs = [];
  for (let i = 0; i < runs; i++) timesMs.push(await once(batch));
  result.runs.push({
    batch,
    medianMs: median(timesMs),
    timesMs,
    peakRssBytes: process.resourceUsage().maxRSS * 1024 - baseRss,
  });
  console.error(`[ort_peer] ${runtime} threads ${threads} batch ${batch}: ${median(timesMs).toFixed(0)} ms (median of ${runs})`);
}
await session.release();
console.log(JSON.stringify(result));
