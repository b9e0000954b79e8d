// SPDX-License-Identifier: MIT
// Every NA kernel on wasm (SIMD when the head dimension is a multiple of 4, JS on the heap otherwise) against
// the cpu kernels as the reference, over a seeded sweep of shapes and options.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as names from '@natzoo/core';
import type { NAKernelAttrs } from '@natzoo/core';
import { useTarget, naTargets } from './backends.js';

interface SweepCase {
  shape: [number, number, number, number, number];
  attrs: NAKernelAttrs;
  rpb: boolean;
}

const sweep: SweepCase[] = [
  { shape: [2, 9, 11, 2, 8], attrs: { kernelSize: [3, 5], dilation: [2, 2], isCausal: [false, false], scale: 0.4 }, rpb: true },
  { shape: [1, 12, 7, 3, 3], attrs: { kernelSize: [5, 3], dilation: [2, 1], isCausal: [false, false], scale: 0.6 }, rpb: true },
  { shape: [1, 10, 10, 1, 12], attrs: { kernelSize: [4, 3], dilation: [1, 3], isCausal: [true, false], scale: 0.3 }, rpb: false },
  { shape: [2, 8, 9, 2, 5], attrs: { kernelSize: [3, 3], dilation: [1, 1], isCausal: [true, true], scale: 1 }, rpb: false },
  { shape: [1, 1, 23, 2, 16], attrs: { kernelSize: [1, 7], dilation: [1, 3], isCausal: [false, false], scale: 0.25 }, rpb: true },
  // Head dims past 32 (the SIMD kernels' 32-channel unrolled dot products, then their 4-channel remainder).
  { shape: [1, 9, 8, 2, 36], attrs: { kernelSize: [7, 5], dilation: [1, 1], isCausal: [false, true], scale: 0.2 }, rpb: true },
  { shape: [1, 8, 9, 1, 64], attrs: { kernelSize: [3, 3], dilation: [2, 2], isCausal: [false, false], scale: 0.125 }, rpb: true },
];

const kernelInputs = (c: SweepCase, seed: number) => {
  const [B, H, W, heads, D] = c.shape;
  const slots = c.attrs.kernelSize[0]! * c.attrs.kernelSize[1]!;
  const data = (shape: number[], s: number) => tf.randomNormal(shape, 0, 1, 'float32', seed + s).arraySync();
  return {
    tokens: [0, 1, 2].map((s) => ({ shape: [B, H, W, heads, D], data: data([B, H, W, heads, D], s) })),
    slots: { shape: [B, H, W, heads, slots], data: data([B, H, W, heads, slots], 3) },
    rpb: { shape: [heads, 2 * c.attrs.kernelSize[0]! - 1, 2 * c.attrs.kernelSize[1]! - 1], data: data([heads, 2 * c.attrs.kernelSize[0]! - 1, 2 * c.attrs.kernelSize[1]! - 1], 4) },
  };
};

/** Runs every kernel on the active backend and returns the outputs as plain arrays. */
function runAll(c: SweepCase, seed: number): Record<string, Float32Array> {
  const x = kernelInputs(c, seed);
  return tf.tidy(() => {
    const t = (v: { shape: number[]; data: unknown }) => tf.tensor(v.data as number[], v.shape);
    const [a, b, v] = x.tokens.map(t) as [tf.Tensor, tf.Tensor, tf.Tensor];
    const slots = t(x.slots);
    const rpb = c.rpb ? t(x.rpb) : undefined;
    const attrs = { ...c.attrs };
    const run = (name: string, inputs: tf.NamedTensorMap) => (tf.engine().runKernel(name, inputs, attrs) as tf.Tensor).dataSync() as Float32Array;
    return {
      qk: run(names.NeighborhoodAttentionQK, rpb ? { query: a, key: b, rpb } : { query: a, key: b }),
      av: run(names.NeighborhoodAttentionAV, { attn: slots, value: v }),
      fused: run(names.NeighborhoodAttentionFused, { query: a, key: b, value: v, rpb: rpb ?? tf.zeros([0]) }),
      dq: run(names.NeighborhoodAttentionQKBackpropQuery, { dLogits: slots, key: b }),
      dk: run(names.NeighborhoodAttentionQKBackpropKey, { dLogits: slots, query: a }),
      drpb: run(names.NeighborhoodAttentionQKBackpropRpb, { dLogits: slots }),
      dattn: run(names.NeighborhoodAttentionAVBackpropAttn, { dOut: a, value: v }),
      dv: run(names.NeighborhoodAttentionAVBackpropValue, { attn: slots, dOut: a }),
    };
  });
}

describe('wasm kernels against the cpu reference kernels', () => {
  it.each(sweep.map((c, i) => [`q=[${c.shape}] k=[${c.attrs.kernelSize}] d=[${c.attrs.dilation}] causal=[${c.attrs.isCausal}]${c.rpb ? ' rpb' : ''}`, c, i] as const))(
    '%s',
    async (_name, c, i) => {
      await useTarget(naTargets.find((target) => target.name === 'cpu')!);
      const reference = runAll(c, 1000 + 100 * i); // tfjs treats seed 0 as unseeded
      await useTarget(naTargets.find((target) => target.name === 'wasm')!);
      const actual = runAll(c, 1000 + 100 * i);
      for (const [output, expected] of Object.entries(reference)) {
        const got = actual[output]!;
        expect(got.length, output).toBe(expected.length);
        let worst = 0;
        expected.forEach((e, j) => {
          if (!Number.isFinite(e)) expect(got[j], `${output}[${j}] masked`).toBe(e);
          else worst = Math.max(worst, Math.abs(got[j]! - e) / (1 + Math.abs(e)));
        });
        expect(worst, `${output}: largest scaled error`).toBeLessThan(1e-5);
      }
    },
  );
});
