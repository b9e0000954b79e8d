// SPDX-License-Identifier: MIT
// WebGPU in Node for the benchmarks, through @natzoo/core/node-webgpu (Dawn, tfjs's webgpu backend and the NA
// kernels). Any failure leaves the backend unregistered, so probeBackends reports it as skipped with the reason.
import { startNodeWebGPU } from '@natzoo/core/node-webgpu';

/** @returns {Promise<string | null>} why WebGPU is unavailable, or null */
export async function setUpWebGPU() {
  try {
    await startNodeWebGPU();
    return null;
  } catch (err) {
    return String(/** @type {any} */ (err)?.message ?? err).split('\n')[0];
  }
}
