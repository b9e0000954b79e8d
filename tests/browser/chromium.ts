// SPDX-License-Identifier: MIT
// The headless Chromium the page tests drive (Debian's, via playwright-core), and whether this machine has it.
import { existsSync } from 'node:fs';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const haveChromium = existsSync(chromiumPath);

/** Says why a page test is skipped, or fails when NATZOO_REQUIRE_CHROMIUM=1 demands Chromium. */
export function reportMissingChromium(test: string): void {
  if (haveChromium) return;
  const why = `${test}: no Chromium at ${chromiumPath} (.ci/run installs Debian's; set CHROMIUM_PATH)`;
  if (process.env.NATZOO_REQUIRE_CHROMIUM === '1') throw new Error(`${why}, but NATZOO_REQUIRE_CHROMIUM=1`);
  console.warn(`skipped: ${why}`);
}

export const CHROMIUM_ARGS = [
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
  '--disable-quic', '--no-sandbox', '--disable-gpu-sandbox', '--disable-dev-shm-usage', '--enable-unsafe-webgpu',
];
