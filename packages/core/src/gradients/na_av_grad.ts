// SPDX-License-Identifier: MIT
// Gradient of AV: dattn = QK(dOut, value) with masked slots 0; dvalue by the inverse neighbourhood.
import { engine } from '@tensorflow/tfjs-core';
import type { GradConfig, NamedAttrMap, Tensor } from '@tensorflow/tfjs-core';
import * as names from '../kernel_names.js';

export const naAVGradConfig: GradConfig = {
  kernelName: names.NeighborhoodAttentionAV,
  inputsToSave: ['attn', 'value'],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const dOut = dy as Tensor;
    const [attn, value] = saved as [Tensor, Tensor];
    const run = (name: string, inputs: Record<string, Tensor>) => engine().runKernel(name, inputs, attrs) as Tensor;
    return {
      attn: () => run(names.NeighborhoodAttentionAVBackpropAttn, { dOut, value }),
      value: () => run(names.NeighborhoodAttentionAVBackpropValue, { attn, dOut }),
    };
  },
};
