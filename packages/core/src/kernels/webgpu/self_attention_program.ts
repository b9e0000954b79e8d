// SPDX-License-Identifier: MIT
// Fused full self-attention on WebGPU: one thread per (batch, query, head) reading the packed qkv `[B, N, 3C]`
// and writing `[B, N, C]`, so heads are split and merged in the indexing. A first pass over the keys finds the
// softmax maximum and denominator (online), a second recomputes each logit and adds its weighted value row into
// private accumulators, 32 vec4 channels at a time (head dims above 128 repeat the pass per chunk); no logits are
// stored anywhere.
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { util } from '@tensorflow/tfjs-core';
import { FusedSelfAttention } from '../../kernel_names.js';
import type { SelfAttentionAttrs, SelfAttentionInputs } from '../../kernel_names.js';
import { defineKernel } from '../define_kernel.js';
import { selfAttentionProblem } from '../reference/self_attention.js';
import { flatDispatch, tokenLoader, tokenStorer } from './na_program.js';

/** Channel vectors accumulated per pass. */
const CHUNK = 32;

class SelfAttentionProgram implements WebGPUProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: WebGPUProgram['dispatchLayout'];
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [64, 1, 1];
  variableComponents: number[];
  outputComponent: number;
  uniforms = 'tokens : i32, heads : i32, headDim : i32, scale : f32,';

  constructor(
    outputShape: number[],
    heads: number,
    private readonly hasBias: boolean,
    private readonly vec4: boolean,
  ) {
    this.outputShape = outputShape;
    this.variableNames = hasBias ? ['qkv', 'biasBuf'] : ['qkv'];
    const token = vec4 ? 4 : 1;
    this.variableComponents = hasBias ? [token, 1] : [token];
    this.outputComponent = token;
    this.shaderKey = `selfAttention_${hasBias}_${vec4}`;
    const threads = outputShape[0]! * outputShape[1]! * heads;
    const flat = flatDispatch(Math.ceil(threads / this.workgroupSize[0]));
    this.dispatchLayout = flat.dispatchLayout;
    this.dispatch = flat.dispatch;
  }

  getUserCode(): string {
    const bias = this.hasBias ? 'logit += biasBuf[(h * uniforms.tokens + q) * uniforms.tokens + j];' : '';
    return `
      ${tokenLoader('qkv', this.vec4)}
      ${tokenStorer(this.vec4)}
      fn logitOf(qBase : i32, kRow : i32, h : i32, q : i32, j : i32) -> f32 {
        var dotv = 0.0;
        for (var c = 0; c < (uniforms.headDim + 3) / 4; c++) { dotv += dot(load_qkv(qBase, c), load_qkv(kRow, c)); }
        var logit = uniforms.scale * dotv;
        ${bias}
        return logit;
      }
      fn main(index : i32) {
        let N = uniforms.tokens;
        if (index >= (uniforms.outShape[0] * N) * uniforms.heads) { return; }
        let channels = uniforms.heads * uniforms.headDim;
        let stride = 3 * channels;
        let h = index % uniforms.heads;
        let q = (index / uniforms.heads) % N;
        let b = index / (uniforms.heads * N);
        let qBase = (b * N + q) * stride + h * uniforms.headDim;
        let keys = b * N * stride + channels + h * uniforms.headDim;
        var runningMax = -3.402823e38;
        var denominator = 0.0;
        for (var j = 0; j < N; j++) {
          let logit = logitOf(qBase, keys + j * stride, h, q, j);
          let m = max(runningMax, logit);
          denominator = denominator * exp(runningMax - m) + exp(logit - m);
          runningMax = m;
        }
        let d4 = (uniforms.headDim + 3) / 4;
        let outBase = (b * N + q) * channels + h * uniforms.headDim;
        for (var c0 = 0; c0 < d4; c0 += ${CHUNK}) {
          var acc : array<vec4<f32>, ${CHUNK}>;
          let count = min(${CHUNK}, d4 - c0);
          for (var c = 0; c < count; c++) { acc[c] = vec4<f32>(0.0); }
          for (var j = 0; j < N; j++) {
            let p = exp(logitOf(qBase, keys + j * stride, h, q, j) - runningMax) / denominator;
            let vRow = keys + channels + j * stride;
            for (var c = 0; c < count; c++) { acc[c] += p * load_qkv(vRow, c0 + c); }
          }
          for (var c = 0; c < count; c++) { store_out(outBase, c0 + c, acc[c]); }
        }
      }`;
  }
}

export const webgpuSelfAttention = defineKernel<SelfAttentionInputs, SelfAttentionAttrs, WebGPUBackend>(
  FusedSelfAttention,
  'webgpu',
  ({ inputs: { qkv, bias }, attrs, backend }): TensorInfo => {
    const p = selfAttentionProblem(qkv.shape, attrs.heads);
    const outShape = [p.batch, p.tokens, p.heads * p.headDim];
    if (util.sizeFromShape(outShape) === 0) return backend.makeTensorInfo(outShape, 'float32');
    const hasBias = util.sizeFromShape(bias.shape) > 0;
    const program = new SelfAttentionProgram(outShape, p.heads, hasBias, p.headDim % 4 === 0);
    const uniforms = [
      { type: 'int32', data: [p.tokens] },
      { type: 'int32', data: [p.heads] },
      { type: 'int32', data: [p.headDim] },
      { type: 'float32', data: [attrs.scale] },
    ];
    return backend.runWebGPUProgram(program, hasBias ? [qkv, bias] : [qkv], 'float32', uniforms);
  },
);
