// SPDX-License-Identifier: MIT
// Benchmark (not a test) of the web app in headless Debian Chromium: per backend, the model load time over
// HTTP (fresh profile) and from the IndexedDB cache (page reloaded), and the first and warm (median of 5)
// inference times the page itself measures and shows; and (section `threads`, scripts/bench/web_threads.mjs) the
// wasm page's img/s on tfjs-wasm's threaded build with 1 and 2 threads beside the single-threaded build, pages
// taking turns round after round. Builds apps/web with Vite and serves it with `vite preview` on loopback (cross-
// origin isolated, as `pnpm web`). Prints tables to stdout, progress to stderr, writes bench-results/web.json.
//
//   pnpm bench:web                                     webgpu, webgl, wasm, cpu; then threads
//   node scripts/bench_web.mjs --backends=wasm,webgl [--sections=backends,threads] [--rounds=5] [--out=file.json]
// Env: CHROMIUM_PATH (default /usr/bin/chromium).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build, preview } from 'vite';
import { machineInfo, ms, printTable, writeJsonAtomic } from './bench/report.mjs';
import { addHeavierModel, benchThreads, serveWithoutIsolation, THREAD_PAGES } from './bench/web_threads.mjs';

/* global document -- the waitForFunction callbacks run in the page */

const ALL = ['webgpu', 'webgl', 'wasm', 'cpu'];
const argv = process.argv.slice(2);
for (const a of argv) {
  if (!['backends', 'sections', 'rounds', 'out'].includes(a.replace(/^--/, '').split('=')[0])) {
    console.error(`bench_web: unknown argument ${a}; expected --backends=webgpu,webgl,wasm,cpu, --sections=backends,threads, --rounds=N, --out=file.json`);
    process.exit(2);
  }
}
const argValue = (/** @type {string} */ name) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const BACKENDS = (argValue('backends') ?? ALL.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
for (const b of BACKENDS) {
  if (!ALL.includes(b)) {
    console.error(`bench_web: --backends ${b}: expected some of ${ALL.join(', ')}`);
    process.exit(2);
  }
}
const SECTIONS = (argValue('sections') ?? 'backends,threads').split(',').map((s) => s.trim()).filter(Boolean);
const ROUNDS = Number(argValue('rounds') ?? 5);
if (SECTIONS.some((s) => !['backends', 'threads'].includes(s)) || !(Number.isSafeInteger(ROUNDS) && ROUNDS > 0)) {
  console.error(`bench_web: --sections=${SECTIONS.join(',')} --rounds=${ROUNDS}: expected sections from backends,threads and a positive whole number of rounds`);
  process.exit(2);
}
const OUT = argValue('out') ?? fileURLToPath(new URL('../bench-results/web.json', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const APP = fileURLToPath(new URL('../apps/web', import.meta.url));
const IMAGES = ['0_cat.png', '3_airplane.png', '6_automobile.png'].map((f) => fileURLToPath(new URL(`../checkpoints/samples/${f}`, import.meta.url)));
const ARGS = [
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
  '--disable-quic', '--no-sandbox', '--disable-gpu-sandbox', '--disable-dev-shm-usage', '--enable-unsafe-webgpu',
];

if (!existsSync(CHROMIUM)) {
  console.error(`bench_web: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  process.exit(1);
}
const started = performance.now();
const progress = (/** @type {string} */ msg) => console.error(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}`);

/** @param {import('playwright-core').Page} page @param {string[]} states */
async function waitStatus(page, states, timeout = 120_000) {
  await page.waitForFunction((s) => s.includes(document.querySelector('[data-testid=status]')?.textContent ?? ''), states, { timeout });
  const status = await page.getByTestId('status').textContent();
  if (status === 'error') throw new Error(`page error: ${await page.getByTestId('error').textContent()}`);
}

/** @param {import('playwright-core').Page} page @param {string} id */
const msOf = async (page, id) => Number(await page.getByTestId(id).getAttribute('data-ms'));

/** @param {string} url @param {string} backend */
async function benchBackend(url, backend) {
  const profile = mkdtempSync(join(tmpdir(), 'natzoo-bench-web-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
  try {
    const page = await context.newPage();
    await page.goto(`${url}?backend=${backend}`);
    await waitStatus(page, ['model-ready', 'error']);
    const inUse = await page.getByTestId('backend').textContent();
    if (inUse !== backend) throw new Error(`asked for ${backend}, the page runs ${inUse}: ${await page.getByTestId('error').textContent()}`);
    const loadNetworkMs = await msOf(page, 'time-load');
    await page.reload();
    await waitStatus(page, ['model-ready', 'error']);
    const cachedFrom = await page.getByTestId('model-source').textContent();
    const loadCachedMs = await msOf(page, 'time-load');
    const perImageMs = [];
    for (const [i, image] of IMAGES.entries()) {
      await page.getByTestId('image-input').setInputFiles(image);
      await page.waitForFunction((n) => document.querySelector('[data-testid=predictions]')?.getAttribute('data-image') === n, image.split('/').pop(), { timeout: 120_000 });
      await waitStatus(page, ['ready', 'error']);
      if (i === 0) await page.waitForFunction(() => document.querySelector('[data-testid=time-warm]')?.hasAttribute('data-ms'), null, { timeout: 300_000 });
      perImageMs.push(await msOf(page, 'time-last'));
    }
    return { backend, loadNetworkMs, loadCachedMs, cachedFrom, firstMs: await msOf(page, 'time-first'), warmMs: await msOf(page, 'time-warm'), perImageMs };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

const outDir = mkdtempSync(join(tmpdir(), 'natzoo-bench-web-build-'));
progress('building apps/web with Vite');
await build({ root: APP, configFile: join(APP, 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
// Written before the servers start: vite preview lists the files it serves once.
const heavier = SECTIONS.includes('threads') ? await addHeavierModel(outDir, JSON.parse(readFileSync(join(APP, '../../checkpoints/cct_2_3x2_32.cifar10/preprocess.json'), 'utf8'))) : null;
const server = await preview({ root: APP, configFile: join(APP, 'vite.config.ts'), logLevel: 'warn', build: { outDir }, preview: { port: 0, strictPort: false } });
const plain = SECTIONS.includes('threads') ? await serveWithoutIsolation(APP, outDir) : null;
const url = server.resolvedUrls?.local[0];
const rows = [];
let threadRows = [];
const loadBefore = loadavg();
try {
  for (const backend of SECTIONS.includes('backends') ? BACKENDS : []) {
    progress(`${backend}: loading, then ${IMAGES.length} images`);
    try {
      rows.push(await benchBackend(url, backend));
    } catch (error) {
      rows.push({ backend, error: String(error instanceof Error ? error.message : error).split('\n')[0] });
    }
  }
  if (plain !== null) {
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
    try {
      const models = [{ label: 'cct_2_3x2_32.cifar10', path: null }, { label: 'cct_7_3x1_32 (random weights)', path: heavier }];
      threadRows = await benchThreads(browser, { isolated: url, plain: plain.resolvedUrls?.local[0] }, models, { batches: [1, 8], rounds: ROUNDS, seconds: 1, progress });
    } finally {
      await browser.close();
    }
  }
} finally {
  await plain?.close();
  await server.close();
  rmSync(outDir, { recursive: true, force: true });
}
const loadAfter = loadavg();

const version = (await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS }).then(async (b) => [b.version(), await b.close()]))[0];
if (rows.length > 0) printTable(
  `CCT-2/3x2 CIFAR-10 (32x32) in headless Chromium ${version}`,
  [
    { title: 'backend', cell: (r) => r.backend, left: true },
    { title: 'load HTTP ms', cell: (r) => ms(r.loadNetworkMs) },
    { title: 'load IndexedDB ms', cell: (r) => ms(r.loadCachedMs) },
    { title: 'first inference ms', cell: (r) => ms(r.firstMs) },
    { title: 'warm inference ms', cell: (r) => ms(r.warmMs) },
    { title: 'note', cell: (r) => r.error ?? '', left: true },
  ],
  rows,
  [
    'load: model.json + preprocess.json + weights to a LayersModel (HTTP from vite preview on loopback, fresh profile; then after a reload, from IndexedDB)',
    'first: the first predict + softmax + read-back after the load (shader/kernel set-up included); warm: median of 5 more on the same image',
    'WebGPU and WebGL run on SwiftShader (software) here: no GPU on this machine',
  ],
);
const imgs = (/** @type {number} */ v) => v.toFixed(1);
if (threadRows.length > 0) printTable(
  `wasm page img/s: threaded build (cross-origin isolated) vs single-threaded, headless Chromium ${version}`,
  [
    { title: 'model', cell: (r) => r.model, left: true },
    { title: 'batch', cell: (r) => String(r.batch) },
    ...THREAD_PAGES.map((p) => ({ title: p.title, cell: (r) => imgs(r[p.id]) })),
    { title: '2 vs 1 thread', cell: (r) => `${(r['threaded-2'] / r['threaded-1']).toFixed(2)}x` },
    { title: '2 threads vs single-threaded', cell: (r) => `${(r['threaded-2'] / r.single).toFixed(2)}x` },
  ],
  threadRows,
  [
    `img/s through window.natzoo.logits (tensor in, forward, logits read back), median of ${ROUNDS} interleaved rounds of about 1 s per page`,
    'the threaded pages are served with COOP/COEP (?threads=N); the single-threaded one is the same build served without them',
    `load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')} (${cpus().length} cores)`,
  ],
);
writeJsonAtomic(OUT, { ...machineInfo(), chromium: version, model: 'cct_2_3x2_32.cifar10', images: IMAGES.map((p) => p.split('/').pop()), rows, threads: { rounds: ROUNDS, loadBefore, loadAfter, rows: threadRows } });
console.log(`\nwrote ${OUT}`);
