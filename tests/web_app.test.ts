// SPDX-License-Identifier: MIT
// The web app end to end: Vite builds apps/web, `vite preview` serves it, headless Debian Chromium (playwright-core)
// uploads CIFAR-10 test images through the page's file input on the wasm, webgl and webgpu (SwiftShader)
// backends, and the top-5 labels and probabilities must match the Node CLI's on the same image files.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { NeighborhoodAttention2D } from '@natzoo/core';
import { imageToInput, loadModelDir, readCifarBinary, saveModelDir } from '@natzoo/train';
import { classifyImages } from '../packages/cli/src/classify.js';
import type { ClassifyResult } from '../packages/cli/src/classify.js';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { neighborhoodMap } from '../apps/web/src/attention_map.js';
import { CHROMIUM_ARGS, chromiumPath, haveChromium, reportMissingChromium } from './browser/chromium.js';
import { buildAndServeWebApp } from './browser/web_app_server.js';
import type { WebAppServer } from './browser/web_app_server.js';
import { repoRoot, sharedPath } from './support/shared_dir.js';

reportMissingChromium('web app e2e test');
const ARGS = CHROMIUM_ARGS;
const MODEL_DIR = resolve(repoRoot, 'checkpoints/cct_2_3x2_32.cifar10');
/** CIFAR-10 test records not among the bundled samples (those are records 0-7), plus one bundled sample. */
const RECORDS = [12, 31, 105];
const TOLERANCE = 1e-3;
const NA_LAYER = 'levels.0.blocks.0.attn';
/** Bundled samples taken by the sample button, by drag and drop, and by paste. */
const SAMPLES = ['1_ship.png', '3_airplane.png', '6_automobile.png'];

interface Row {
  label: string;
  index: number;
  prob: number;
}

/** A small NAT-like classifier (patch conv, one NeighborhoodAttention2D, pooling, dense) with random weights. */
async function saveTinyNAModel(dir: string): Promise<void> {
  const input = tf.input({ shape: [32, 32, 3] });
  let x = tf.layers.conv2d({ name: 'patch_embed', filters: 16, kernelSize: 4, strides: 4 }).apply(input) as tf.SymbolicTensor;
  x = new NeighborhoodAttention2D({ name: NA_LAYER, numHeads: 2, kernelSize: 3, dilation: 2 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 10 }).apply(x) as tf.SymbolicTensor });
  const { labels, mean, std } = JSON.parse(readFileSync(join(MODEL_DIR, 'preprocess.json'), 'utf8')) as { labels: string[]; mean: number[]; std: number[] };
  await saveModelDir(model, dir, { model: 'tiny_nat', inputSize: [3, 32, 32], mean: mean as [number, number, number], std: std as [number, number, number], cropPct: 1, interpolation: 'bicubic', labels });
  model.dispose();
}

const statusOf = (page: Page) => page.getByTestId('status').textContent();

/** Uploads `file` and returns the page's top-5 rows once the status reads ready for that image. */
async function classifyInPage(page: Page, file: string): Promise<Row[]> {
  await page.getByTestId('image-input').setInputFiles(file);
  const name = basename(file);
  await page.waitForFunction(
    (expected) => {
      const status = document.querySelector('[data-testid=status]')?.textContent;
      return status === 'error' || (status === 'ready' && document.querySelector('[data-testid=predictions]')?.getAttribute('data-image') === expected);
    },
    name,
    { timeout: 60_000 },
  );
  expect(await statusOf(page), `${name}: ${await page.getByTestId('error').textContent()}`).toBe('ready');
  return page.getByTestId('prediction').evaluateAll((rows) =>
    rows.map((row) => ({
      label: row.getAttribute('data-label') ?? '',
      index: Number(row.getAttribute('data-index')),
      prob: Number(row.getAttribute('data-prob')),
    })),
  );
}

