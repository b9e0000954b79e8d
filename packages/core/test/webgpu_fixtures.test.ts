// SPDX-License-Identifier: MIT
// Every NATTEN v0.17.5 golden case (shared/fixtures/na) on the webgpu kernels: forward, split-op gradients,
// fused gradients (through the ops and through the fused kernel's own gradient). Tolerances are the fixture
// README's, as in na_fixtures.test.ts; the largest error per output is printed at the end.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as na from '@natzoo/core';
import { NeighborhoodAttentionFused, setNAImplementation } from '@natzoo/core';
import { compareArrays } from '../../../tests/support/compare.js';
import { loadNAFixtures } from '../../../tests/support/na_fixtures.js';
import type { NAFixtureCase } from '../../../tests/support/na_fixtures.js';
import '../src/webgpu.js';
import { webgpuEnv } from './support/webgpu_env.js';

const env = await webgpuEnv();
const cases = loadNAFixtures();
const tolerance: Record<string, number> = { drpb: 1e-4, drpb_qk: 1e-4 };
const forwardOutputs = new Set(['logits', 'attn', 'out']);
const toleranceFor = (output: string) => tolerance[output] ?? (forwardOutputs.has(output) ? 1e-5 : 2e-5);

/** worst[output] = largest |a - e| / (1 + |e|) over all cases. */
const worst: Record<string, number> = {};

function input(c: NAFixtureCase, name: string): tf.Tensor {
  const t = c.tensors.get(name);
  if (t === undefined) throw new Error(`${c.name}: fixture has no tensor '${name}'`);
  return tf.tensor(t.data, t.shape, 'float32');
}

const options = (c: NAFixtureCase, rpb: tf.Tensor | undefined) => ({
  kernelSize: c.kernelSize,
  dilation: c.dilation,
  isCausal: c.isCausal,
  rpb,
  scale: c.scale,
});

/** The kernels' 2-D attributes: a 1-D case runs on a height-1 axis with kernel 1. */
function kernelAttrs(c: NAFixtureCase): na.NAKernelAttrs {
  const pad = <T>(xs: T[], one: T): [T, T] => (c.rank === 1 ? [one, xs[0]!] : [xs[0]!, xs[1]!]);
  const [kernelSize, dilation, isCausal] = [pad(c.kernelSize, 1), pad(c.dilation, 1), pad(c.isCausal, false)];
  return { kernelSize, dilation, isCausal, scale: c.scale };
}

type Fn = (...xs: tf.Tensor[]) => tf.Tensor;
type Op2 = (a: tf.Tensor, b: tf.Tensor, o: object) => tf.Tensor;
const qkOp = (c: NAFixtureCase) => (c.rank === 1 ? na.na1dQK : na.na2dQK) as unknown as Op2;
const avOp = (c: NAFixtureCase) => (c.rank === 1 ? na.na1dAV : na.na2dAV) as unknown as Op2;
const fusedOp = (c: NAFixtureCase) =>
  (c.rank === 1 ? na.na1d : na.na2d) as unknown as (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, o: object) => tf.Tensor;

/** All outputs of one case, keyed by the fixture tensor they are checked against (several may share one). */
function computeCase(c: NAFixtureCase): Array<[string, tf.Tensor]> {
  const results: Array<[string, tf.Tensor]> = [];
  const [q, k, v] = [input(c, 'q'), input(c, 'k'), input(c, 'v')];
  const rpb = c.hasRpb ? input(c, 'rpb') : undefined;
  const fusedVars = rpb ? [q, k, v, rpb] : [q, k, v];
  const grads = (f: Fn, xs: tf.Tensor[], dy: string) => tf.grads(f)(xs, input(c, dy));
  const gradNames = ['dq', 'dk', 'dv', 'drpb'].slice(0, fusedVars.length);

  results.push(['out', fusedOp(c)(q, k, v, options(c, rpb))]);
  const opGrads = grads((...xs) => fusedOp(c)(xs[0]!, xs[1]!, xs[2]!, options(c, xs[3])), fusedVars, 'g_out');
  gradNames.forEach((name, i) => results.push([name, opGrads[i]!]));
  // The fused kernel's own gradient (recomputation), reached when it runs under a tape directly.
  const kernelGrads = grads(
    (...xs) => {
      const lift = (t: tf.Tensor) => (c.rank === 1 ? t.expandDims(1) : t);
      // The fused kernel always takes rpb; an empty tensor means no bias.
      const rpbInput = xs[3] ? lift(xs[3]) : tf.zeros([0]);
      const inputs = { query: lift(xs[0]!), key: lift(xs[1]!), value: lift(xs[2]!), rpb: rpbInput };
      const out = tf.engine().runKernel(NeighborhoodAttentionFused, inputs, { ...kernelAttrs(c) }) as tf.Tensor;
      return c.rank === 1 ? out.squeeze([1]) : out;
    },
    fusedVars,
    'g_out',
  );
  gradNames.forEach((name, i) => results.push([name, kernelGrads[i]!]));
  if (!c.splitOps) return results;

  results.push(['logits', qkOp(c)(q, k, options(c, rpb))]);
  const qkVars = rpb ? [q, k, rpb] : [q, k];
  const qkGrads = grads((...xs) => qkOp(c)(xs[0]!, xs[1]!, options(c, xs[2])), qkVars, 'g_logits');
  ['dq_qk', 'dk_qk', 'drpb_qk'].slice(0, qkVars.length).forEach((name, i) => results.push([name, qkGrads[i]!]));
  const attn = input(c, 'attn');
  results.push(['out', avOp(c)(attn, v, options(c, undefined))]);
  const [dAttn, dValue] = grads((a, x) => avOp(c)(a!, x!, options(c, undefined)), [attn, v], 'g_av');
  results.push(['dattn_av', dAttn!], ['dv_av', dValue!]);
  return results;
}

describe.skipIf(!env.available)(`NA fixtures on webgpu (${env.reason})`, () => {
  beforeAll(async () => {
    expect(await tf.setBackend('webgpu'), 'tf.setBackend(webgpu)').toBe(true);
    setNAImplementation('auto');
    expect(na.activeNAImplementation()).toBe('kernels');
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const results = tf.tidy(() => computeCase(c));
    try {
      for (const [output, actual] of results) {
        const expected = c.tensors.get(output)!;
        expect(actual.shape, `${c.name} ${output} shape`).toEqual(expected.shape);
        const tol = toleranceFor(output);
        const r = compareArrays(await actual.data(), expected.data, tol, tol);
        worst[output] = Math.max(worst[output] ?? 0, r.worst);
        expect(r.infMismatch, `${c.name} ${output}: -inf slots differ`).toBe(0);
        expect(r.count, `${c.name} ${output}: ${r.count} elements outside tolerance (worst ${r.worst})`).toBe(0);
      }
    } finally {
      results.forEach(([, t]) => t.dispose());
    }
  });

  afterAll(() => {
    const what = `webgpu against shared/fixtures/na (${cases.length} cases; ${env.reason})`;
    console.log(`\nLargest scaled error |a-e|/(1+|e|) of ${what}`);
    for (const [output, err] of Object.entries(worst)) console.log(`${output.padEnd(12)}${err.toExponential(2)}`);
  });
});
