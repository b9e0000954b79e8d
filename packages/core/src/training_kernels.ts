// SPDX-License-Identifier: MIT
// @natzoo/core/training-kernels: the kernel changes training wants on the CPU backends, opt-in because they
// replace tfjs kernels for the whole process: a fast Conv2DBackpropFilter for cpu and wasm; wasm matmuls that
// keep transposed operands on XNNPACK; a wasm Identity (and same-dtype Cast) that does not copy what the tape
// saves; cpu fallbacks for the gradient kernels wasm lacks. Importing this module changes nothing; call
// registerTrainingKernels() after the backend packages are imported.
import { getKernel, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { conv2DFilterGradientPatches } from './training/conv_filter_grad.js';
import type { KernelPatch } from './training/kernel_patch.js';
import { wasmCpuFallbackPatches } from './training/wasm_cpu_fallback.js';
import { wasmTransposedMatMulPatches } from './training/wasm_matmul.js';
import { wasmSharedIdentityPatches } from './training/wasm_shared_identity.js';

const PATCHES: readonly KernelPatch[] = [
  ...conv2DFilterGradientPatches,
  ...wasmTransposedMatMulPatches,
  ...wasmSharedIdentityPatches,
  ...wasmCpuFallbackPatches,
];

/** The patches in place, by `backend/kernel`, with the kernel each replaced (undefined: there was none). */
const applied = new Map<string, KernelConfig | undefined>();

function unregisterTrainingKernels(): void {
  for (const [key, previous] of [...applied].reverse()) {
    const [backendName, kernelName] = key.split('/') as [string, string];
    unregisterKernel(kernelName, backendName);
    if (previous !== undefined) registerKernel(previous);
  }
  applied.clear();
}

/**
 * Registers the training kernels and returns the function that restores tfjs's own. Idempotent: a second call
 * adds only what the first could not (the wasm kernels, when @tensorflow/tfjs-backend-wasm was imported in
 * between) and returns the same restore function.
 */
export function registerTrainingKernels(): () => void {
  for (const { kernelName, backendName, patch } of PATCHES) {
    const key = `${backendName}/${kernelName}`;
    if (applied.has(key)) continue;
    const current = getKernel(kernelName, backendName);
    const next = patch(current);
    if (next === null) continue;
    if (current !== undefined) unregisterKernel(kernelName, backendName);
    registerKernel(next);
    applied.set(key, current);
  }
  return unregisterTrainingKernels;
}

export { conv2dFilterGradient } from './training/conv_filter_grad.js';
