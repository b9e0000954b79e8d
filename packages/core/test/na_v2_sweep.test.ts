// SPDX-License-Identifier: MIT
// The seeded random sweep of generalized NA (support/na_sweep.ts) with the cpu kernels as the reference for the
// wasm kernels and the composite, as NATTEN tests its backends: forward and every gradient of the fused op.
import { describe, it } from 'vitest';
import { naTargets, useTarget } from './backends.js';
import { SWEEP_SEEDS, evaluate, expectSweepMatch, sweepCase } from './support/na_sweep.js';

describe('generalized NA random sweep, cpu kernels as the reference', () => {
  it.each(naTargets.filter((t) => t.name !== 'cpu').map((t) => [t.name, t] as const))('%s', async (_name, target) => {
    for (const seed of SWEEP_SEEDS) {
      const c = sweepCase(seed);
      await useTarget(naTargets[0]!);
      const expected = await evaluate(c, seed);
      await useTarget(target);
      expectSweepMatch(c, seed, await evaluate(c, seed), expected);
    }
  });
});
