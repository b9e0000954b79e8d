// SPDX-License-Identifier: MIT
// One generalized-NA golden case (shared/fixtures/na_v2) checked on whichever backend and implementation is
// active: forward, split-op logits and attention, every gradient of the fused op and, where the backend's
// kernels implement the case, of the fused kernel itself.
import * as tf from '@tensorflow/tfjs-core';
import * as na from '@natzoo/core/advanced';
import { NeighborhoodAttentionFused } from '@natzoo/core';
import { WorstErrors, fixtureInput as input } from '../../../../tests/support/fixture_check.js';
import type { NAV2FixtureCase } from '../../../../tests/support/na_v2_fixtures.js';

const toleranceFor = (output: string) => (output === 'drpb' ? 1e-4 : ['logits', 'attn', 'out'].includes(output) ? 1e-5 : 2e-5);

type Op = (...args: unknown[]) => tf.Tensor;
const ops = {
  1: { qk: na.na1dQK, fused: na.na1d },
  2: { qk: na.na2dQK, fused: na.na2d },
  3: { qk: na.na3dQK, fused: na.na3d },
} as unknown as Record<1 | 2 | 3, { qk: Op; fused: Op }>;

function options(c: NAV2FixtureCase, rpb?: tf.Tensor, extra?: [tf.Tensor, tf.Tensor]): na.NAOptions {
  const opts: na.NAOptions = { kernelSize: c.kernelSize, stride: c.stride, dilation: c.dilation, isCausal: c.isCausal, scale: c.scale };
  if (rpb !== undefined) opts.rpb = rpb;
  if (extra !== undefined) [opts.additionalKeys, opts.additionalValues] = extra;
  return opts;
}

/** The fused kernel's attributes (1-D runs on a height-1 axis). */
export function fusedKernelAttrs(c: NAV2FixtureCase): na.NAKernelAttrs {
  const pad = <T>(list: T[], one: T) => (c.rank === 1 ? [one, ...list] : list);
  return {
    kernelSize: pad(c.kernelSize, 1),
    dilation: pad(c.dilation, 1),
    isCausal: pad(c.isCausal, false),
    stride: pad(c.stride, 1),
    scale: c.scale,
    ...(c.kvHeads === c.heads ? {} : { kvHeads: c.kvHeads }),
  };
}

function runFusedKernel(c: NAV2FixtureCase, xs: tf.Tensor[]): tf.Tensor {
  const lift = (t: tf.Tensor) => (c.rank === 1 ? t.expandDims(1) : t);
  const inputs = { query: lift(xs[0]!), key: lift(xs[1]!), value: lift(xs[2]!), rpb: xs[3] ? lift(xs[3]) : tf.zeros([0]) };
  const out = tf.engine().runKernel(NeighborhoodAttentionFused, inputs, { ...fusedKernelAttrs(c) }) as tf.Tensor;
  return c.rank === 1 ? out.squeeze([1]) : out;
}

/**
 * Checks case `c` under `target` (a column of `errors`); `kernels` adds the fused kernel's own gradient
 * (when the active backend's kernels implement the case).
 */
export async function checkNAV2Case(errors: WorstErrors, target: string, c: NAV2FixtureCase, kernels: boolean): Promise<void> {
  const results: Array<[string, string, tf.Tensor]> = [];
  const check = (name: string, output: string, actual: tf.Tensor) => results.push([name, output, tf.keep(actual)]);
  tf.tidy(() => {
    const [q, k, v] = [input(c, 'q'), input(c, 'k'), input(c, 'v')];
    const rpb = c.hasRpb ? input(c, 'rpb') : undefined;
    const extra = c.extraTokens > 0 ? ([input(c, 'add_k'), input(c, 'add_v')] as [tf.Tensor, tf.Tensor]) : undefined;
    const fused = ops[c.rank].fused;
    check(target, 'out', fused(q, k, v, options(c, rpb, extra)));

    // Differentiate in q, k, v, then rpb and the extra tokens when the case has them.
    const names = ['dq', 'dk', 'dv', ...(rpb ? ['drpb'] : []), ...(extra ? ['d_add_k', 'd_add_v'] : [])];
    const vars = [q, k, v, ...(rpb ? [rpb] : []), ...(extra ?? [])];
    const grads = tf.grads((...xs: tf.Tensor[]) => {
      const bias = rpb ? xs[3] : undefined;
      const tokens = extra ? ([xs[xs.length - 2]!, xs[xs.length - 1]!] as [tf.Tensor, tf.Tensor]) : undefined;
      return fused(xs[0]!, xs[1]!, xs[2]!, options(c, bias, tokens));
    })(vars, input(c, 'g_out'));
    names.forEach((name, i) => check(target, name, grads[i]!));

    if (extra !== undefined) return;
    const logits = ops[c.rank].qk(q, k, options(c, rpb));
    check(target, 'logits', logits);
    check(target, 'attn', tf.softmax(logits));
    if (kernels && na.naKernelsSupport(fusedKernelAttrs(c))) {
      // The fused kernel's own gradient (recomputation), reached when it runs under a tape directly.
      const kernelVars = rpb ? [q, k, v, rpb] : [q, k, v];
      const kernelGrads = tf.grads((...xs: tf.Tensor[]) => runFusedKernel(c, xs))(kernelVars, input(c, 'g_out'));
      names.slice(0, kernelVars.length).forEach((name, i) => check(`${target} kernel`, name, kernelGrads[i]!));
    }
  });
  try {
    for (const [name, output, actual] of results) {
      errors.checkValues(name, c, output, actual.shape, await actual.data(), toleranceFor(output));
    }
  } finally {
    tf.dispose(results.map(([, , t]) => t));
  }
}
