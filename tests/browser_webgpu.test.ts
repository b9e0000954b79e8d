// SPDX-License-Identifier: MIT
// The WGSL NA kernels in a real page: headless Debian Chromium with --enable-unsafe-webgpu (SwiftShader),
// driven by playwright-core, against the cpu kernels in the same page.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { bundlePage, servePage } from './browser/serve_bundle.js';
import { repoRoot } from './support/shared_dir.js';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(chromiumPath);
const required = process.env.NATZOO_REQUIRE_CHROMIUM === '1';
if (!haveChromium) {
  const why = `browser WebGPU smoke test: no Chromium at ${chromiumPath} (.ci/run installs Debian's; set CHROMIUM_PATH)`;
  if (required) throw new Error(`${why}, but NATZOO_REQUIRE_CHROMIUM=1`);
  console.warn(`skipped: ${why}`);
}

const ARGS = [
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
  '--disable-quic', '--no-sandbox', '--disable-gpu-sandbox', '--disable-dev-shm-usage', '--enable-unsafe-webgpu',
];

interface PageResults {
  adapter: string;
  implementation: string;
  backend: string;
  cases: { name: string; worst: number; maskedMismatch: number }[];
  error?: string;
}

describe.skipIf(!haveChromium)('NA WebGPU kernels in headless Chromium', () => {
  it('match the cpu kernels in the same page', { timeout: 240_000 }, async () => {
    const server = await servePage(await bundlePage(resolve(repoRoot, 'tests/browser/webgpu_page.ts')));
    const profile = mkdtempSync(join(tmpdir(), 'natzoo-chromium-'));
    const context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath, headless: true, args: ARGS });
    try {
      const page = await context.newPage();
      const logs: string[] = [];
      page.on('console', (message) => logs.push(message.text()));
      await page.goto(server.url);
      await page.waitForFunction(() => (window as unknown as { __naResults?: unknown }).__naResults !== undefined, null, {
        timeout: 200_000,
      });
      const results = (await page.evaluate(() => (window as unknown as { __naResults: unknown }).__naResults)) as PageResults;
      mkdirSync(resolve(repoRoot, 'test-artifacts'), { recursive: true });
      await page.screenshot({ path: resolve(repoRoot, 'test-artifacts/browser_webgpu.png') });
      expect(results.error, `page failed: ${results.error}\n${logs.join('\n')}`).toBeUndefined();
      console.log(`adapter: ${results.adapter}; backend ${results.backend}; NA implementation ${results.implementation}`);
      for (const c of results.cases) console.log(`  ${c.name.padEnd(40)} largest scaled error ${c.worst.toExponential(2)}`);
      expect(results.backend).toBe('webgpu');
      expect(results.implementation, 'our WGSL kernels ran, not the composite').toBe('kernels');
      expect(results.cases).toHaveLength(4);
      for (const c of results.cases) {
        expect(c.maskedMismatch, `${c.name}: masked slots`).toBe(0);
        expect(c.worst, c.name).toBeLessThan(1e-4);
      }
    } finally {
      await context.close();
      await server.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});
