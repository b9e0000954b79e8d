// SPDX-License-Identifier: MIT
// WebGPU for the tests in Node: Dawn from the `webgpu` npm package provides `navigator.gpu` (on CI machines
// through Mesa's lavapipe, installed by .ci/run), and only then is tfjs's webgpu backend imported, because it
// registers itself only if `navigator.gpu` exists at import time.
// Suites skip with a printed reason when no adapter can be had, and only then; set NATZOO_REQUIRE_WEBGPU=1
// (as .ci/run does once lavapipe is installed) to turn that skip into a failure.

export interface WebGPUEnv {
  /** An adapter was found and the backend is registered. */
  available: boolean;
  /** Why not, or which adapter. */
  reason: string;
}

let pending: Promise<WebGPUEnv> | null = null;

async function probe(): Promise<WebGPUEnv> {
  const g = globalThis as { navigator?: { gpu?: GPU } };
  if (g.navigator?.gpu == null) {
    let dawn: typeof import('webgpu');
    try {
      dawn = await import('webgpu');
    } catch (e) {
      return { available: false, reason: `the 'webgpu' package (Dawn) failed to load: ${(e as Error).message}` };
    }
    Object.assign(globalThis, dawn.globals);
    // Node 21+ has a read-only navigator getter; define the property instead of assigning it.
    const navigator = { gpu: dawn.create([]) };
    Object.defineProperty(globalThis, 'navigator', { value: navigator, configurable: true, writable: true });
  }
  const adapter = await g.navigator!.gpu!.requestAdapter();
  if (adapter == null) {
    return {
      available: false,
      reason:
        'navigator.gpu.requestAdapter() returned null (no Vulkan driver Dawn accepts; ' +
        '.ci/run installs Mesa 25 lavapipe from bookworm-backports)',
    };
  }
  await import('@tensorflow/tfjs-backend-webgpu');
  const info = adapter.info;
  return { available: true, reason: `${info.vendor} ${info.architecture} ${info.description}`.trim() };
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
