// SPDX-License-Identifier: MIT
// SIMD implementations of the NA kernels on the wasm heap (see simd_module.ts). Each returns false when it
// cannot run (no SIMD, head dimension not a multiple of 4), and the JS loops on the same heap take over.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { util } from '@tensorflow/tfjs-core';
import type { NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { isPlain2DProblem } from '../../geometry.js';
import type { NAProblem } from '../../geometry.js';
import * as names from '../../kernel_names.js';
import type { NAKernelAttrs } from '../../na_args.js';
import { wasmMemoryOffset } from '../../tfjs_internals.js';
import { simdKernelsFor, withHeapTables } from './simd_module.js';
import type { SimdKernels } from './simd_module.js';

export type WasmKernelOverride = (
  backend: BackendWasm,
  problem: NAProblem,
  inputs: NamedTensorInfoMap,
  attrs: NAKernelAttrs,
  out: TensorInfo,
) => boolean;

/** What a kernel body gets, bound to the backend: input pointers by name, and heap space for its tables. */
interface SimdContext {
  kernels: SimdKernels;
  pointer(name: string): number;
  withTables(tables: readonly Int32Array[], scratchBytes: number, body: (tables: number, scratch: number) => void): void;
}

type SimdBody = (ctx: SimdContext, p: NAProblem, attrs: NAKernelAttrs, out: number) => void;

const windowTables = (p: NAProblem) => [
  p.rows.start, p.rows.count, p.rows.biasStart, p.cols.start, p.cols.count, p.cols.biasStart,
];
const inverseTables = (p: NAProblem) => [
  p.rows.inverseOffset, p.rows.inverseQuery, p.rows.inverseSlot, p.cols.inverseOffset, p.cols.inverseQuery, p.cols.inverseSlot,
];

function simd(body: SimdBody): WasmKernelOverride {
  return (backend, p, inputs, attrs, out) => {
    // The SIMD loops are 2-D with one head per kv head; 3-D and GQA/MQA run the JS loops on the heap.
    if (p.headDim % 4 !== 0 || !isPlain2DProblem(p)) return false;
    const kernels = simdKernelsFor(backend);
    if (kernels === null) return false;
    // Absent or empty optional inputs (rpb) are passed as the null pointer.
    const pointer = (name: string) => {
      const info = inputs[name];
      return info == null || util.sizeFromShape(info.shape) === 0 ? 0 : wasmMemoryOffset(backend, info);
    };
    const withTables: SimdContext['withTables'] = (tables, scratchBytes, run) =>
      withHeapTables(backend, tables, scratchBytes, run);
    body({ kernels, pointer, withTables }, p, attrs, wasmMemoryOffset(backend, out));
    return true;
  };
}

const sizes = (p: NAProblem) => [p.batch, p.rows.length, p.cols.length, p.heads, p.headDim] as const;

function dot(a: string, b: string, logits: boolean): SimdBody {
  return ({ kernels, pointer, withTables }, p, attrs, out) =>
    withTables(windowTables(p), 0, (tables) =>
      kernels.neighborhoodDot(
        pointer(a), pointer(b), logits ? pointer('rpb') : 0, out, tables, ...sizes(p), p.rows.kernel, p.cols.kernel,
        p.rows.dilation, p.cols.dilation, p.biasRows, p.biasCols, logits ? attrs.scale : 1, logits ? -Infinity : 0,
      ),
    );
}

function weightedSum(weights: string, values: string, scaled: boolean): SimdBody {
  return ({ kernels, pointer, withTables }, p, attrs, out) =>
    withTables(windowTables(p), 4 * p.headDim, (tables, scratch) =>
      kernels.neighborhoodWeightedSum(
        pointer(weights), pointer(values), out, tables, scratch, ...sizes(p), p.cols.kernel,
        p.rows.dilation, p.cols.dilation, p.slots, scaled ? attrs.scale : 1,
      ),
    );
}

function inverseSum(weights: string, values: string, scaled: boolean): SimdBody {
  return ({ kernels, pointer, withTables }, p, attrs, out) =>
    withTables(inverseTables(p), 4 * p.headDim, (tables, scratch) =>
      kernels.inverseWeightedSum(
        pointer(weights), pointer(values), out, tables, scratch, ...sizes(p), p.cols.kernel, p.slots,
        p.rows.inverseQuery.length, p.cols.inverseQuery.length, scaled ? attrs.scale : 1,
      ),
    );
}

const fused: SimdBody = ({ kernels, pointer, withTables }, p, attrs, out) =>
  withTables(windowTables(p), 4 * p.headDim, (tables, scratch) =>
    kernels.fusedAttention(
      pointer('query'), pointer('key'), pointer('value'), pointer('rpb'), out, tables, scratch, ...sizes(p),
      p.rows.dilation, p.cols.dilation, p.biasRows, p.biasCols, attrs.scale,
    ),
  );

export const wasmOverrides = new Map<string, WasmKernelOverride>([
  [names.NeighborhoodAttentionFused, simd(fused)],
  [names.NeighborhoodAttentionQK, simd(dot('query', 'key', true))],
  [names.NeighborhoodAttentionAVBackpropAttn, simd(dot('dOut', 'value', false))],
  [names.NeighborhoodAttentionAV, simd(weightedSum('attn', 'value', false))],
  [names.NeighborhoodAttentionQKBackpropQuery, simd(weightedSum('dLogits', 'key', true))],
  [names.NeighborhoodAttentionQKBackpropKey, simd(inverseSum('dLogits', 'query', true))],
  [names.NeighborhoodAttentionAVBackpropValue, simd(inverseSum('attn', 'dOut', false))],
]);
