// SPDX-License-Identifier: MIT
// One table of NA kernels over plain Float32Arrays; each backend only decides where the arrays live
// (cpu: the backend's typed arrays; wasm: views on the module's heap).
import { makeProblem } from '../geometry.js';
import type { NAProblem } from '../geometry.js';
import * as names from '../kernel_names.js';
import type { NAKernelAttrs } from '../na_args.js';
import { biasGradient } from './reference/bias_gradient.js';
import { fusedAttention } from './reference/fused_attention.js';
import { fusedBackpropKeyValue, fusedBackpropQuery, fusedBackpropRpb, logSumExp } from './reference/fused_backward.js';
import type { FusedBackwardInputs } from './reference/fused_backward.js';
import { inverseWeightedSum } from './reference/inverse_weighted_sum.js';
import { neighborhoodDot } from './reference/neighborhood_dot.js';
import { neighborhoodWeightedSum } from './reference/neighborhood_weighted_sum.js';

export type KernelArrays = Record<string, Float32Array | null>;

export interface NAKernelSpec {
  readonly kernelName: string;
  /** Input names in the order the kernel reads them; optional ones may be absent. */
  readonly inputs: readonly string[];
  /** The query-side input whose `[B, *S, heads, D|slots]` shape gives batch, spatial sizes and heads. */
  readonly problemFrom: string;
  /** The input whose last axis is the head dim. */
  readonly headDimFrom: string;
  outputShape(shapes: Record<string, number[]>, attrs: NAKernelAttrs): number[];
  /** The shape of a second output when this call asks for one (the fused forward's log-sum-exp), else null. */
  secondOutputShape?(shapes: Record<string, number[]>, attrs: NAKernelAttrs): number[] | null;
  /** Writes `out`, and `second` when the call has a second output and the backend passes its array. */
  compute(p: NAProblem, x: KernelArrays, attrs: NAKernelAttrs, out: Float32Array, second?: Float32Array): void;
}

const slotsOf = (attrs: NAKernelAttrs): number => attrs.kernelSize.reduce((a, b) => a * b, 1);
/** `shape` with its last axis replaced. */
const withLast = (shape: number[], last: number): number[] => [...shape.slice(0, -1), last];
/** A kv-side `[B, *S, kvHeads, D]` shape from a query-side one. */
const kvShape = (shape: number[], attrs: NAKernelAttrs, headDim: number): number[] => [
  ...shape.slice(0, -2),
  attrs.kvHeads ?? shape[shape.length - 2]!,
  headDim,
];
const lastOf = (shape: number[]): number => shape[shape.length - 1]!;
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
    headDimFrom: 'query',
    outputShape: (s, a) => withLast(s.query!, slotsOf(a)),
    compute: (p, x, a, out) => neighborhoodDot(p, need(x, 'query'), need(x, 'key'), x.rpb ?? null, a.scale, -Infinity, out),
  },
  {
    kernelName: names.NeighborhoodAttentionAV,
    inputs: ['attn', 'value'],
    problemFrom: 'attn',
    headDimFrom: 'value',
    outputShape: (s) => withLast(s.attn!, lastOf(s.value!)),
    compute: (p, x, _a, out) => neighborhoodWeightedSum(p, need(x, 'attn'), need(x, 'value'), 1, out),
  },
  {
    kernelName: names.NeighborhoodAttentionFused,
    inputs: ['query', 'key', 'value', 'rpb'],
    problemFrom: 'query',
    headDimFrom: 'query',
    outputShape: (s) => s.query!,
    secondOutputShape: (s, a) => (a.withLogSumExp === true ? s.query!.slice(0, -1) : null),
    compute: (p, x, a, out, lse) =>
      fusedAttention(p, need(x, 'query'), need(x, 'key'), need(x, 'value'), x.rpb ?? null, a.scale, out, lse ?? null),
  },
  {
    kernelName: names.NeighborhoodAttentionQKBackpropQuery,
    inputs: ['dLogits', 'key'],
    problemFrom: 'dLogits',
    headDimFrom: 'key',
    outputShape: (s) => withLast(s.dLogits!, lastOf(s.key!)),
    compute: (p, x, a, out) => neighborhoodWeightedSum(p, need(x, 'dLogits'), need(x, 'key'), a.scale, out),
  },
  {
    kernelName: names.NeighborhoodAttentionQKBackpropKey,
    inputs: ['dLogits', 'query'],
    problemFrom: 'dLogits',
    headDimFrom: 'query',
    outputShape: (s, a) => kvShape(s.query!, a, lastOf(s.query!)),
    compute: (p, x, a, out) => inverseWeightedSum(p, need(x, 'dLogits'), need(x, 'query'), a.scale, out),
  },
  {
    kernelName: names.NeighborhoodAttentionQKBackpropRpb,
    inputs: ['dLogits'],
    problemFrom: 'dLogits',
    headDimFrom: 'dLogits',
    outputShape: (s, a) => [s.dLogits![s.dLogits!.length - 2]!, ...a.kernelSize.map((k) => 2 * k - 1)],
    compute: (p, x, _a, out) => biasGradient(p, need(x, 'dLogits'), out),
  },
  {
    kernelName: names.NeighborhoodAttentionAVBackpropAttn,
    inputs: ['dOut', 'value'],
    problemFrom: 'dOut',
    headDimFrom: 'value',
    outputShape: (s, a) => withLast(s.dOut!, slotsOf(a)),
    compute: (p, x, _a, out) => neighborhoodDot(p, need(x, 'dOut'), need(x, 'value'), null, 1, 0, out),
  },
  {
    kernelName: names.NeighborhoodAttentionAVBackpropValue,
    inputs: ['attn', 'dOut'],
    problemFrom: 'attn',
    headDimFrom: 'dOut',
    outputShape: (s, a) => kvShape(s.dOut!, a, lastOf(s.dOut!)),
    compute: (p, x, _a, out) => inverseWeightedSum(p, need(x, 'attn'), need(x, 'dOut'), 1, out),
  },
  {
    kernelName: names.NeighborhoodAttentionLogSumExp,
    inputs: ['query', 'key', 'rpb'],
    problemFrom: 'query',
    headDimFrom: 'query',
    outputShape: (s) => s.query!.slice(0, -1),
    compute: (p, x, a, out) => logSumExp(p, need(x, 'query'), need(x, 'key'), x.rpb ?? null, a.scale, out),
  },
  ...fusedBackwardSpecs(),
];

