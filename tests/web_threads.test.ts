// SPDX-License-Identifier: MIT
// The web app on tfjs-wasm's threaded build in headless Debian Chromium: served as `pnpm web` serves it (COOP/COEP
// headers) the page is cross-origin isolated and runs the threaded build with two XNNPACK threads and natzoo's
// kernels bound to its shared memory; served as a plain static host would (no headers) it keeps the
// single-threaded build. Both pages must classify the same images the same way, and give the same logits.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { readCifarBinary } from '@natzoo/train';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, chromiumPath, haveChromium, reportMissingChromium } from './browser/chromium.js';
import { buildAndServeWebApp } from './browser/web_app_server.js';
import type { WebAppServer } from './browser/web_app_server.js';
import { sharedPath } from './support/shared_dir.js';

reportMissingChromium('web app threads test');
/** CIFAR-10 test records, written as PNG so both pages decode the same bytes. */
const RECORDS = [7, 44, 210];
/** A fixed NHWC batch for window.natzoo.logits. */
const BATCH: [number, number, number, number] = [2, 32, 32, 3];

interface PageRun {
  crossOriginIsolated: boolean;
  wasm: { crossOriginIsolated: boolean; threads: number; kernelMemory: string | null } | null;
  shown: string;
  notes: string[];
  top: { label: string; prob: number }[][];
  logits: number[];
}

/** Waits for the page's status to read `state` (or error, which throws with the page's message). */
async function untilStatus(page: Page, state: string): Promise<void> {
  await page.waitForFunction((s) => [s, 'error'].includes(document.querySelector('[data-testid=status]')?.textContent ?? ''), state, { timeout: 120_000 });
  if ((await page.getByTestId('status').textContent()) === 'error') throw new Error(`page error: ${await page.getByTestId('error').textContent()}`);
}

/** Opens `url`, classifies `images` through the file input and reads the logits of a fixed batch. */
async function runPage(browser: Browser, url: string, images: string[]): Promise<PageRun> {
  const page = await browser.newPage();
  try {
    await page.goto(url);
    await untilStatus(page, 'model-ready');
    const top: PageRun['top'] = [];
    for (const image of images) {
      await page.getByTestId('image-input').setInputFiles(image);
      await page.waitForFunction(
        (name) => document.querySelector('[data-testid=status]')?.textContent === 'error' || document.querySelector('[data-testid=predictions]')?.getAttribute('data-image') === name,
        basename(image),
        { timeout: 120_000 },
      );
      await untilStatus(page, 'ready');
      top.push(await page.getByTestId('prediction').evaluateAll((rows) => rows.map((row) => ({ label: row.getAttribute('data-label') ?? '', prob: Number(row.getAttribute('data-prob')) }))));
    }
    return await page.evaluate(async (shape) => {
      const natzoo = (window as unknown as { natzoo: { wasm: PageRun['wasm']; logits(data: number[], shape: number[]): Promise<number[]> } }).natzoo;
      const size = shape.reduce((a, b) => a * b, 1);
      const data = Array.from({ length: size }, (_, i) => Math.sin(0.37 * i) * 1.5);
      return {
        crossOriginIsolated,
        wasm: natzoo.wasm,
        shown: document.querySelector('[data-testid=wasm-threads]')?.textContent ?? '',
        notes: Array.from(document.querySelectorAll('#errors li'), (li) => li.textContent ?? ''),
        logits: await natzoo.logits(data, shape),
      };
    }, BATCH).then((run) => ({ ...run, top }));
  } finally {
    await page.close();
  }
}

describe.skipIf(!haveChromium)('web app on the threaded wasm build in headless Chromium', () => {
  let server: WebAppServer;
  let plain: { url: string; close(): Promise<void> };
  let browser: Browser;
  let work: string;
  let images: string[];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'natzoo-web-threads-'));
    const cifar = await readCifarBinary(sharedPath('data/cifar10/test_batch_first1017.bin'));
    images = await Promise.all(
      RECORDS.map(async (record) => {
        const path = join(work, `cifar_test_${record}.png`);
        writeFileSync(path, await sharp(cifar.pixels.subarray(record * 3072, (record + 1) * 3072), { raw: { width: 32, height: 32, channels: 3 } }).png().toBuffer());
        return path;
      }),
    );
    server = await buildAndServeWebApp();
    plain = await server.serveWithoutIsolation();
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: CHROMIUM_ARGS });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await plain?.close();
    await server?.close();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it('is cross-origin isolated, runs two threads on shared memory, and classifies as the single-threaded page', { timeout: 300_000 }, async () => {
    const threaded = await runPage(browser, `${server.url}?backend=wasm&warm=0&threads=2`, images);
    const single = await runPage(browser, `${plain.url}?backend=wasm&warm=0&threads=2`, images);

    expect(threaded.crossOriginIsolated).toBe(true);
    expect(threaded.wasm).toEqual({ crossOriginIsolated: true, threads: 2, kernelMemory: 'shared' });
    expect(threaded.shown).toContain('threaded build: 2 threads');
    expect(threaded.notes).toEqual([]);

    expect(single.crossOriginIsolated).toBe(false);
    expect(single.wasm).toEqual({ crossOriginIsolated: false, threads: 1, kernelMemory: 'unshared' });
    expect(single.notes).toEqual([expect.stringMatching(/\?threads=2 is ignored: the page is not cross-origin isolated/)]);

    for (const [i, rows] of threaded.top.entries()) {
      const want = single.top[i]!;
      expect(rows.map((r) => r.label), `image ${RECORDS[i]}`).toEqual(want.map((r) => r.label));
      rows.forEach((row, k) => expect(Math.abs(row.prob - want[k]!.prob), `image ${RECORDS[i]}, rank ${k}`).toBeLessThan(1e-5));
    }
    expect(threaded.logits).toHaveLength(single.logits.length);
    const scale = Math.max(...single.logits.map(Math.abs));
    const worst = Math.max(...threaded.logits.map((v, i) => Math.abs(v - single.logits[i]!)));
    console.log(`threaded (2 threads) vs single-threaded page: max |logit diff| ${worst.toExponential(2)} of max |logit| ${scale.toFixed(2)}`);
    expect(worst).toBeLessThan(1e-4 * scale);
  });

  it('runs one thread per logical core by default (tfjs alone would take half)', { timeout: 120_000 }, async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${server.url}?backend=wasm&warm=0`);
      await untilStatus(page, 'model-ready');
      const { cores, wasm } = await page.evaluate(() => ({
        cores: navigator.hardwareConcurrency,
        wasm: (window as unknown as { natzoo: { wasm: PageRun['wasm'] } }).natzoo.wasm,
      }));
      expect(wasm).toEqual({ crossOriginIsolated: true, threads: Math.min(cores, 8), kernelMemory: 'shared' });
    } finally {
      await page.close();
    }
  });
});
