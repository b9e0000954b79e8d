// SPDX-License-Identifier: MIT
// Every NATTEN v0.17.5 golden case (shared/fixtures/na) on every implementation: forward, split-op gradients,
// fused gradients. Tolerances are the fixture README's; the largest error per output is printed at the end.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, it } from 'vitest';
import * as na from '@natzoo/core';
import { NeighborhoodAttentionFused } from '@natzoo/core';
import { WorstErrors, fixtureInput } from '../../../tests/support/fixture_check.js';
import { loadNAFixtures } from '../../../tests/support/na_fixtures.js';
import type { NAFixtureCase } from '../../../tests/support/na_fixtures.js';
import { naTargets, useTarget } from './backends.js';

const cases = loadNAFixtures();
const tolerance: Record<string, number> = { drpb: 1e-4, drpb_qk: 1e-4 };
const forwardOutputs = new Set(['logits', 'attn', 'out']);
const toleranceFor = (output: string) => tolerance[output] ?? (forwardOutputs.has(output) ? 1e-5 : 2e-5);

const errors = new WorstErrors();
const input = fixtureInput;
const check = (target: string, c: NAFixtureCase, output: string, actual: tf.Tensor) =>
  errors.check(target, c, output, actual, toleranceFor(output));

function options(c: NAFixtureCase, rpb: tf.Tensor | undefined) {
  return { kernelSize: c.kernelSize, dilation: c.dilation, isCausal: c.isCausal, rpb, scale: c.scale };
}

/** The kernels' 2-D attributes: a 1-D case runs on a height-1 axis with kernel 1. */
function kernelAttrs(c: NAFixtureCase): na.NAKernelAttrs {
  const pad = <T>(xs: T[], one: T): [T, T] => (c.rank === 1 ? [one, xs[0]!] : [xs[0]!, xs[1]!]);
  return { kernelSize: pad(c.kernelSize, 1), dilation: pad(c.dilation, 1), isCausal: pad(c.isCausal, false), scale: c.scale };
}

const qkOp = (c: NAFixtureCase) => (c.rank === 1 ? na.na1dQK : na.na2dQK) as (q: tf.Tensor, k: tf.Tensor, o: object) => tf.Tensor;
const avOp = (c: NAFixtureCase) => (c.rank === 1 ? na.na1dAV : na.na2dAV) as (a: tf.Tensor, v: tf.Tensor, o: object) => tf.Tensor;
const fusedOp = (c: NAFixtureCase) =>
  (c.rank === 1 ? na.na1d : na.na2d) as (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, o: object) => tf.Tensor;

describe.each(naTargets)('NA fixtures on $name', (target) => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    await useTarget(target);
    tf.tidy(() => {
      const [q, k, v] = [input(c, 'q'), input(c, 'k'), input(c, 'v')];
      const rpb = c.hasRpb ? input(c, 'rpb') : undefined;
      const opts = options(c, rpb);
      const fusedVars = rpb ? [q, k, v, rpb] : [q, k, v];

      check(target.name, c, 'out', fusedOp(c)(q, k, v, opts));
      const fusedGrads = tf.grads((...xs: tf.Tensor[]) => fusedOp(c)(xs[0]!, xs[1]!, xs[2]!, options(c, xs[3])))(
        fusedVars,
        input(c, 'g_out'),
      );
      ['dq', 'dk', 'dv', 'drpb'].slice(0, fusedVars.length).forEach((name, i) => check(target.name, c, name, fusedGrads[i]!));

      if (!target.composite) {
        // The fused kernel's own gradient (recomputation), reached when it runs under a tape directly.
        const kernelGrads = tf.grads((...xs: tf.Tensor[]) => {
          const lift = (t: tf.Tensor) => (c.rank === 1 ? t.expandDims(1) : t);
          const inputs: Record<string, tf.Tensor> = { query: lift(xs[0]!), key: lift(xs[1]!), value: lift(xs[2]!) };
          // The fused kernel always takes rpb; an empty tensor means no bias.
          inputs.rpb = xs[3] ? (c.rank === 1 ? xs[3].expandDims(1) : xs[3]) : tf.zeros([0]);
          const attrs = kernelAttrs(c);
          const out = tf.engine().runKernel(NeighborhoodAttentionFused, inputs, { ...attrs }) as tf.Tensor;
          return c.rank === 1 ? out.squeeze([1]) : out;
        })(fusedVars, input(c, 'g_out'));
        ['dq', 'dk', 'dv', 'drpb'].slice(0, fusedVars.length).forEach((name, i) => check(target.name, c, name, kernelGrads[i]!));
      }

      if (!c.splitOps) return;
      check(target.name, c, 'logits', qkOp(c)(q, k, opts));
      const qkVars = rpb ? [q, k, rpb] : [q, k];
      const qkGrads = tf.grads((...xs: tf.Tensor[]) => qkOp(c)(xs[0]!, xs[1]!, options(c, xs[2])))(qkVars, input(c, 'g_logits'));
      ['dq_qk', 'dk_qk', 'drpb_qk'].slice(0, qkVars.length).forEach((name, i) => check(target.name, c, name, qkGrads[i]!));

      const attn = input(c, 'attn');
      check(target.name, c, 'out', avOp(c)(attn, v, opts));
      const [dAttn, dValue] = tf.grads((a: tf.Tensor, x: tf.Tensor) => avOp(c)(a, x, opts))([attn, v], input(c, 'g_av'));
      check(target.name, c, 'dattn_av', dAttn!);
      check(target.name, c, 'dv_av', dValue!);
    });
  });
});

afterAll(() => errors.print(`Largest scaled error |a-e|/(1+|e|) against shared/fixtures/na (${cases.length} cases)`));
