// SPDX-License-Identifier: MIT
import type { NamedTensorMap, Tensor } from '@tensorflow/tfjs-core';

/** Kernel inputs with the optional bias left out entirely when absent (tfjs rejects undefined inputs). */
export function withOptionalBias(inputs: NamedTensorMap, rpb: Tensor | undefined): NamedTensorMap {
  return rpb === undefined ? inputs : { ...inputs, rpb };
}
