// SPDX-License-Identifier: MIT
// Every generalized-NA golden case (shared/fixtures/na_v2) on the webgpu backend, all of them (1-D, 2-D and 3-D)
// on its own kernels; the extra-token cases combine the split kernels with the dense extra-token product. Each
// case runs with the split and with the fused backward (attention recomputed from the log-sum-exp).
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setNABackward, setNAImplementation } from '@natzoo/core';
import { naKernelsSupport } from '@natzoo/core/advanced';
import { WorstErrors } from '../../../tests/support/fixture_check.js';
import { loadNAV2Fixtures } from '../../../tests/support/na_v2_fixtures.js';
import '../src/webgpu.js';
import { checkNAV2Case, fusedKernelAttrs } from './support/na_v2_case.js';
import { webgpuEnv } from './support/webgpu_env.js';

const env = await webgpuEnv();
const cases = loadNAV2Fixtures();
const errors = new WorstErrors();

describe.skipIf(!env.available)(`NA v2 fixtures on webgpu (${env.reason})`, () => {
  beforeAll(async () => {
    expect(await tf.setBackend('webgpu'), 'tf.setBackend(webgpu)').toBe(true);
    setNAImplementation('auto');
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    expect(naKernelsSupport(fusedKernelAttrs(c)), 'the webgpu kernels implement the case').toBe(true);
    await checkNAV2Case(errors, 'webgpu', c, true);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s with the fused backward', async (_name, c) => {
    setNABackward('fused');
    try {
      await checkNAV2Case(errors, 'webgpu fused-bwd', c, false);
    } finally {
      setNABackward('split');
    }
  });

  afterAll(() => errors.print(`Largest scaled error |a-e|/(1+|e|) on webgpu against shared/fixtures/na_v2 (${cases.length} cases; ${env.reason})`));
});
