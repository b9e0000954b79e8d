// SPDX-License-Identifier: MIT
// One table of NA kernels over plain Float32Arrays; each backend only decides where the arrays live
// (cpu: the backend's typed arrays; wasm: views on the module's heap).
import { makeProblem } from '../geometry.js';
import type { NAProblem } from '../geometry.js';
import * as names from '../kernel_names.js';
import type { NAKernelAttrs } from '../na_args.js';
import { biasGradient } from './reference/bias_gradient.js';
import { fusedAttention } from './reference/fused_attention.js';
import { inverseWeightedSum } from './reference/inverse_weighted_sum.js';
import { neighborhoodDot } from './reference/neighborhood_dot.js';
import { neighborhoodWeightedSum } from './reference/neighborhood_weighted_sum.js';

export type KernelArrays = Record<string, Float32Array | null>;

export interface NAKernelSpec {
  readonly kernelName: string;
  /** Input names in the order the kernel reads them; optional ones may be absent. */
  readonly inputs: readonly string[];
  /** The input whose `[B, H, W, heads, D|slots]` shape defines the problem. */
  readonly problemFrom: string;
  outputShape(shapes: Record<string, number[]>, attrs: NAKernelAttrs): number[];
  compute(p: NAProblem, x: KernelArrays, attrs: NAKernelAttrs, out: Float32Array): void;
}

const withSlots = (shape: number[], attrs: NAKernelAttrs): number[] => [
  ...shape.slice(0, 4),
  attrs.kernelSize[0] * attrs.kernelSize[1],
];
const need = (x: KernelArrays, name: string): Float32Array => {
  const array = x[name];
  if (array == null) throw new Error(`NA kernel input '${name}' is missing`);
  return array;
};

export const naKernelSpecs: readonly NAKernelSpec[] = [
  {
    kernelName: names.NeighborhoodAttentionQK,
    inputs: ['query', 'key', 'rpb'],
    problemFrom: 'query',
    outputShape: (s, a) => withSlots(s.query!, a),
    compute: (p, x, a, out) => neighborhoodDot(p, need(x, 'query'), need(x, 'key'), x.rpb ?? null, a.scale, -Infinity, out),
  },
  {
    kernelName: names.NeighborhoodAttentionAV,
    inputs: ['attn', 'value'],
    problemFrom: 'value',
    outputShape: (s) => s.value!,
    compute: (p, x, _a, out) => neighborhoodWeightedSum(p, need(x, 'attn'), need(x, 'value'), 1, out),
  },
  {
    kernelName: names.NeighborhoodAttentionFused,
    inputs: ['query', 'key', 'value', 'rpb'],
    problemFrom: 'query',
    outputShape: (s) => s.query!,
    compute: (p, x, a, out) =>
      fusedAttention(p, need(x, 'query'), need(x, 'key'), need(x, 'value'), x.rpb ?? null, a.scale, out),
  },
  {
    kernelName: names.NeighborhoodAttentionQKBackpropQuery,
    inputs: ['dLogits', 'key'],
    problemFrom: 'key',
    outputShape: (s) => s.key!,
    compute: (p, x, a, out) => neighborhoodWeightedSum(p, need(x, 'dLogits'), need(x, 'key'), a.scale, out),
  },
  {
    kernelName: names.NeighborhoodAttentionQKBackpropKey,
    inputs: ['dLogits', 'query'],
    problemFrom: 'query',
    outputShape: (s) => s.query!,
    compute: (p, x, a, out) => inverseWeightedSum(p, need(x, 'dLogits'), need(x, 'query'), a.scale, out),
  },
  {
    kernelName: names.NeighborhoodAttentionQKBackpropRpb,
    inputs: ['dLogits'],
    problemFrom: 'dLogits',
    outputShape: (s, a) => [s.dLogits![3]!, 2 * a.kernelSize[0] - 1, 2 * a.kernelSize[1] - 1],
    compute: (p, x, _a, out) => biasGradient(p, need(x, 'dLogits'), out),
  },
  {
    kernelName: names.NeighborhoodAttentionAVBackpropAttn,
    inputs: ['dOut', 'value'],
    problemFrom: 'value',
    outputShape: (s, a) => withSlots(s.value!, a),
    compute: (p, x, _a, out) => neighborhoodDot(p, need(x, 'dOut'), need(x, 'value'), null, 1, 0, out),
  },
  {
    kernelName: names.NeighborhoodAttentionAVBackpropValue,
    inputs: ['attn', 'dOut'],
    problemFrom: 'dOut',
    outputShape: (s) => s.dOut!,
    compute: (p, x, _a, out) => inverseWeightedSum(p, need(x, 'attn'), need(x, 'dOut'), 1, out),
  },
];

export function problemFor(spec: NAKernelSpec, shapes: Record<string, number[]>, attrs: NAKernelAttrs): NAProblem {
  return makeProblem(shapes[spec.problemFrom]!, attrs);
}
