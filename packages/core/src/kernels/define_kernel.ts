// SPDX-License-Identifier: MIT
// The one place where a typed kernel function meets tfjs's untyped KernelFunc.
import { getKernel, registerKernel } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';

export function defineKernel<I extends NamedTensorInfoMap, A, B>(
  kernelName: string,
  backendName: string,
  fn: (args: { inputs: I; attrs: A; backend: B }) => TensorInfo | TensorInfo[],
): KernelConfig {
  return { kernelName, backendName, kernelFunc: fn as unknown as KernelFunc };
}

/** Registers each config once; a second call (or a second copy of this package) is a no-op. */
export function registerOnce(configs: readonly KernelConfig[]): void {
  for (const config of configs) {
    if (getKernel(config.kernelName, config.backendName) == null) registerKernel(config);
  }
}

export type { NamedAttrMap };
