// SPDX-License-Identifier: MIT
// Every generalized-NA golden case (shared/fixtures/na_v2: 3-D, stride, even kernels, GQA/MQA, extra tokens) on
// every implementation: forward, split-op logits and attention, every gradient of the fused op (split and fused
// backward) and of the fused kernel itself. The largest error per implementation and output is printed at the end.
import { afterAll, describe, it } from 'vitest';
import { setNABackward } from '@natzoo/core';
import { WorstErrors } from '../../../tests/support/fixture_check.js';
import { loadNAV2Fixtures } from '../../../tests/support/na_v2_fixtures.js';
import { naTargets, useTarget } from './backends.js';
import { checkNAV2Case } from './support/na_v2_case.js';

const cases = loadNAV2Fixtures();
const errors = new WorstErrors();

describe.each(naTargets)('NA v2 fixtures on $name', (target) => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    await useTarget(target);
    await checkNAV2Case(errors, target.name, c, !target.composite);
  });
});

// The op under a tape with the fused backward: the fused kernel alone, differentiated from the log-sum-exp.
describe.each(naTargets.filter((t) => !t.composite))('NA v2 fixtures on $name with the fused backward', (target) => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    await useTarget(target);
    setNABackward('fused');
    try {
      await checkNAV2Case(errors, `${target.name} fused-bwd`, c, false);
    } finally {
      setNABackward('split');
    }
  });
});

afterAll(() => errors.print(`Largest scaled error |a-e|/(1+|e|) against shared/fixtures/na_v2 (${cases.length} cases)`));
