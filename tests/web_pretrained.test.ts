// SPDX-License-Identifier: MIT
// The page loads a model by name in headless Chromium: a hub look-alike on loopback (another origin than the
// page) serves the DiNAT fixture as a transformers-named pytorch_model.bin behind a redirect. The page downloads
// and converts it in a Web Worker, its logits must match the fixture's upstream logits, its labels come from
// id2label, progress is monotone and ends at the file's size, a second page reads it from IndexedDB without a
// weight request, and a gated repo, a CORS refusal and a missing repo each get their own message.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpy } from '@natzoo/train';
import { serveHub } from '../scripts/bench/hub_server.mjs';
import { CHROMIUM_ARGS, chromiumPath, haveChromium, reportMissingChromium } from './browser/chromium.js';
import { buildAndServeWebApp } from './browser/web_app_server.js';
import type { WebAppServer } from './browser/web_app_server.js';
import { fixtureRepo, hubLabel } from './support/hub_fixtures.js';
import { repoRoot, sharedPath } from './support/shared_dir.js';

reportMissingChromium('web pretrained-by-name test');

const REPO = 'shi-labs/dinat-fixture';

/** The page's test hooks on `window.natzoo` (apps/web/src/main.ts). */
type PageHooks = { natzoo: { logits(data: number[], shape: [number, number, number, number]): Promise<number[]>; progress: { loaded: number; total: number | null }[] } };
const FIXTURE = 'dinat_mini_pattern_224';

