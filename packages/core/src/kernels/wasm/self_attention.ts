// SPDX-License-Identifier: MIT
// The fused self-attention kernel on the `wasm` backend: the SIMD module (assembly/attention) on the heap where
// tfjs keeps the tensors, with 8 logit rows of scratch; the reference loops on heap views where it cannot run.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { util } from '@tensorflow/tfjs-core';
import { FusedSelfAttention } from '../../kernel_names.js';
import type { SelfAttentionAttrs, SelfAttentionInputs } from '../../kernel_names.js';
import { wasmMemoryOffset } from '../../tfjs_internals.js';
import { defineKernel } from '../define_kernel.js';
import { selfAttention, selfAttentionProblem } from '../reference/self_attention.js';
import { heapView } from './heap.js';
import { simdKernelsFor, withHeapTables } from './simd_module.js';

export const wasmSelfAttention = defineKernel<SelfAttentionInputs, SelfAttentionAttrs, BackendWasm>(
  FusedSelfAttention,
  'wasm',
  ({ inputs: { qkv, bias }, attrs, backend }) => {
    const p = selfAttentionProblem(qkv.shape, attrs.heads);
    const out = backend.makeOutput([p.batch, p.tokens, p.heads * p.headDim], 'float32');
    if (util.sizeFromShape(out.shape) === 0) return out;
    const hasBias = util.sizeFromShape(bias.shape) > 0;
    const kernels = p.headDim % 4 === 0 ? simdKernelsFor(backend) : null;
    if (kernels !== null) {
      const at = (info: typeof qkv) => wasmMemoryOffset(backend, info);
      const scratchBytes = 32 * (Math.ceil(p.tokens / 4) * 4); // eight logit rows
      withHeapTables(backend, [], scratchBytes, (_tables, scratch) =>
        kernels.selfAttention(at(qkv), hasBias ? at(bias) : 0, at(out), scratch, p.batch, p.tokens, p.heads, p.headDim, attrs.scale),
      );
    } else {
      selfAttention(p, heapView(backend, qkv), hasBias ? heapView(backend, bias) : null, attrs.scale, heapView(backend, out));
    }
    return out;
  },
);
