// SPDX-License-Identifier: MIT
// The Chromium half of scripts/bench_pretrained.mjs: the web app loads a model by name (`?pretrained=`) from the
// loopback hub, converting it in its Web Worker (cold, fresh profile), classifies a sample, then reloads and
// takes it from IndexedDB (cached). Times are the page's own (time-load, time-first); memory is the peak of the
// summed resident sets of every Chromium process of the profile, sampled every 50 ms from /proc.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build, preview } from 'vite';

/* global document -- the waitForFunction callbacks run in the page */

const APP = fileURLToPath(new URL('../../apps/web', import.meta.url));
const ARGS = ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--no-sandbox', '--disable-dev-shm-usage'];

/** Summed RSS (bytes) of the processes whose command line names `profile`, and of their descendants. */
function chromiumRss(profile) {
  const procs = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
      procs.push({ pid: Number(pid), ppid, rss, mine: readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(profile) });
    } catch {
      // The process ended while being read.
    }
  }
  const members = new Set(procs.filter((p) => p.mine).map((p) => p.pid));
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs) if (!members.has(p.pid) && members.has(p.ppid)) grew = members.add(p.pid) !== undefined;
  }
  return procs.filter((p) => members.has(p.pid)).reduce((n, p) => n + p.rss, 0);
}

/** Runs `task` while sampling the profile's Chromium RSS; resolves to [result, peak bytes]. */
async function withPeakRss(profile, task) {
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, chromiumRss(profile))), 50);
  try {
    const result = await task();
    peak = Math.max(peak, chromiumRss(profile));
    return [result, peak];
  } finally {
    clearInterval(timer);
  }
}

async function waitStatus(page, states, timeout = 600_000) {
  await page.waitForFunction((s) => s.includes(document.querySelector('[data-testid=status]')?.textContent ?? ''), states, { timeout });
  if ((await page.getByTestId('status').textContent()) === 'error') throw new Error(`page error: ${await page.getByTestId('error').textContent()}`);
}

const msOf = async (page, id) => Number(await page.getByTestId(id).getAttribute('data-ms'));

/** Loads (goto or reload), classifies the first sample; the page's load and first-inference times. */
async function loadAndClassify(page, open) {
  await open();
  await waitStatus(page, ['model-ready', 'error']);
  const source = await page.getByTestId('model-source').textContent();
  await page.locator('[data-testid=sample]').first().click();
  await waitStatus(page, ['ready', 'error']);
  const loadMs = await msOf(page, 'time-load');
  const firstClassifyMs = await msOf(page, 'time-first');
  return { source, loadMs, firstClassifyMs, totalMs: loadMs + firstClassifyMs };
}

/** `rounds` cold/cached pairs of the page loading `repo` from `hubUrl`, each cold one in a fresh profile. */
export async function benchPage(hubUrl, repo, rounds, chromiumPath, log) {
  const outDir = mkdtempSync(join(tmpdir(), 'natzoo-bench-pretrained-web-'));
  log('building apps/web with Vite');
  await build({ root: APP, configFile: join(APP, 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  const server = await preview({ root: APP, configFile: join(APP, 'vite.config.ts'), logLevel: 'warn', build: { outDir }, preview: { port: 0, strictPort: false } });
  const url = `${server.resolvedUrls?.local[0]}?backend=wasm&warm=0&hub=${encodeURIComponent(hubUrl)}&pretrained=${encodeURIComponent(repo)}`;
  const rows = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const profile = mkdtempSync(join(tmpdir(), 'natzoo-bench-profile-'));
      const context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath, headless: true, args: ARGS });
      try {
        const page = await context.newPage();
        const [cold, coldPeak] = await withPeakRss(profile, () => loadAndClassify(page, () => page.goto(url)));
        rows.push({ round, kind: 'cold', ...cold, peakRssBytes: coldPeak });
        const [cached, cachedPeak] = await withPeakRss(profile, () => loadAndClassify(page, () => page.reload()));
        rows.push({ round, kind: 'cached', ...cached, peakRssBytes: cachedPeak });
        log(`chromium round ${round + 1}/${rounds} done`);
      } finally {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      }
    }
  } finally {
    await server.close();
    rmSync(outDir, { recursive: true, force: true });
  }
  return rows;
}
