// SPDX-License-Identifier: MIT
// NA kernels for the `webgpu` backend (@tensorflow/tfjs-backend-webgpu 4.22). Only types come from the
// backend package: the programs run through the backend instance tfjs hands each kernel, so this works with
// whichever copy of the backend the application imported (Node + Dawn, or a browser bundle).
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { NamedTensorInfoMap } from '@tensorflow/tfjs-core';
import * as names from '../../kernel_names.js';
import type { NAKernelAttrs } from '../../na_args.js';
import { defineKernel, registerOnce } from '../define_kernel.js';
import { declareNAKernelSupport } from '../../implementation.js';
import { runNAKernel, webgpuSupports } from './na_kernels.js';
import { webgpuSelfAttention } from './self_attention_program.js';

const kernelNames = [
  names.NeighborhoodAttentionQK,
  names.NeighborhoodAttentionAV,
  names.NeighborhoodAttentionFused,
  names.NeighborhoodAttentionQKBackpropQuery,
  names.NeighborhoodAttentionQKBackpropKey,
  names.NeighborhoodAttentionQKBackpropRpb,
  names.NeighborhoodAttentionAVBackpropAttn,
  names.NeighborhoodAttentionAVBackpropValue,
  names.NeighborhoodAttentionLogSumExp,
  names.NeighborhoodAttentionFusedBackpropQuery,
  names.NeighborhoodAttentionFusedBackpropKey,
  names.NeighborhoodAttentionFusedBackpropValue,
  names.NeighborhoodAttentionFusedBackpropRpb,
];

export function registerWebGPUKernels(): void {
  declareNAKernelSupport('webgpu', webgpuSupports);
  registerOnce([
    ...kernelNames.map((kernelName) =>
      defineKernel<NamedTensorInfoMap, NAKernelAttrs, WebGPUBackend>(
        kernelName,
        'webgpu',
        ({ inputs, attrs, backend }) => runNAKernel(kernelName, backend, inputs, attrs),
      ),
    ),
    webgpuSelfAttention,
  ]);
}
