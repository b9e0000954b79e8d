// SPDX-License-Identifier: MIT
// A change to tfjs's kernel registry that training wants, applied and undone by registerTrainingKernels.
import type { KernelConfig } from '@tensorflow/tfjs-core';

export interface KernelPatch {
  readonly kernelName: string;
  readonly backendName: string;
  /** The kernel to register given the one registered now (undefined: none), or null to leave it as it is
   *  (its backend not loaded yet, or a kernel that needs no fallback). */
  patch(current: KernelConfig | undefined): KernelConfig | null;
}
