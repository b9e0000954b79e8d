// SPDX-License-Identifier: MIT
// Benchmark (not a test): a pretrained model by hub id from a loopback hub, the way a user meets it. An 80 MB
// nat_mini-sized checkpoint (random weights, pytorch_model.bin behind a redirect, a transformers-style
// config.json with ImageNet's id2label) is downloaded, converted and classified once (cold: empty cache), then
// loaded from the cache (cached), in interleaved rounds, each in a fresh Node process (its peak RSS is its own);
// then the same in headless Chromium through the web app (scripts/bench/pretrained_page.mjs; skipped with
// --no-web or without Chromium). Prints tables and writes bench-results/pretrained.json.
//
//   pnpm build && node scripts/bench_pretrained.mjs [--rounds=3] [--no-web] [--out=file.json]
// Env: CHROMIUM_PATH (default /usr/bin/chromium).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { createModel, exportStateDict, getModelConfig, labelNames } from '@natzoo/models';
import { OrderedDictToSave, writeTorchCheckpoint } from '@natzoo/train';
import { median } from './bench/measure.mjs';
import { hfConfig, IMAGENET_PREPROCESSOR, serveHub } from './bench/hub_server.mjs';
import { benchPage } from './bench/pretrained_page.mjs';
import { machineInfo, ms, printTable, writeJsonAtomic } from './bench/report.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const rounds = Number(arg('rounds', '3'));
const out = arg('out', join(root, 'bench-results', 'pretrained.json'));
const REPO = 'shi-labs/nat-mini-in1k-224';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const WEB = !process.argv.includes('--no-web') && existsSync(CHROMIUM);

/** nat_mini's upstream kwargs from our config (camelCase -> upstream names). */
function natMiniKwargs() {
  const c = getModelConfig('nat_mini');
  return { embed_dim: c.embedDim, mlp_ratio: c.mlpRatio, depths: [...c.depths], num_heads: [...c.numHeads], kernel_size: c.kernelSize };
}

const work = mkdtempSync(join(tmpdir(), 'natzoo-bench-pretrained-'));
try {
  await tf.setBackend('cpu');
  const model = createModel('nat_mini');
  const checkpoint = join(work, 'pytorch_model.bin');
  await writeTorchCheckpoint(checkpoint, new OrderedDictToSave(exportStateDict(model)));
  model.dispose();
  const bytes = new Uint8Array(readFileSync(checkpoint));
  console.error(`nat_mini checkpoint: ${(bytes.length / 1e6).toFixed(1)} MB`);
  const hub = await serveHub([{ id: REPO, files: { 'config.json': hfConfig('nat', natMiniKwargs(), labelNames('imagenet1k', 1000)), 'preprocessor_config.json': IMAGENET_PREPROCESSOR, 'pytorch_model.bin': bytes } }]);
  const rows = [];
  const webRows = [];
  try {
    // Asynchronous: the hub is served from this process.
    const run = promisify(execFile);
    const load = async (cacheDir) => JSON.parse((await run(process.execPath, [join(root, 'scripts/bench/pretrained_load.mjs'), hub.url, REPO, cacheDir])).stdout.trim().split('\n').pop());
    for (let round = 0; round < rounds; round++) {
      const cacheDir = join(work, `cache-${round}`);
      rows.push({ round, kind: 'cold', ...(await load(cacheDir)) });
      rows.push({ round, kind: 'cached', ...(await load(cacheDir)) });
      console.error(`node round ${round + 1}/${rounds} done`);
    }
    if (WEB) webRows.push(...(await benchPage(hub.url, REPO, rounds, CHROMIUM, (line) => console.error(line))));
    else console.error(`chromium part skipped: ${existsSync(CHROMIUM) ? '--no-web' : `no Chromium at ${CHROMIUM}`}`);
  } finally {
    await hub.close();
  }
  const summary = ['cold', 'cached'].map((kind) => {
    const of = rows.filter((r) => r.kind === kind);
    const at = (stage) => median(of.map((r) => r.stages[stage] ?? NaN));
    return {
      kind,
      downloadMs: kind === 'cold' ? at('converting') - at('downloading') : null,
      convertMs: kind === 'cold' ? at('caching') - at('converting') : null,
      loadedMs: median(of.map((r) => r.loadedMs)),
      firstClassifyMs: median(of.map((r) => r.firstClassifyMs)),
      totalMs: median(of.map((r) => r.totalMs)),
      peakRssMB: Math.max(...of.map((r) => r.peakRssBytes)) / 1e6,
      peakArrayBuffersMB: Math.max(...of.map((r) => r.peakArrayBuffersBytes)) / 1e6,
    };
  });
  const cold = summary[0];
  const cached = summary[1];
  printTable(
    `Node: ${REPO} (${(bytes.length / 1e6).toFixed(1)} MB pytorch_model.bin) from a loopback hub, median of ${rounds} interleaved rounds`,
    [
      { title: 'load', cell: (r) => r.kind, left: true },
      { title: 'download ms', cell: (r) => ms(r.downloadMs) },
      { title: 'convert ms', cell: (r) => ms(r.convertMs) },
      { title: 'model ready ms', cell: (r) => ms(r.loadedMs) },
      { title: '1st classify ms', cell: (r) => ms(r.firstClassifyMs) },
      { title: 'total ms', cell: (r) => ms(r.totalMs) },
      { title: 'peak RSS MB', cell: (r) => r.peakRssMB.toFixed(0) },
      { title: 'peak ArrayBuffers MB', cell: (r) => r.peakArrayBuffersMB.toFixed(0) },
    ],
    summary,
    [`cached / cold total: ${(cached.totalMs / cold.totalMs).toFixed(3)}; backend wasm; each load in a fresh process`],
  );
  const webSummary = ['cold', 'cached'].map((kind) => {
    const of = webRows.filter((r) => r.kind === kind);
    return { kind, source: of[0]?.source, loadMs: median(of.map((r) => r.loadMs)), firstClassifyMs: median(of.map((r) => r.firstClassifyMs)), totalMs: median(of.map((r) => r.totalMs)), peakRssMB: Math.max(...of.map((r) => r.peakRssBytes)) / 1e6 };
  });
  if (webRows.length > 0) {
    printTable(
      `Chromium (web app, wasm backend, conversion in a Web Worker): ${REPO}, median of ${rounds} rounds`,
      [
        { title: 'load', cell: (r) => `${r.kind} (${r.source})`, left: true },
        { title: 'model ready ms', cell: (r) => ms(r.loadMs) },
        { title: '1st classify ms', cell: (r) => ms(r.firstClassifyMs) },
        { title: 'total ms', cell: (r) => ms(r.totalMs) },
        { title: 'peak RSS MB (all processes)', cell: (r) => r.peakRssMB.toFixed(0) },
      ],
      webSummary,
      [`cached / cold total: ${(webSummary[1].totalMs / webSummary[0].totalMs).toFixed(3)}; cold = fresh profile (download + convert + IndexedDB write), cached = reload`],
    );
  }
  writeJsonAtomic(out, { machine: machineInfo(), checkpointBytes: bytes.length, rounds: rows, summary, web: { rounds: webRows, summary: webSummary } });
  console.error(`wrote ${out}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
