// SPDX-License-Identifier: MIT
// The fused forward's log-sum-exp output (withLogSumExp), which the fused backward uses instead of recomputing
// it: on each kernel backend against the separate two-pass LogSumExp kernel; the backward runs that kernel exactly
// when the forward did not return the log-sum-exp, and its gradients are the same either way.
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { NeighborhoodAttentionFused, NeighborhoodAttentionLogSumExp, na2d, na3d, setNABackward } from '@natzoo/core';
import type { NAKernelAttrs } from '@natzoo/core';
import { naTargets, useTarget } from './backends.js';

interface LseCase {
  name: string;
  /** Query shape; key/value have `kvHeads` heads. */
  shape: number[];
  kvHeads: number;
  attrs: NAKernelAttrs;
  rpb: boolean;
}

const cases: LseCase[] = [
  { name: '2-D k5 d2 rpb', shape: [2, 11, 10, 2, 8], kvHeads: 2, attrs: { kernelSize: [5, 3], dilation: [2, 1], isCausal: [false, false], scale: 0.4 }, rpb: true },
  { name: '2-D even stride causal GQA', shape: [1, 8, 9, 4, 5], kvHeads: 2, attrs: { kernelSize: [4, 3], dilation: [1, 1], isCausal: [true, false], stride: [2, 1], scale: 0.6, kvHeads: 2 }, rpb: false },
  { name: '3-D stride rpb', shape: [1, 5, 6, 7, 2, 4], kvHeads: 2, attrs: { kernelSize: [3, 4, 3], dilation: [1, 1, 2], isCausal: [false, false, false], stride: [1, 2, 3], scale: 0.5 }, rpb: true },
  // wasm's grouped kernel over whole 64-byte channel blocks.
  { name: '2-D blocked rpb D32', shape: [1, 9, 8, 2, 32], kvHeads: 2, attrs: { kernelSize: [3, 4], dilation: [1, 1], isCausal: [false, false], stride: [3, 4], scale: 0.2 }, rpb: true },
];
const kernelTargets = naTargets.filter((t) => !t.composite);

const randn = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

function inputsOf(c: LseCase) {
  const kvShape = [...c.shape.slice(0, -2), c.kvHeads, c.shape[c.shape.length - 1]!];
  const bias = [c.shape[c.shape.length - 2]!, ...c.attrs.kernelSize.map((k) => 2 * k - 1)];
  return { query: randn(c.shape, 1), key: randn(kvShape, 2), value: randn(kvShape, 3), rpb: c.rpb ? randn(bias, 4) : tf.zeros([0]) };
}

afterEach(() => setNABackward('split'));

describe.each(kernelTargets)('fused forward with its log-sum-exp on $name', (target) => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    await useTarget(target);
    const [plain, withLse, lse, reference] = tf.tidy(() => {
      const inputs = inputsOf(c);
      const plainOut = tf.engine().runKernel(NeighborhoodAttentionFused, inputs, { ...c.attrs }) as tf.Tensor;
      const both = tf.engine().runKernel(NeighborhoodAttentionFused, inputs, { ...c.attrs, withLogSumExp: true }) as tf.Tensor[];
      expect(Array.isArray(both) && both.length === 2, 'two outputs').toBe(true);
      const { query, key, rpb } = inputs;
      const twoPass = tf.engine().runKernel(NeighborhoodAttentionLogSumExp, { query, key, rpb }, { ...c.attrs }) as tf.Tensor;
      return [plainOut, both[0]!, both[1]!, twoPass];
    });
    expect(lse.shape).toEqual(c.shape.slice(0, -1));
    // The same pass writes the output: identical to the kernel without the second output.
    expect(Array.from(await withLse.data())).toEqual(Array.from(await plain.data()));
    const [got, want] = [(await lse.data()) as Float32Array, (await reference.data()) as Float32Array];
    const worst = got.reduce((m, g, i) => Math.max(m, Math.abs(g - want[i]!) / (1 + Math.abs(want[i]!))), 0);
    expect(worst, 'largest scaled error against the two-pass LogSumExp kernel').toBeLessThan(1e-6);
    tf.dispose([plain, withLse, lse, reference]);
  });
});

describe.each(kernelTargets)('fused backward on $name', (target) => {
  it.each(cases.map((c) => [c.name, c] as const))('reuses the forward log-sum-exp where returned: %s', async (_name, c) => {
    await useTarget(target);
    setNABackward('fused');
    const inputs = inputsOf(c);
    const op = c.shape.length === 6 ? na3d : na2d;
    const f = (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) =>
      (op as (...a: unknown[]) => tf.Tensor)(q, k, v, { ...c.attrs, ...(c.rpb ? { rpb: inputs.rpb } : {}) });
    const profile = await tf.profile(() => {
      const grads = tf.grads(f)([inputs.query, inputs.key, inputs.value]);
      tf.dispose(grads);
    });
    const fused = profile.kernels.filter((k) => k.name === NeighborhoodAttentionFused);
    expect(fused).toHaveLength(1);
    const returnedLse = fused[0]!.outputShapes.length === 2;
    // cpu and wasm write it in the forward (wasm's per-query and stride-grouped kernels alike).
    expect(returnedLse).toBe(true);
    const recomputed = profile.kernels.filter((k) => k.name === NeighborhoodAttentionLogSumExp).length;
    expect(recomputed).toBe(returnedLse ? 0 : 1);
    tf.dispose(Object.values(inputs));
  });
});

describe.each(kernelTargets)('fused backward with and without the saved log-sum-exp on $name', (target) => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    await useTarget(target);
    setNABackward('fused');
    const inputs = inputsOf(c);
    const dOut = randn(c.shape, 5);
    // The kernel called directly: with withLogSumExp its gradient gets the forward's log-sum-exp, without it
    // recomputes it with the LogSumExp kernel.
    const gradients = async (withLogSumExp: boolean) => {
      const f = (query: tf.Tensor, key: tf.Tensor, value: tf.Tensor) => {
        const outs = tf.engine().runKernel(NeighborhoodAttentionFused, { query, key, value, rpb: inputs.rpb }, { ...c.attrs, withLogSumExp });
        return Array.isArray(outs) ? (outs[0] as tf.Tensor) : (outs as tf.Tensor);
      };
      let grads: tf.Tensor[] = [];
      const profile = await tf.profile(() => {
        grads = tf.grads(f)([inputs.query, inputs.key, inputs.value], dOut);
      });
      const lsePasses = profile.kernels.filter((k) => k.name === NeighborhoodAttentionLogSumExp).length;
      const values = await Promise.all(grads.map((g) => g.data() as Promise<Float32Array>));
      tf.dispose(grads);
      return { lsePasses, values };
    };
    const saved = await gradients(true);
    const recomputed = await gradients(false);
    expect(saved.lsePasses, 'LogSumExp runs with the saved log-sum-exp').toBe(0);
    expect(recomputed.lsePasses, 'LogSumExp runs without it').toBe(1);
    for (const [i, name] of ['dq', 'dk', 'dv'].entries()) {
      const [got, want] = [saved.values[i]!, recomputed.values[i]!];
      const worst = got.reduce((m, g, j) => Math.max(m, Math.abs(g - want[j]!) / (1 + Math.abs(want[j]!))), 0);
      expect(worst, `${name}: largest scaled difference`).toBeLessThan(1e-5);
    }
    tf.dispose([...Object.values(inputs), dOut]);
  });
});
