// SPDX-License-Identifier: MIT
// WebGPU in Node for the benchmarks: Dawn (the `webgpu` package) must provide navigator.gpu before tfjs's
// webgpu backend is imported, and @natzoo/core/webgpu registers the NA kernels for it. Any failure leaves
// the backend unregistered, so probeBackends reports it as skipped with the reason.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

// The backend and Dawn are dev dependencies of @natzoo/core, so resolve them from there.
const requireCore = createRequire(new URL('../../packages/core/package.json', import.meta.url));
const importFromCore = (/** @type {string} */ name) => import(pathToFileURL(requireCore.resolve(name)).href);

/** @returns {Promise<string | null>} why WebGPU is unavailable, or null */
export async function setUpWebGPU() {
  try {
    if (globalThis.navigator?.gpu == null) {
      const dawn = await importFromCore('webgpu');
      Object.assign(globalThis, dawn.globals);
      Object.defineProperty(globalThis, 'navigator', { value: { gpu: dawn.create([]) }, configurable: true, writable: true });
    }
    const adapter = await globalThis.navigator.gpu.requestAdapter();
    if (adapter == null) return 'no WebGPU adapter (Dawn needs Mesa 25 lavapipe, as .ci/run installs)';
    await importFromCore('@tensorflow/tfjs-backend-webgpu');
    await import('@natzoo/core/webgpu');
    return null;
  } catch (err) {
    return String(/** @type {any} */ (err)?.message ?? err).split('\n')[0];
  }
}
