// SPDX-License-Identifier: MIT
// Which implementation an NA op runs: the backend's own kernels when they implement the problem, else the
// composite. Backends whose kernels cover only part of the op declare which part (declareNAKernelSupport).
import { getBackend, getKernel } from '@tensorflow/tfjs-core';
import { NeighborhoodAttentionFusedBackpropQuery, NeighborhoodAttentionQK } from './kernel_names.js';
import type { NAKernelAttrs } from './na_args.js';

export type NAImplementation = 'kernels' | 'composite';

/** Whether a backend's NA kernels implement a call with these kernel attributes. */
export type NAKernelSupport = (attrs: NAKernelAttrs) => boolean;

let forced: NAImplementation | null = null;
const partialSupport = new Map<string, NAKernelSupport>();

/**
 * Forces the composite (or the kernels) for every NA op; `'auto'` restores the default choice, which is
 * the kernels on backends that register them (cpu, wasm, webgpu) and the composite elsewhere (webgl,
 * tensorflow, custom backends). Calls a backend's kernels do not implement (see `naKernelsSupport`) run the
 * composite even when the kernels are forced.
 */
export function setNAImplementation(choice: NAImplementation | 'auto'): void {
  if (choice !== 'auto' && choice !== 'kernels' && choice !== 'composite') {
    throw new Error(`setNAImplementation: choice must be 'auto', 'kernels' or 'composite'; got ${String(choice)}`);
  }
  forced = choice === 'auto' ? null : choice;
}

/** Declares that `backendName`'s NA kernels implement only the calls `support` accepts. */
export function declareNAKernelSupport(backendName: string, support: NAKernelSupport): void {
  partialSupport.set(backendName, support);
}

/** Whether the active backend's kernels implement a call with `attrs` (true when none are declared partial). */
export function naKernelsSupport(attrs: NAKernelAttrs, backendName = getBackend()): boolean {
  return partialSupport.get(backendName)?.(attrs) ?? true;
}

/** The implementation an op runs now; with `attrs`, for that call (the composite where the kernels fall short). */
export function activeNAImplementation(attrs?: NAKernelAttrs): NAImplementation {
  if (forced === 'composite') return 'composite';
  const backend = getBackend();
  if (forced === null && getKernel(NeighborhoodAttentionQK, backend) == null) return 'composite';
  return attrs === undefined || naKernelsSupport(attrs, backend) ? 'kernels' : 'composite';
}

/** How a fused NA call is differentiated: through the split QK/softmax/AV kernels, or the fused backward. */
export type NABackward = 'split' | 'fused';

let backward: NABackward = 'split';

/**
 * Chooses how fused NA ops train on backends with NA kernels. `'split'` (default) records QK, softmax and AV,
 * keeping `[.., heads, K]` attention for the backward; `'fused'` records the fused kernel alone and differentiates
 * it by recomputing attention from the log-sum-exp, so training memory does not grow with the window (on
 * backends that register the fused backward kernels: cpu, wasm and webgpu; elsewhere the split backward runs). The
 * forward saves the log-sum-exp where its kernel writes it (cpu); elsewhere the backward recomputes it.
 */
export function setNABackward(mode: NABackward): void {
  if (mode !== 'split' && mode !== 'fused') {
    throw new Error(`setNABackward: mode must be 'split' or 'fused'; got ${String(mode)}`);
  }
  backward = mode;
}

/** Whether `backendName` registers the fused backward kernels. */
export function hasFusedBackward(backendName = getBackend()): boolean {
  return getKernel(NeighborhoodAttentionFusedBackpropQuery, backendName) != null;
}

/** The backward fused ops record now: `'fused'` only where chosen and available. */
export function activeNABackward(): NABackward {
  return backward === 'fused' && hasFusedBackward() ? 'fused' : 'split';
}
