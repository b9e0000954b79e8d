// SPDX-License-Identifier: MIT
// Gradient of QK (+rpb): dq and dk through their own kernels, drpb by the bias-gradient kernel.
import { engine } from '@tensorflow/tfjs-core';
import type { GradConfig, NamedAttrMap, Tensor } from '@tensorflow/tfjs-core';
import * as names from '../kernel_names.js';

export const naQKGradConfig: GradConfig = {
  kernelName: names.NeighborhoodAttentionQK,
  inputsToSave: ['query', 'key'],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const dLogits = dy as Tensor;
    const [query, key] = saved as [Tensor, Tensor];
    const run = (name: string, inputs: Record<string, Tensor>) => engine().runKernel(name, inputs, attrs) as Tensor;
    return {
      query: () => run(names.NeighborhoodAttentionQKBackpropQuery, { dLogits, key }),
      key: () => run(names.NeighborhoodAttentionQKBackpropKey, { dLogits, query }),
      rpb: () => run(names.NeighborhoodAttentionQKBackpropRpb, { dLogits }),
    };
  },
};
