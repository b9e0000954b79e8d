// SPDX-License-Identifier: MIT
// The packed packages outside the workspace, as users install them from npm:
// (a) a classify-only project (core, models, tfjs) classifies pixels with loadClassifier from plain Node ESM;
// (b) a Vite page importing @natzoo/models and @natzoo/train/convert converts the real CCT-2 checkpoint from its
//     bytes in Chromium and classifies with it, and its bundle holds no Node-only module;
// (c) `npx natzoo classify` works with the model the CLI package ships, and `--version` is the CLI's own.
// Prints the packed sizes and the install sizes.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import sharp from 'sharp';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveStatic } from './support/static_server.js';
import { directoryBytes, installProject, packPackages } from './support/packed_packages.js';
import { repoRoot, sharedPath } from './support/shared_dir.js';

const run = promisify(execFile);
const MB = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const TFJS = ['@tensorflow/tfjs@^4.22.0'];
const SAMPLE = join(repoRoot, 'checkpoints/samples/4_frog.png');
const MODEL_DIR = join(repoRoot, 'checkpoints/cct_2_3x2_32.cifar10');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** What natzoo classify prints for the sample with the shipped model (tests/shipped_model.test.ts checks it against upstream). */
const FROG_PROBABILITY = 0.7168;

describe('the packed packages in fresh npm projects', () => {
  let packs: Awaited<ReturnType<typeof packPackages>>;
  let full: string;
  let classifyOnly: string;
  const tarball = (name: string) => join(packs.dir, [...packs.tarballs.keys()].find((file) => file.startsWith(`${name}-0`))!);

  beforeAll(async () => {
    packs = await packPackages();
    console.log(`packed: ${[...packs.tarballs].map(([file, bytes]) => `${file} ${MB(bytes)}`).join(', ')}`);
    [full, classifyOnly] = await Promise.all([
      installProject([...packs.tarballs.keys()].map((file) => join(packs.dir, file)), TFJS),
      installProject([tarball('natzoo-core'), tarball('natzoo-models')], TFJS),
    ]);
    console.log(`installed: everything ${MB(directoryBytes(join(full, 'node_modules')))}, classify-only (core, models, tfjs) ${MB(directoryBytes(join(classifyOnly, 'node_modules')))}`);
  }, 600_000);

  afterAll(() => {
    for (const dir of [packs?.dir, full, classifyOnly]) if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('(a) loadClassifier classifies raw pixels from plain Node ESM with only core and models installed', async () => {
    expect(existsSync(join(classifyOnly, 'node_modules/@natzoo/train'))).toBe(false);
    const { data, info } = await sharp(SAMPLE).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const rgb = join(classifyOnly, 'sample.rgb');
    writeFileSync(rgb, data);
    copyFileSync(join(repoRoot, 'tests/consumer/classify_node.mjs'), join(classifyOnly, 'classify_node.mjs'));
    const server = await serveStatic({ '/model/': MODEL_DIR });
    try {
      const { stdout } = await run(process.execPath, ['classify_node.mjs', `${server.url}model/`, rgb, String(info.width), String(info.height)], { cwd: classifyOnly });
      const result = JSON.parse(stdout.trim().split('\n').pop()!) as { backend: string; top: { className: string; probability: number }[] };
      expect(result.backend).toBe('wasm');
      expect(result.top[0]!.className).toBe('frog');
      expect(result.top[0]!.probability).toBeCloseTo(FROG_PROBABILITY, 3);
    } finally {
      await server.close();
    }
  });

  it('(b) a Vite page converts a checkpoint from bytes in Chromium and classifies with it; no Node module in the bundle', async () => {
    if (!existsSync(chromiumPath)) {
      const why = `no Chromium at ${chromiumPath} (.ci/run installs Debian's; set CHROMIUM_PATH)`;
      if (process.env.NATZOO_REQUIRE_CHROMIUM === '1') throw new Error(`${why}, but NATZOO_REQUIRE_CHROMIUM=1`);
      console.warn(`skipped the page: ${why}`);
      return;
    }
    for (const file of ['index.html', 'page.js']) copyFileSync(join(repoRoot, 'tests/consumer', file), join(full, file));
    const outDir = mkdtempSync(join(tmpdir(), 'natzoo-consumer-page-'));
    const warnings: string[] = [];
    await build({
      root: full, configFile: false, logLevel: 'silent', base: './',
      build: { outDir, emptyOutDir: true, target: 'es2022', rollupOptions: { onwarn: (w) => void warnings.push(w.message) } },
    });
    const bundle = readdirSync(join(outDir, 'assets')).filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(outDir, 'assets', f), 'utf8')).join('\n');
    const nodeOnly = [...new Set([...bundle.matchAll(/__vite-browser-external[^"'`]*|["'](node:[a-z_/]+)["']/g)].map((m) => m[1] ?? m[0]))];
    expect(nodeOnly, `Node-only modules in the page bundle; warnings: ${warnings.join(' | ')}`).toEqual([]);

    const server = await serveStatic({ '/': outDir, '/fixture/checkpoint.pth.tar': sharedPath('fixtures/checkpoints/cct_2_3x2_32_cifar10/model_best.pth.tar'), '/fixture/image.png': SAMPLE });
    const browser = await chromium.launch({ executablePath: chromiumPath, headless: true });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(server.url);
      await page.waitForFunction(() => 'result' in window, undefined, { timeout: 120_000 });
      const result = (await page.evaluate(() => (window as unknown as { result: unknown }).result)) as {
        error?: string; backend: string; loaded: number; missing: number; top: { className: string; probability: number }[];
      };
      expect(result.error, errors.join('\n')).toBeUndefined();
      expect(result.backend).toBe('cpu');
      expect(result.missing).toBe(0);
      expect(result.loaded).toBeGreaterThan(0);
      expect(result.top[0]!.className).toBe('frog');
      expect(result.top[0]!.probability).toBeCloseTo(FROG_PROBABILITY, 3);
    } finally {
      await browser.close();
      await server.close();
      rmSync(outDir, { recursive: true, force: true });
    }
  });

  it('(c) npx natzoo classify works outside the repository with the shipped model', async () => {
    const { stdout } = await run('npx', ['--no-install', 'natzoo', 'classify', SAMPLE, '--json', '--top', '1'], { cwd: full });
    const result = JSON.parse(stdout) as { model: string; backend: string; results: { top: { label: string; prob: number }[] }[] };
    expect(result.model).toBe('cct_2_3x2_32.cifar10');
    expect(result.backend).toBe('wasm');
    expect(result.results[0]!.top[0]!.label).toBe('frog');
    expect(result.results[0]!.top[0]!.prob).toBeCloseTo(FROG_PROBABILITY, 3);
  });

  it("(c) npx natzoo --version prints the CLI package's own version", async () => {
    const { version } = JSON.parse(readFileSync(join(repoRoot, 'packages/cli/package.json'), 'utf8')) as { version: string };
    const { stdout } = await run('npx', ['--no-install', 'natzoo', '--version'], { cwd: full });
    expect(stdout.trim()).toBe(version);
  });
});
