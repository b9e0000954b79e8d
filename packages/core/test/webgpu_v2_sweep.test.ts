// SPDX-License-Identifier: MIT
// The seeded random sweep of generalized NA (support/na_sweep.ts) on webgpu, the cpu kernels as the reference:
// its kernels for 1-D, 2-D and 3-D calls (stride, GQA/MQA, causal, dilation, rpb; extra tokens through the split ops).
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { setNAImplementation } from '@natzoo/core';
import '../src/webgpu.js';
import { SWEEP_SEEDS, evaluate, expectSweepMatch, sweepCase } from './support/na_sweep.js';
import { webgpuEnv } from './support/webgpu_env.js';

const env = await webgpuEnv();

describe.skipIf(!env.available)(`generalized NA random sweep on webgpu, cpu kernels as the reference (${env.reason})`, () => {
  it('forward and every gradient', async () => {
    setNAImplementation('auto');
    for (const seed of SWEEP_SEEDS) {
      const c = sweepCase(seed);
      expect(await tf.setBackend('cpu')).toBe(true);
      const expected = await evaluate(c, seed);
      expect(await tf.setBackend('webgpu')).toBe(true);
      expectSweepMatch(c, seed, await evaluate(c, seed), expected);
    }
  });
});
