// SPDX-License-Identifier: MIT
// The webgpu fused forward writes the log-sum-exp when gradients are recorded (withLogSumExp), and the fused
// backward uses it instead of running the LogSumExp kernel: checked by profiling one gradient, whose values
// are held to the split backward's (the kernels' values against cpu: webgpu_parity and webgpu_v2_fixtures).
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NeighborhoodAttentionFused, NeighborhoodAttentionLogSumExp, na2d, na3d, setNABackward } from '@natzoo/core';
import '../src/webgpu.js';
import { webgpuEnv } from './support/webgpu_env.js';

const env = await webgpuEnv();

const cases = [
  { name: '2-D strided rpb', shape: [1, 9, 10, 2, 8], opts: { kernelSize: [3, 5], stride: [2, 3] }, rpb: [2, 5, 9] },
  { name: '3-D strided causal', shape: [1, 4, 5, 6, 1, 4], opts: { kernelSize: 3, stride: [1, 2, 3], isCausal: [true, false, false] }, rpb: null },
];

afterEach(() => setNABackward('split'));

describe.skipIf(!env.available)(`fused backward on webgpu reuses the forward's log-sum-exp (${env.reason})`, () => {
  beforeAll(async () => {
    expect(await tf.setBackend('webgpu'), 'tf.setBackend(webgpu)').toBe(true);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const [q, k, v] = [1, 2, 3].map((seed) => tf.randomNormal(c.shape, 0, 1, 'float32', seed));
    const rpb = c.rpb ? tf.randomNormal(c.rpb, 0, 1, 'float32', 4) : undefined;
    const op = (c.shape.length === 6 ? na3d : na2d) as (...a: unknown[]) => tf.Tensor;
    const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, x: tf.Tensor) => tf.sum(tf.square(op(a, b, x, { ...c.opts, rpb }))));
    setNABackward('fused');
    let fusedGrads: tf.Tensor[] = [];
    const profile = await tf.profile(() => {
      fusedGrads = grads([q!, k!, v!]);
    });
    const forward = profile.kernels.filter((kernel) => kernel.name === NeighborhoodAttentionFused);
    expect(forward).toHaveLength(1);
    expect(forward[0]!.outputShapes, 'out and lse').toEqual([c.shape, c.shape.slice(0, -1)]);
    expect(profile.kernels.filter((kernel) => kernel.name === NeighborhoodAttentionLogSumExp)).toHaveLength(0);
    setNABackward('split');
    const splitGrads = grads([q!, k!, v!]);
    for (const [i, name] of ['dq', 'dk', 'dv'].entries()) {
      const got = (await fusedGrads[i]!.data()) as Float32Array;
      const want = (await splitGrads[i]!.data()) as Float32Array;
      const worst = got.reduce((m, g, j) => Math.max(m, Math.abs(g - want[j]!) / (1 + Math.abs(want[j]!))), 0);
      expect(worst, `${name}: largest scaled error against the split backward`).toBeLessThan(2e-5);
    }
    tf.dispose([q!, k!, v!, ...(rpb ? [rpb] : []), ...fusedGrads, ...splitGrads]);
  });
});
