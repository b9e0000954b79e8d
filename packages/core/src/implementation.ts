// SPDX-License-Identifier: MIT
// Which implementation an NA op runs: the backend's own kernels when it has them, else the composite.
import { getBackend, getKernel } from '@tensorflow/tfjs-core';
import { NeighborhoodAttentionQK } from './kernel_names.js';

export type NAImplementation = 'kernels' | 'composite';

let forced: NAImplementation | null = null;

/**
 * Forces the composite (or the kernels) for every NA op; `'auto'` restores the default choice, which is
 * the kernels on backends that register them (cpu, wasm, webgpu) and the composite elsewhere (webgl,
 * tensorflow, custom backends).
 */
export function setNAImplementation(choice: NAImplementation | 'auto'): void {
  if (choice !== 'auto' && choice !== 'kernels' && choice !== 'composite') {
    throw new Error(`setNAImplementation: choice must be 'auto', 'kernels' or 'composite'; got ${String(choice)}`);
  }
  forced = choice === 'auto' ? null : choice;
}

export function activeNAImplementation(): NAImplementation {
  if (forced !== null) return forced;
  return getKernel(NeighborhoodAttentionQK, getBackend()) != null ? 'kernels' : 'composite';
}
