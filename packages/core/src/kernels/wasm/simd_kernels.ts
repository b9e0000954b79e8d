// SPDX-License-Identifier: MIT
// SIMD implementations of the NA kernels on the wasm heap (see simd_module.ts). Each returns false when it
// cannot run (no SIMD, head dimension not a multiple of 4), and the JS loops on the same heap take over.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { util } from '@tensorflow/tfjs-core';
import type { NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { NAProblem } from '../../geometry.js';
import * as names from '../../kernel_names.js';
import type { NAKernelAttrs } from '../../na_args.js';
import { wasmMemoryOffset } from '../../tfjs_internals.js';
import { heapView } from './heap.js';
import { simdKernelsFor, withHeapTables } from './simd_module.js';
import type { SimdKernels } from './simd_module.js';
import { groupTiling } from './stride_groups.js';

export type WasmKernelOverride = (
  backend: BackendWasm,
  problem: NAProblem,
  inputs: NamedTensorInfoMap,
  attrs: NAKernelAttrs,
  out: TensorInfo,
  /** The second output when the call has one (the fused forward's log-sum-exp). */
  second?: TensorInfo | null,
) => boolean;

/** What a kernel body gets, bound to the backend: input pointers by name, and heap space for its tables. */
interface SimdContext {
  kernels: SimdKernels;
  pointer(name: string): number;
  withTables(tables: readonly Int32Array[], scratchBytes: number, body: (tables: number, scratch: number) => void): void;
  /** Zeroes the output (for kernels that accumulate into it). */
  zero(): void;
}

/** `second`: the second output's pointer, 0 when the call has none. */
type SimdBody = (ctx: SimdContext, p: NAProblem, attrs: NAKernelAttrs, out: number, second: number) => void;

const axes = (p: NAProblem) => [p.planes, p.rows, p.cols] as const;

/** The int32 header of assembly/problem.ts (field order must match it), padded to its 80 bytes. */
function problemHeader(p: NAProblem): Int32Array {
  const [a0, a1, a2] = axes(p);
  return Int32Array.from([
    p.batch, a0.length, a1.length, a2.length, p.heads, p.kvHeads, p.headDim,
    a0.kernel, a1.kernel, a2.kernel, a0.dilation, a1.dilation, a2.dilation, p.biasPlanes, p.biasRows, p.biasCols,
    a0.inverseQuery.length, a1.inverseQuery.length, a2.inverseQuery.length, 0,
  ]);
}

const windows = (p: NAProblem) => axes(p).flatMap((a) => [a.start, a.count, a.biasStart]);
const inverses = (p: NAProblem) => axes(p).flatMap((a) => [a.inverseOffset, a.inverseQuery, a.inverseSlot]);
const windowTables = (p: NAProblem) => [problemHeader(p), ...windows(p)];
const inverseTables = (p: NAProblem) => [problemHeader(p), ...inverses(p)];
/** The key-side backward reads the queries' bias offsets from the window tables after the inverse ones. */
const inverseAndWindowTables = (p: NAProblem) => [problemHeader(p), ...inverses(p), ...windows(p)];

function simd(body: SimdBody): WasmKernelOverride {
  return (backend, p, inputs, attrs, out, second) => {
    if (p.headDim % 4 !== 0) return false;
    const kernels = simdKernelsFor(backend);
    if (kernels === null) return false;
    // Absent or empty optional inputs (rpb) are passed as the null pointer.
    const pointer = (name: string) => {
      const info = inputs[name];
      return info == null || util.sizeFromShape(info.shape) === 0 ? 0 : wasmMemoryOffset(backend, info);
    };
    const withTables: SimdContext['withTables'] = (tables, scratchBytes, run) =>
      withHeapTables(backend, tables, scratchBytes, run);
    const zero = () => heapView(backend, out).fill(0);
    body({ kernels, pointer, withTables, zero }, p, attrs, wasmMemoryOffset(backend, out), second == null ? 0 : wasmMemoryOffset(backend, second));
    return true;
  };
}

/** The forward window kernels' scratch (assembly/window.ts): four 32-bit tables of the slots rounded up to 4, and
 *  32 bytes of listing state. */
const windowScratchBytes = (p: NAProblem) => 16 * Math.ceil(p.slots / 4) * 4 + 32;

function dot(a: string, b: string, logits: boolean): SimdBody {
  return ({ kernels, pointer, withTables }, p, attrs, out) =>
    withTables(windowTables(p), windowScratchBytes(p), (header, scratch) =>
      kernels.neighborhoodDot(pointer(a), pointer(b), logits ? pointer('rpb') : 0, out, header, scratch, logits ? attrs.scale : 1, logits ? -Infinity : 0),
    );
}

function weightedSum(weights: string, values: string, scaled: boolean): SimdBody {
  return ({ kernels, pointer, withTables }, p, attrs, out) =>
    withTables(windowTables(p), windowScratchBytes(p), (header, scratch) =>
      kernels.neighborhoodWeightedSum(pointer(weights), pointer(values), out, header, scratch, scaled ? attrs.scale : 1),
    );
}

function inverseSum(weights: string, values: string, scaled: boolean): SimdBody {
  return ({ kernels, pointer, withTables }, p, attrs, out) =>
    withTables(inverseTables(p), 4 * p.headDim, (header, scratch) =>
      kernels.inverseWeightedSum(pointer(weights), pointer(values), out, header, scratch, scaled ? attrs.scale : 1),
    );
}

/**
 * The fused forward, and its log-sum-exp into `second` when asked: the grouped kernel, which runs each stride
 * group's queries against their shared window, where groupTiling finds it pays; elsewhere (stride 1) the per-query one.
 */
const fused: SimdBody = ({ kernels, pointer, withTables }, p, attrs, out, second) => {
  const args = [pointer('query'), pointer('key'), pointer('value'), pointer('rpb')] as const;
  const tiling = groupTiling(p, args[3] !== 0);
  const kernel = tiling === null ? kernels.fusedAttention : kernels.groupedAttention;
  withTables([...windowTables(p), ...(tiling?.tables ?? [])], windowScratchBytes(p) + (tiling?.extraScratchBytes ?? 0), (header, scratch) =>
    kernel(...args, out, second, header, scratch, attrs.scale),
  );
};

/** The fused backward's arguments after the kernel's own: q, k, v, rpb, lse, delta, dOut. */
const saved = (pointer: (name: string) => number) =>
  ['query', 'key', 'value', 'rpb', 'lse', 'delta', 'dOut'].map(pointer) as [number, number, number, number, number, number, number];

/** dq (`bias` false) or drpb (true): both accumulate, so the output starts at zero. */
function backpropQuery(bias: boolean): SimdBody {
  return ({ kernels, pointer, withTables, zero }, p, attrs, out) => {
    zero();
    withTables(windowTables(p), 0, (header) => kernels.backpropQuery(...saved(pointer), out, header, attrs.scale, bias ? 1 : 0));
  };
}

function backpropKeyValue(value: boolean): SimdBody {
  return ({ kernels, pointer, withTables }, p, attrs, out) =>
    withTables(inverseAndWindowTables(p), 4 * p.headDim, (header, scratch) =>
      kernels.backpropKeyValue(...saved(pointer), out, header, scratch, attrs.scale, value ? 1 : 0),
    );
}

const logSumExp: SimdBody = ({ kernels, pointer, withTables }, p, attrs, out) =>
  withTables(windowTables(p), 0, (header) => kernels.logSumExp(pointer('query'), pointer('key'), pointer('rpb'), out, header, attrs.scale));

export const wasmOverrides = new Map<string, WasmKernelOverride>([
  [names.NeighborhoodAttentionLogSumExp, simd(logSumExp)],
  [names.NeighborhoodAttentionFusedBackpropQuery, simd(backpropQuery(false))],
  [names.NeighborhoodAttentionFusedBackpropRpb, simd(backpropQuery(true))],
  [names.NeighborhoodAttentionFusedBackpropKey, simd(backpropKeyValue(false))],
  [names.NeighborhoodAttentionFusedBackpropValue, simd(backpropKeyValue(true))],
  [names.NeighborhoodAttentionFused, simd(fused)],
  [names.NeighborhoodAttentionQK, simd(dot('query', 'key', true))],
  [names.NeighborhoodAttentionAVBackpropAttn, simd(dot('dOut', 'value', false))],
  [names.NeighborhoodAttentionAV, simd(weightedSum('attn', 'value', false))],
  [names.NeighborhoodAttentionQKBackpropQuery, simd(weightedSum('dLogits', 'key', true))],
  [names.NeighborhoodAttentionQKBackpropKey, simd(inverseSum('dLogits', 'query', true))],
  [names.NeighborhoodAttentionAVBackpropValue, simd(inverseSum('attn', 'dOut', false))],
]);