describe.skipIf(!haveChromium)('web app in headless Chromium', () => {
  let server: WebAppServer;
  let context: BrowserContext;
  let work: string;
  let images: string[];
  let reference: ClassifyResult;
  /** The CLI on bundled samples, for the sample button, drop and paste. */
  let sampleReference: ClassifyResult;
  const logs: string[] = [];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'natzoo-web-e2e-'));
    // CIFAR-10 records written as PNG (lossless), so the page and the CLI decode the same bytes.
    const cifar = await readCifarBinary(sharedPath('data/cifar10/test_batch_first1017.bin'));
    const labels = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
    images = await Promise.all(
      RECORDS.map(async (record) => {
        const path = join(work, `cifar_test_${record}_${labels[cifar.labels[record]!]}.png`);
        const pixels = cifar.pixels.subarray(record * 3072, (record + 1) * 3072);
        writeFileSync(path, await sharp(pixels, { raw: { width: 32, height: 32, channels: 3 } }).png().toBuffer());
        return path;
      }),
    );
    images.push(resolve(repoRoot, 'checkpoints/samples/4_frog.png'));
    reference = await classifyImages(MODEL_DIR, images, { top: 10 });
    sampleReference = await classifyImages(MODEL_DIR, SAMPLES.map((f) => resolve(repoRoot, 'checkpoints/samples', f)), { top: 10 });
    server = await buildAndServeWebApp();
    context = await chromium.launchPersistentContext(join(work, 'profile'), { executablePath: chromiumPath, headless: true, args: ARGS });
  }, 90_000);

  afterAll(async () => {
    await context?.close();
    await server?.close();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  // The first page fetches the model over HTTP and caches it; the later ones read it from IndexedDB.
  it.each([
    ['wasm', 'network'],
    ['webgl', 'indexeddb'],
    ['webgpu', 'indexeddb'],
  ])('matches the CLI on the %s backend (model from %s)', { timeout: 120_000 }, async (backend, source) => {
    const page = await context.newPage();
    page.on('console', (message) => logs.push(`[${backend}] ${message.text()}`));
    page.on('pageerror', (error) => logs.push(`[${backend}] page error: ${error.message}`));
    try {
      // The warm median (5 more runs) only on wasm: on SwiftShader it would cost seconds per backend.
      await page.goto(`${server.url}?backend=${backend}&warm=${backend === 'wasm' ? 5 : 0}`);
      await page.waitForFunction(() => ['model-ready', 'error'].includes(document.querySelector('[data-testid=status]')?.textContent ?? ''), null, {
        timeout: 60_000,
      });
      expect(await statusOf(page), `${await page.getByTestId('error').textContent()}\n${logs.join('\n')}`).toBe('model-ready');
      expect(await page.getByTestId('backend').textContent()).toBe(backend);
      expect(await page.getByTestId('model-source').textContent()).toBe(source);

      let worst = 0;
      for (const [i, image] of images.entries()) {
        const rows = await classifyInPage(page, image);
        const cli = reference.results[i]!;
        expect(rows).toHaveLength(5);
        expect(rows[0]!.label, `${basename(image)}: top-1`).toBe(cli.top[0]!.label);
        for (const row of rows) {
          const expected = cli.top.find((t) => t.index === row.index);
          expect(expected?.label, `${basename(image)}: class ${row.index}`).toBe(row.label);
          expect(Math.abs(row.prob - expected!.prob), `${basename(image)} ${row.label}: page ${row.prob}, CLI ${expected!.prob}`).toBeLessThan(TOLERANCE);
          worst = Math.max(worst, Math.abs(row.prob - expected!.prob));
        }
      }
      console.log(`${backend}: ${images.length} images, top-1 equal, largest |p_page - p_cli| ${worst.toExponential(2)}`);
      // The overlay is off by default; picking the layer draws it.
      expect(await page.locator('[data-testid=view]').getAttribute('data-overlay')).toBeNull();
      await page.getByTestId('attention-select').selectOption({ index: 1 });
      await page.waitForFunction(() => document.querySelector('[data-testid=view]')?.getAttribute('data-overlay') === 'sequence-pooling', null, { timeout: 30_000 });
      expect(await page.getByTestId('overlay-legend').isVisible()).toBe(true);
      expect(await page.locator('#errors li.error').count()).toBe(0);
      for (const id of ['time-load', 'time-first', ...(backend === 'wasm' ? ['time-warm'] : [])]) {
        await page.waitForFunction((t) => Number(document.querySelector(`[data-testid=${t}]`)?.getAttribute('data-ms')) > 0, id, { timeout: 30_000 });
      }
      if (backend === 'webgpu') {
        mkdirSync(resolve(repoRoot, 'test-artifacts'), { recursive: true });
        await page.screenshot({ path: resolve(repoRoot, 'test-artifacts/web_app.png'), fullPage: true });
      }
    } finally {
      await page.close();
    }
  });

  it('loads a model from picked files, and reports a model URL that does not exist', { timeout: 60_000 }, async () => {
    const page = await context.newPage();
    try {
      await page.goto(`${server.url}?backend=wasm&warm=0`);
      await page.waitForFunction(() => document.querySelector('[data-testid=status]')?.textContent === 'model-ready', null, { timeout: 60_000 });
      await page.getByTestId('model-files').setInputFiles(['preprocess.json', 'weights.bin', 'model.json'].map((f) => join(MODEL_DIR, f)));
      await page.waitForFunction(() => document.querySelector('[data-testid=model-source]')?.textContent === 'files', null, { timeout: 30_000 });
      const rows = await classifyInPage(page, images[0]!);
      const cli = reference.results[0]!;
      expect(rows[0]!.label).toBe(cli.top[0]!.label);
      expect(Math.abs(rows[0]!.prob - cli.top[0]!.prob)).toBeLessThan(TOLERANCE);

      await page.getByTestId('model-url').fill(`${server.url}no-such-model/model.json`);
      await page.getByRole('button', { name: 'load URL' }).click();
      await page.waitForFunction(() => document.querySelector('[data-testid=status]')?.textContent === 'error', null, { timeout: 30_000 });
      expect(await page.getByTestId('error').textContent()).toMatch(/cannot fetch .*no-such-model\/model\.json: HTTP 404/);
    } finally {
      await page.close();
    }
  });

  it('reports a backend the browser lacks and falls back to the next one', { timeout: 60_000 }, async () => {
    // The same Chromium without --enable-unsafe-webgpu has no WebGPU adapter.
    const plain = await chromium.launchPersistentContext(join(work, 'profile-no-webgpu'), {
      executablePath: chromiumPath,
      headless: true,
      args: ARGS.filter((a) => a !== '--enable-unsafe-webgpu'),
    });
    try {
      const page = await plain.newPage();
      await page.goto(`${server.url}?backend=webgpu`);
      await page.waitForFunction(() => ['model-ready', 'error'].includes(document.querySelector('[data-testid=status]')?.textContent ?? ''), null, { timeout: 60_000 });
      expect(await page.getByTestId('error').textContent()).toContain("backend 'webgpu' is unavailable");
      expect(await statusOf(page)).toBe('model-ready');
      expect(await page.getByTestId('backend').textContent()).toBe('webgl');
    } finally {
      await plain.close();
    }
  });

  it('takes images from the sample buttons, drag and drop, and paste; switches the backend', { timeout: 60_000 }, async () => {
    const page = await context.newPage();
    try {
      await page.goto(`${server.url}?backend=wasm&warm=0`);
      await page.waitForFunction(() => document.querySelector('[data-testid=status]')?.textContent === 'model-ready', null, { timeout: 60_000 });
      const ways: Record<string, (name: string) => Promise<void>> = {
        button: (name) => page.locator(`[data-testid=sample][title="${name}"]`).click(),
        drop: (name) =>
          page.evaluate(async (file) => {
            const blob = await (await fetch(`samples/${file}`)).blob();
            const data = new DataTransfer();
            data.items.add(new File([blob], file, { type: 'image/png' }));
            document.getElementById('drop')!.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
          }, name),
        paste: (name) =>
          page.evaluate(async (file) => {
            const blob = await (await fetch(`samples/${file}`)).blob();
            const data = new DataTransfer();
            data.items.add(new File([blob], file, { type: 'image/png' }));
            window.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data }));
          }, name),
      };
      for (const [i, [way, take]] of Object.entries(ways).entries()) {
        const name = SAMPLES[i]!;
        await take(name);
        await page.waitForFunction(
          (n) => document.querySelector('[data-testid=status]')?.textContent === 'ready' && document.querySelector('[data-testid=predictions]')?.getAttribute('data-image') === n,
          name,
          { timeout: 30_000 },
        );
        const top = await page.getByTestId('prediction').first();
        const cli = sampleReference.results[i]!.top[0]!;
        expect(await top.getAttribute('data-label'), `${way}: ${name}`).toBe(cli.label);
        expect(Math.abs(Number(await top.getAttribute('data-prob')) - cli.prob), `${way}: ${name}`).toBeLessThan(TOLERANCE);
      }
      // The selector moves to another backend, reloads the model there and classifies the same image again.
      await page.getByTestId('backend-select').selectOption('webgl');
      await page.waitForFunction(
        () => document.querySelector('[data-testid=backend]')?.textContent === 'webgl' && document.querySelector('[data-testid=status]')?.textContent === 'ready',
        null,
        { timeout: 30_000 },
      );
      const last = sampleReference.results[SAMPLES.length - 1]!.top[0]!;
      expect(await page.getByTestId('predictions').getAttribute('data-image')).toBe(SAMPLES[SAMPLES.length - 1]);
      expect(await page.getByTestId('prediction').first().getAttribute('data-label')).toBe(last.label);
      expect(Math.abs(Number(await page.getByTestId('prediction').first().getAttribute('data-prob')) - last.prob)).toBeLessThan(TOLERANCE);
    } finally {
      await page.close();
    }
  });

  it.each(['wasm', 'webgpu'])('draws the NA map of a clicked query for a NAT-like model from picked files (%s)', { timeout: 120_000 }, async (backend) => {
    const dir = join(work, 'tiny_nat');
    if (!existsSync(dir)) await saveTinyNAModel(dir);
    const image = images[1]!;
    const page = await context.newPage();
    try {
      await page.goto(`${server.url}?backend=${backend}&warm=0`);
      await page.waitForFunction(() => document.querySelector('[data-testid=status]')?.textContent === 'model-ready', null, { timeout: 60_000 });
      await page.getByTestId('model-files').setInputFiles(['model.json', 'weights.bin', 'preprocess.json'].map((f) => join(dir, f)));
      await page.waitForFunction(() => document.querySelector('[data-testid=model-name]')?.textContent === 'tiny_nat', null, { timeout: 30_000 });
      const rows = await classifyInPage(page, image);
      const cli = (await classifyImages(dir, [image], { top: 10 })).results[0]!;
      expect(rows[0]!.label).toBe(cli.top[0]!.label);
      for (const row of rows) expect(Math.abs(row.prob - cli.top.find((t) => t.index === row.index)!.prob)).toBeLessThan(TOLERANCE);

      const view = page.getByTestId('view');
      await page.getByTestId('attention-select').selectOption(NA_LAYER);
      await page.waitForFunction(() => document.querySelector('[data-testid=view]')?.getAttribute('data-overlay') === 'neighborhood', null, { timeout: 30_000 });
      // The 320 px canvas over the 8x8 token grid: (x 250, y 50) is row 1, column 6.
      await view.click({ position: { x: 250, y: 50 } });
      await page.waitForFunction(() => document.querySelector('[data-testid=view]')?.getAttribute('data-query') === '1,6', null, { timeout: 30_000 });
      const shown = await page.evaluate(
        () => (window as unknown as { natzoo: { attention: { rows: number; cols: number; query: [number, number]; weights: number[] } } }).natzoo.attention,
      );

      const { model, preprocess } = await loadModelDir(dir);
      const input = tf.tensor4d(await imageToInput(image, preprocess), [1, 32, 32, 3]);
      const want = await neighborhoodMap(model, NA_LAYER, input, [1, 6]);
      tf.dispose(input);
      model.dispose();
      expect([shown.rows, shown.cols, shown.query]).toEqual([8, 8, [1, 6]]);
      want.weights.forEach((w, i) => expect(Math.abs(shown.weights[i]! - w), `cell ${i}`).toBeLessThan(1e-4));
      expect(shown.weights.filter((w) => w > 0)).toHaveLength(9);
    } finally {
      await page.close();
    }
  });

  it('by default passes over a GPU backend on a software adapter for wasm, and says so', { timeout: 60_000 }, async () => {
    const page = await context.newPage();
    try {
      await page.goto(`${server.url}?warm=0`);
      await page.waitForFunction(() => ['model-ready', 'error'].includes(document.querySelector('[data-testid=status]')?.textContent ?? ''), null, { timeout: 60_000 });
      // What this Chromium offers: here WebGPU and WebGL run on SwiftShader, unless a real GPU is present.
      const software = await page.evaluate(async () => {
        const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<{ info?: { isFallbackAdapter?: boolean; vendor?: string; architecture?: string; description?: string } } | null> } }).gpu;
        const info = (await gpu?.requestAdapter())?.info;
        const gl = document.createElement('canvas').getContext('webgl2');
        const debug = gl?.getExtension('WEBGL_debug_renderer_info');
        const renderer = debug ? String(gl!.getParameter(debug.UNMASKED_RENDERER_WEBGL)) : '';
        const soft = /swiftshader|llvmpipe|softpipe|software/i;
        return { webgpu: info === undefined || info.isFallbackAdapter === true || soft.test(`${info.vendor} ${info.architecture} ${info.description}`), webgl: gl === null || soft.test(renderer) };
      });
      const backend = await page.getByTestId('backend').textContent();
      if (software.webgpu && software.webgl) {
        expect(backend).toBe('wasm');
        expect(await page.locator('#errors li.warning').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/backend 'webgpu' (skipped: .*software|is unavailable)/)]));
      } else {
        console.log(`a hardware GPU backend is available here (${JSON.stringify(software)}); the page chose ${backend}`);
        expect(backend).not.toBe('wasm');
      }
    } finally {
      await page.close();
    }
  });

  it('reports an undecodable image in the page', { timeout: 60_000 }, async () => {
    const page = await context.newPage();
    try {
      await page.goto(`${server.url}?backend=wasm&warm=0`);
      await page.waitForFunction(() => document.querySelector('[data-testid=status]')?.textContent === 'model-ready', null, { timeout: 60_000 });
      const broken = join(work, 'broken.png');
      writeFileSync(broken, Buffer.from('this is not a PNG file'));
      await page.getByTestId('image-input').setInputFiles(broken);
      await page.waitForFunction(() => document.querySelector('[data-testid=status]')?.textContent === 'error', null, { timeout: 30_000 });
      expect(await page.getByTestId('error').textContent()).toContain("cannot decode image 'broken.png'");
      expect(await page.getByTestId('prediction').count()).toBe(0);
    } finally {
      await page.close();
    }
  });
});
