// SPDX-License-Identifier: MIT
// The fused self-attention kernel on the `cpu` backend: the reference loops on the backend's typed arrays.
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { util } from '@tensorflow/tfjs-core';
import { FusedSelfAttention } from '../../kernel_names.js';
import type { SelfAttentionAttrs, SelfAttentionInputs } from '../../kernel_names.js';
import { defineKernel } from '../define_kernel.js';
import { selfAttention, selfAttentionProblem } from '../reference/self_attention.js';

export const cpuSelfAttention = defineKernel<SelfAttentionInputs, SelfAttentionAttrs, MathBackendCPU>(
  FusedSelfAttention,
  'cpu',
  ({ inputs: { qkv, bias }, attrs, backend }) => {
    const p = selfAttentionProblem(qkv.shape, attrs.heads);
    const shape = [p.batch, p.tokens, p.heads * p.headDim];
    const out = new Float32Array(util.sizeFromShape(shape));
    const values = (id: object) => backend.data.get(id)!.values as Float32Array;
    const biasValues = util.sizeFromShape(bias.shape) > 0 ? values(bias.dataId) : null;
    if (out.length > 0) selfAttention(p, values(qkv.dataId), biasValues, attrs.scale, out);
    return backend.makeTensorInfo(shape, 'float32', out);
  },
);