/** The fused backward kernels: one output each, all recomputing attention from the log-sum-exp. */
function fusedBackwardSpecs(): NAKernelSpec[] {
  const inputs = ['query', 'key', 'value', 'rpb', 'lse', 'delta', 'dOut'];
  const saved = (x: KernelArrays): FusedBackwardInputs => ({
    query: need(x, 'query'),
    key: need(x, 'key'),
    value: need(x, 'value'),
    rpb: x.rpb ?? null,
    lse: need(x, 'lse'),
    delta: need(x, 'delta'),
    dOut: need(x, 'dOut'),
  });
  const spec = (kernelName: string, outputShape: NAKernelSpec['outputShape'], compute: NAKernelSpec['compute']): NAKernelSpec => ({
    kernelName, inputs, problemFrom: 'query', headDimFrom: 'query', outputShape, compute,
  });
  return [
    spec(names.NeighborhoodAttentionFusedBackpropQuery, (s) => s.query!, (p, x, a, out) => fusedBackpropQuery(p, saved(x), a.scale, out)),
    spec(names.NeighborhoodAttentionFusedBackpropKey, (s) => s.key!, (p, x, a, out) => fusedBackpropKeyValue(p, saved(x), a.scale, 'key', out)),
    spec(names.NeighborhoodAttentionFusedBackpropValue, (s) => s.value!, (p, x, a, out) => fusedBackpropKeyValue(p, saved(x), a.scale, 'value', out)),
    spec(
      names.NeighborhoodAttentionFusedBackpropRpb,
      (s, a) => [s.query![s.query!.length - 2]!, ...a.kernelSize.map((k) => 2 * k - 1)],
      (p, x, a, out) => fusedBackpropRpb(p, saved(x), a.scale, out),
    ),
  ];
}

export function problemFor(spec: NAKernelSpec, shapes: Record<string, number[]>, attrs: NAKernelAttrs): NAProblem {
  return makeProblem(shapes[spec.problemFrom]!, attrs, lastOf(shapes[spec.headDimFrom]!));
}
