// SPDX-License-Identifier: MIT
// The fused self-attention kernel on the `wasm` backend: the SIMD module (assembly/attention) on the heap where
// tfjs keeps the tensors, with one head's packed k and v and four logit rows of scratch; the reference loops on
// heap views where it cannot run.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { util } from '@tensorflow/tfjs-core';
import { FusedSelfAttention } from '../../kernel_names.js';
import type { SelfAttentionAttrs, SelfAttentionInputs } from '../../kernel_names.js';
import { wasmMemoryOffset } from '../../tfjs_internals.js';
import { defineKernel } from '../define_kernel.js';
import { selfAttention, selfAttentionProblem } from '../reference/self_attention.js';
import { heapView } from './heap.js';
import { simdKernelsFor, withHeapTables } from './simd_module.js';

const roundUp = (n: number, to: number) => Math.ceil(n / to) * to;

/** The SIMD kernel's scratch: k^T in 8-key panels, v in 8-channel panels of ceil4(N) rows, 4 logit rows. */
export function selfAttentionScratchBytes(tokens: number, headDim: number): number {
  return 4 * (roundUp(tokens, 8) * headDim + roundUp(headDim, 8) * roundUp(tokens, 4) + 4 * roundUp(tokens, 8));
}

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
      withHeapTables(backend, [], selfAttentionScratchBytes(p.tokens, p.headDim), (_tables, scratch) =>
        kernels.selfAttention(at(qkv), hasBias ? at(bias) : 0, at(out), scratch, p.batch, p.tokens, p.heads, p.headDim, attrs.scale),
      );
    } else {
      selfAttention(p, heapView(backend, qkv), hasBias ? heapView(backend, bias) : null, attrs.scale, heapView(backend, out));
    }
    return out;
  },
);
