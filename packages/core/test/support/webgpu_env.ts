// SPDX-License-Identifier: MIT
// WebGPU for the tests in Node: Dawn from the `webgpu` npm package provides `navigator.gpu` (on CI machines
// through Mesa's lavapipe, installed by .ci/run), and only then is tfjs's webgpu backend imported, because it
// registers itself only if `navigator.gpu` exists at import time (the one setup: @natzoo/core/node-webgpu).
// Suites skip with a printed reason when no adapter can be had, and only then; set NATZOO_REQUIRE_WEBGPU=1
// (as .ci/run does once lavapipe is installed) to turn that skip into a failure.
import { startNodeWebGPU, WebGPUUnavailableError } from '../../src/node_webgpu.js';

export interface WebGPUEnv {
  /** An adapter was found and the backend is registered. */
  available: boolean;
  /** Why not, or which adapter. */
  reason: string;
}

let pending: Promise<WebGPUEnv> | null = null;

async function probe(): Promise<WebGPUEnv> {
  try {
    return { available: true, reason: await startNodeWebGPU() };
  } catch (error) {
    if (!(error instanceof WebGPUUnavailableError)) throw error;
    return { available: false, reason: `${error.message} (.ci/run installs Mesa 25 lavapipe from bookworm-backports)` };
  }
}

/** Sets up WebGPU once per test file; prints why a suite will be skipped. */
export async function webgpuEnv(): Promise<WebGPUEnv> {
  pending ??= probe().then((env) => {
    if (!env.available) {
      if (process.env.NATZOO_REQUIRE_WEBGPU === '1') throw new Error(`NATZOO_REQUIRE_WEBGPU=1 but ${env.reason}`);
      console.warn(`[webgpu] skipping WebGPU suites: ${env.reason}`);
    }
    return env;
  });
  return pending;
}