describe.skipIf(!haveChromium)('the page loads a model by hub id in headless Chromium', () => {
  let hub: Awaited<ReturnType<typeof serveHub>>;
  let server: WebAppServer;
  let context: BrowserContext;
  let work: string;
  let weightBytes = 0;
  /** The page's cache size after the first test: the bundled model and the float32 entry. */
  let float32CacheBytes = 0;
  const logs: string[] = [];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'natzoo-web-pretrained-'));
    const repo = await fixtureRepo(REPO, FIXTURE, 'dinat');
    weightBytes = (repo.files['pytorch_model.bin'] as Uint8Array).length;
    hub = await serveHub([repo, { id: 'nocors/model', files: repo.files }]);
    server = await buildAndServeWebApp();
    context = await chromium.launchPersistentContext(join(work, 'profile'), { executablePath: chromiumPath, headless: true, args: CHROMIUM_ARGS });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await server?.close();
    await hub?.close();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  async function openPage(query: string): Promise<Page> {
    const page = await context.newPage();
    page.on('console', (message) => logs.push(message.text()));
    page.on('pageerror', (error) => logs.push(`page error: ${error.message}`));
    await page.goto(`${server.url}?backend=wasm&warm=0&hub=${encodeURIComponent(hub.url)}${query}`);
    return page;
  }

  const settled = (page: Page) =>
    page.waitForFunction(() => ['model-ready', 'ready', 'error'].includes(document.querySelector('[data-testid=status]')?.textContent ?? ''), null, { timeout: 90_000 });

  async function loadByName(page: Page, ref: string): Promise<void> {
    await page.waitForFunction(() => document.querySelector('[data-testid=status]')?.textContent === 'model-ready', null, { timeout: 60_000 });
    await page.getByTestId('pretrained-ref').fill(ref);
    await page.getByTestId('pretrained-load').click();
    await page.waitForFunction((name) => document.querySelector('[data-testid=model-name]')?.textContent === name, ref, { timeout: 5_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid=status]')?.textContent !== 'model-ready' || document.querySelector('[data-testid=model-source]')?.textContent !== 'loading', null, { timeout: 5_000 });
    await settled(page);
  }

  /** Max |page - fixture| over max |fixture| for the fixture's input. */
  async function logitError(page: Page): Promise<number> {
    const dir = sharedPath('fixtures', 'models', FIXTURE);
    const input = await readNpy(join(dir, 'input.npy'));
    const [, c, h, w] = input.shape as [number, number, number, number];
    const nchw = input.data as Float32Array;
    const nhwc = new Array<number>(nchw.length);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) nhwc[(y * w + x) * c + k] = nchw[(k * h + y) * w + x]!;
    const ours = await page.evaluate(([data, shape]) => (window as unknown as PageHooks).natzoo.logits(data, shape), [nhwc, [1, h, w, c]] as [number[], [number, number, number, number]]);
    const expected = (await readNpy(join(dir, 'logits.npy'))).data as Float32Array;
    const scale = expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    return ours.reduce((m, v, i) => Math.max(m, Math.abs(v - expected[i]!)), 0) / scale;
  }

  it('downloads and converts by hub id in a worker: fixture logits, id2label labels, monotone progress, cache size shown', { timeout: 180_000 }, async () => {
    const page = await openPage('');
    try {
      await loadByName(page, REPO);
      expect(await page.getByTestId('status').textContent(), `${await page.getByTestId('error').textContent()}\n${logs.join('\n')}`).toMatch(/model-ready|ready/);
      expect(await page.getByTestId('model-source').textContent()).toBe('network');
      const error = await logitError(page);
      console.log(`page, ${REPO} by hub id: max |diff| ${error.toExponential(2)} of max |logit|`);
      expect(error).toBeLessThan(1e-4);
      const progress = await page.evaluate(() => (window as unknown as PageHooks).natzoo.progress);
      expect(progress.length).toBeGreaterThan(2);
      expect(progress.every((p, i) => p.total === weightBytes && (i === 0 || p.loaded >= progress[i - 1]!.loaded))).toBe(true);
      expect(progress.at(-1)!.loaded).toBe(weightBytes);
      expect(hub.requests).toContain(`GET /lfs/${REPO}/pytorch_model.bin`);
      float32CacheBytes = Number(await page.getByTestId('cache-size').getAttribute('data-bytes'));
      expect(float32CacheBytes).toBeGreaterThan(weightBytes * 0.9);
      await page.locator('[data-testid=sample]').first().click();
      await page.waitForFunction(() => document.querySelector('[data-testid=status]')?.textContent === 'ready', null, { timeout: 60_000 });
      const labels = await page.getByTestId('prediction').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-label') ?? ''));
      expect(labels).toHaveLength(5);
      for (const label of labels) expect(label).toMatch(/^hub class \d+$/);
      expect(labels).toContain(hubLabel(Number(labels[0]!.split(' ').pop())));
      mkdirSync(resolve(repoRoot, 'test-artifacts'), { recursive: true });
      await page.screenshot({ path: resolve(repoRoot, 'test-artifacts/web_pretrained.png'), fullPage: true });
    } finally {
      await page.close();
    }
  });

  it('a second page loads it from IndexedDB without downloading (HEADs for the weights\' version only)', { timeout: 120_000 }, async () => {
    const before = hub.requests.length;
    const page = await openPage(`&pretrained=${encodeURIComponent(REPO)}`);
    try {
      await settled(page);
      expect(await page.getByTestId('model-source').textContent(), logs.join('\n')).toBe('indexeddb');
      expect(await logitError(page)).toBeLessThan(1e-4);
      expect(hub.requests.slice(before).filter((r) => !r.startsWith('HEAD '))).toEqual([]);
      expect(hub.requests.slice(before)).toContain(`HEAD /${REPO}/resolve/main/pytorch_model.bin`);
    } finally {
      await page.close();
    }
  });

  it('keeps a float16 copy in IndexedDB when asked (?cache=float16): about half the bytes, logits within 5e-3', { timeout: 120_000 }, async () => {
    const cached = async (page: Page) => Number(await page.getByTestId('cache-size').getAttribute('data-bytes'));
    const page = await openPage(`&cache=float16&pretrained=${encodeURIComponent(REPO)}`);
    try {
      await settled(page);
      expect(await page.getByTestId('model-source').textContent(), logs.join('\n')).toBe('network');
      const both = await cached(page);
      await page.reload();
      await settled(page);
      expect(await page.getByTestId('model-source').textContent()).toBe('indexeddb');
      const error = await logitError(page);
      console.log(`page, ${REPO} from a float16 cache: max |diff| ${error.toExponential(2)} of max |logit|; float16 entry ${both - float32CacheBytes} bytes for a ${weightBytes}-byte checkpoint`);
      expect(error).toBeLessThan(5e-3);
      // The new entry holds half the checkpoint's float32 bytes (plus a topology of a few tens of kB).
      const float16Entry = both - float32CacheBytes;
      expect(float16Entry).toBeGreaterThan(weightBytes * 0.45);
      expect(float16Entry).toBeLessThan(weightBytes * 0.6);
    } finally {
      await page.close();
    }
  });

  it.each([
    ['gated/model', /HTTP 401.*gated or private/],
    ['nocors/model', /does not allow this page's origin \(CORS\)/],
    ['shi-labs/missing', /HTTP 404.*no such repo, revision or file/],
  ])('%s: the page says why', { timeout: 60_000 }, async (ref, message) => {
    const page = await openPage('');
    try {
      await loadByName(page, ref);
      expect(await page.getByTestId('status').textContent()).toBe('error');
      expect(await page.locator('#errors li.error').first().textContent()).toMatch(message);
    } finally {
      await page.close();
    }
  });
});
