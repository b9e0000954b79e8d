// SPDX-License-Identifier: MIT
// The wasm fused forward tiled by stride group (assembly/na_grouped.ts) against the cpu kernel: output and
// log-sum-exp over head dims that take its 64-byte channel blocks, its 16-byte tail or both, odd groups (whose
// last query runs as both of a pair), rpb, GQA, dilation, causal axes and batch 2; and that these calls do take
// the grouped kernel, while stride 1 keeps the per-query one.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { NeighborhoodAttentionFused } from '@natzoo/core';
import type { NAKernelAttrs } from '@natzoo/core';
import { makeProblem } from '../src/geometry.js';
import { groupTiling } from '../src/kernels/wasm/stride_groups.js';
import { naTargets, useTarget } from './backends.js';

interface GroupedCase {
  name: string;
  /** Query shape `[B, *S, heads, D]`; key/value have `attrs.kvHeads` heads (default: heads). */
  shape: number[];
  attrs: NAKernelAttrs;
  rpb: boolean;
}

const cases: GroupedCase[] = [
  { name: '2-D k7 blocked D32 rpb, groups of 49', shape: [1, 14, 14, 2, 32], attrs: { kernelSize: [7, 7], dilation: [1, 1], isCausal: [false, false], stride: [7, 7], scale: 0.2 }, rpb: true },
  { name: '2-D k5 s2 d(1,2) D20 GQA rpb', shape: [1, 12, 11, 4, 20], attrs: { kernelSize: [5, 5], dilation: [1, 2], isCausal: [false, false], stride: [2, 2], scale: 0.25, kvHeads: 2 }, rpb: true },
  { name: '3-D s(2,1,3) D16 causal cols, batch 2', shape: [2, 6, 5, 7, 2, 16], attrs: { kernelSize: [3, 3, 3], dilation: [1, 1, 1], isCausal: [false, false, true], stride: [2, 1, 3], scale: 0.3 }, rpb: false },
  { name: '1-D k4 s4 D12 even kernel rpb', shape: [1, 1, 22, 2, 12], attrs: { kernelSize: [1, 4], dilation: [1, 1], isCausal: [false, false], stride: [1, 4], scale: 0.3 }, rpb: true },
  { name: '3-D 8^3 k4 blocked D32', shape: [1, 8, 8, 8, 1, 32], attrs: { kernelSize: [4, 4, 4], dilation: [1, 1, 1], isCausal: [false, false, false], stride: [4, 4, 4], scale: 0.2 }, rpb: false },
];

function inputsOf(c: GroupedCase) {
  const heads = c.shape[c.shape.length - 2]!;
  const kvShape = [...c.shape.slice(0, -2), c.attrs.kvHeads ?? heads, c.shape[c.shape.length - 1]!];
  const randn = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);
  const bias = [heads, ...c.attrs.kernelSize.map((k) => 2 * k - 1)];
  return { query: randn(c.shape, 1), key: randn(kvShape, 2), value: randn(kvShape, 3), rpb: c.rpb ? randn(bias, 4) : tf.zeros([0]) };
}

/** The fused kernel's output and log-sum-exp on `backend`. */
async function forward(backend: (typeof naTargets)[number], c: GroupedCase): Promise<Float32Array[]> {
  await useTarget(backend);
  const inputs = inputsOf(c);
  const outs = tf.engine().runKernel(NeighborhoodAttentionFused, inputs, { ...c.attrs, withLogSumExp: true }) as tf.Tensor[];
  const values = await Promise.all(outs.map((t) => t.data() as Promise<Float32Array>));
  tf.dispose([...outs, ...Object.values(inputs)]);
  return values;
}

const [cpu, wasm] = [naTargets.find((t) => t.name === 'cpu')!, naTargets.find((t) => t.name === 'wasm')!];

describe('wasm fused forward tiled by stride group', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s matches cpu', async (_name, c) => {
    expect(groupTiling(makeProblem(c.shape, c.attrs), c.rpb), 'takes the grouped kernel').not.toBeNull();
    const [want, got] = [await forward(cpu, c), await forward(wasm, c)];
    for (const [i, name] of ['out', 'lse'].entries()) {
      const worst = got[i]!.reduce((m, g, j) => Math.max(m, Math.abs(g - want[i]![j]!) / (1 + Math.abs(want[i]![j]!))), 0);
      expect(worst, `${name}: largest scaled error against cpu`).toBeLessThan(2e-6);
    }
  });

  it('keeps the per-query kernel at stride 1, where border windows alone make groups (mostly of one query)', () => {
    const attrs: NAKernelAttrs = { kernelSize: [7, 7], dilation: [1, 1], isCausal: [false, false], scale: 0.2 };
    expect(groupTiling(makeProblem([1, 56, 56, 2, 32], attrs), true)).toBeNull();
    expect(groupTiling(makeProblem([1, 56, 56, 2, 32], attrs), false)).toBeNull();
    const cube: NAKernelAttrs = { kernelSize: [5, 5, 5], dilation: [1, 1, 1], isCausal: [false, false, false], scale: 0.2 };
    expect(groupTiling(makeProblem([1, 16, 16, 16, 2, 32], cube), false)).toBeNull();
  });
});
