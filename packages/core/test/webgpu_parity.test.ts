// SPDX-License-Identifier: MIT
// Every NA kernel on webgpu (tiled and one-thread-per-output programs, vec4 and scalar loads, strided and not)
// against the cpu kernels as the reference, over a seeded sweep of shapes and options, including the fused
// forward's log-sum-exp output. Prints the largest error per output.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as names from '@natzoo/core';
import type { NAKernelAttrs } from '@natzoo/core';
import { setWebGPUTiling } from '../src/webgpu.js';
import type { WebGPUTiling } from '../src/webgpu.js';
import { webgpuEnv } from './support/webgpu_env.js';

const env = await webgpuEnv();

interface SweepCase {
  /** `[B, H, W, heads, D]`, or `[B, X, Y, Z, heads, D]` for 3-D. */
  shape: number[];
  attrs: NAKernelAttrs;
  rpb: boolean;
}

const attrs = (k: number[], d: number[], c: boolean[], scale: number, stride?: number[]): NAKernelAttrs => ({
  kernelSize: k,
  dilation: d,
  isCausal: c,
  scale,
  ...(stride ? { stride } : {}),
});

// Small shapes (lavapipe runs on the CPU); together they cover every structural variant and the tile edges.
const sweep: SweepCase[] = [
  { shape: [2, 9, 11, 2, 8], attrs: attrs([3, 5], [2, 2], [false, false], 0.4), rpb: true },
  { shape: [1, 12, 7, 3, 3], attrs: attrs([5, 3], [2, 1], [false, false], 0.6), rpb: true },
  { shape: [1, 10, 10, 1, 12], attrs: attrs([4, 3], [1, 3], [true, false], 0.3), rpb: false },
  { shape: [2, 8, 9, 2, 5], attrs: attrs([3, 3], [1, 1], [true, true], 1), rpb: false },
  { shape: [1, 1, 23, 2, 16], attrs: attrs([1, 7], [1, 3], [false, false], 0.25), rpb: true },
  { shape: [1, 1, 150, 1, 4], attrs: attrs([1, 9], [1, 1], [false, true], 0.5), rpb: false },
  { shape: [1, 17, 19, 2, 32], attrs: attrs([7, 7], [1, 1], [false, false], 0.2), rpb: true },
  { shape: [1, 13, 12, 1, 36], attrs: attrs([5, 11], [2, 1], [false, false], 0.15), rpb: true },
  { shape: [1, 6, 6, 1, 132], attrs: attrs([3, 3], [1, 2], [false, true], 0.1), rpb: false },
  { shape: [1, 9, 8, 2, 6], attrs: attrs([2, 4], [1, 1], [false, false], 0.7), rpb: false },
  // Head dim 72: staged rows wider than workgroup memory holds, so the tiles stage column chunks.
  { shape: [1, 1, 80, 1, 72], attrs: attrs([1, 5], [1, 1], [false, true], 0.3), rpb: false },
  // 3-D: a workgroup per plane walks the plane window; causal and even kernels per axis.
  { shape: [1, 5, 6, 7, 2, 8], attrs: attrs([3, 3, 3], [1, 2, 1], [false, false, false], 0.4), rpb: true },
  { shape: [2, 6, 4, 5, 1, 6], attrs: attrs([2, 3, 4], [2, 1, 1], [true, false, true], 0.5), rpb: false },
  // Strided: tiles of whole stride groups, tiles that split a group, blocked (stride = kernel), causal, 3-D.
  { shape: [1, 11, 13, 2, 8], attrs: attrs([3, 5], [1, 1], [false, false], 0.4, [2, 3]), rpb: true },
  { shape: [1, 14, 14, 1, 16], attrs: attrs([7, 7], [1, 1], [false, false], 0.3, [7, 7]), rpb: true },
  { shape: [1, 10, 9, 2, 4], attrs: attrs([4, 3], [1, 2], [true, false], 0.6, [2, 3]), rpb: false },
  { shape: [1, 9, 20, 1, 12], attrs: attrs([3, 9], [2, 1], [false, true], 0.3, [3, 5]), rpb: false },
  { shape: [1, 1, 40, 1, 8], attrs: attrs([1, 5], [1, 2], [false, false], 0.5, [1, 4]), rpb: true },
  { shape: [1, 6, 7, 8, 1, 8], attrs: attrs([3, 3, 5], [1, 1, 1], [false, false, false], 0.4, [2, 3, 4]), rpb: true },
];

function inputsFor(c: SweepCase, seed: number) {
  const slots = c.attrs.kernelSize.reduce((a, b) => a * b, 1);
  const bias = [c.shape[c.shape.length - 2]!, ...c.attrs.kernelSize.map((k) => 2 * k - 1)];
  // tfjs treats seed 0 as unseeded, hence the offsets.
  const data = (shape: number[], s: number) => {
    const values = tf.tidy(() => tf.randomNormal(shape, 0, 1, 'float32', seed + s).dataSync().slice() as Float32Array);
    return { shape, data: values };
  };
  return {
    tokens: [0, 1, 2].map((s) => data(c.shape, s + 1)),
    slots: data([...c.shape.slice(0, -1), slots], 4),
    rpb: data(bias, 5),
    // The fused backward's upstream gradient and delta (any values: the kernels do not assume delta = dOut . out).
    dOut: data(c.shape, 6),
    delta: data(c.shape.slice(0, -1), 7),
  };
}

type Inputs = ReturnType<typeof inputsFor>;

/** The log-sum-exp kernel and the fused backward kernels, which recompute attention from it. */
function fusedBackward(run: (name: string, inputs: tf.NamedTensorMap) => tf.Tensor, saved: tf.NamedTensorMap) {
  const lse = run(names.NeighborhoodAttentionLogSumExp, { query: saved.query!, key: saved.key!, rpb: saved.rpb! });
  const inputs = { ...saved, lse };
  return {
    lse,
    fusedDq: run(names.NeighborhoodAttentionFusedBackpropQuery, inputs),
    fusedDk: run(names.NeighborhoodAttentionFusedBackpropKey, inputs),
    fusedDv: run(names.NeighborhoodAttentionFusedBackpropValue, inputs),
    fusedDrpb: run(names.NeighborhoodAttentionFusedBackpropRpb, inputs),
  };
}

/** The fused forward with its log-sum-exp as a second output (what the fused backward saves). */
function fusedWithLse(c: SweepCase, inputs: tf.NamedTensorMap) {
  const both = tf.engine().runKernel(names.NeighborhoodAttentionFused, inputs, { ...c.attrs, withLogSumExp: true });
  const [out, lse] = both as tf.Tensor[];
  return { fusedLseOut: out!, fusedLse: lse! };
}

/** Runs every kernel on the active backend and returns the outputs as plain arrays (read asynchronously:
 *  webgpu's dataSync needs an OffscreenCanvas, which Node lacks). */
async function runAll(c: SweepCase, x: Inputs): Promise<Record<string, Float32Array>> {
  const outputs = tf.tidy(() => {
    const t = (v: { shape: number[]; data: Float32Array }) => tf.tensor(v.data, v.shape);
    const [a, b, v] = x.tokens.map(t) as [tf.Tensor, tf.Tensor, tf.Tensor];
    const slots = t(x.slots);
    const rpb = c.rpb ? t(x.rpb) : undefined;
    const run = (name: string, inputs: tf.NamedTensorMap) =>
      tf.engine().runKernel(name, inputs, { ...c.attrs }) as tf.Tensor;
    return {
      qk: run(names.NeighborhoodAttentionQK, rpb ? { query: a, key: b, rpb } : { query: a, key: b }),
      av: run(names.NeighborhoodAttentionAV, { attn: slots, value: v }),
      fused: run(names.NeighborhoodAttentionFused, { query: a, key: b, value: v, rpb: rpb ?? tf.zeros([0]) }),
      ...fusedWithLse(c, { query: a, key: b, value: v, rpb: rpb ?? tf.zeros([0]) }),
      dq: run(names.NeighborhoodAttentionQKBackpropQuery, { dLogits: slots, key: b }),
      dk: run(names.NeighborhoodAttentionQKBackpropKey, { dLogits: slots, query: a }),
      drpb: run(names.NeighborhoodAttentionQKBackpropRpb, { dLogits: slots }),
      dattn: run(names.NeighborhoodAttentionAVBackpropAttn, { dOut: a, value: v }),
      dv: run(names.NeighborhoodAttentionAVBackpropValue, { attn: slots, dOut: a }),
      ...fusedBackward(run, { query: a, key: b, value: v, rpb: rpb ?? tf.zeros([0]), dOut: t(x.dOut), delta: t(x.delta) }),
    };
  });
  const arrays: Record<string, Float32Array> = {};
  for (const [name, tensor] of Object.entries(outputs)) {
    arrays[name] = (await tensor.data()) as Float32Array;
    tensor.dispose();
  }
  return arrays;
}

const worst: Record<string, Record<string, number>> = {};
const label = (c: SweepCase) =>
  `q=[${c.shape}] k=[${c.attrs.kernelSize}] d=[${c.attrs.dilation}] causal=[${c.attrs.isCausal}]` +
  `${c.attrs.stride ? ` s=[${c.attrs.stride}]` : ''}${c.rpb ? ' rpb' : ''}`;

describe.skipIf(!env.available)(`webgpu kernels against the cpu reference kernels (${env.reason})`, () => {
  beforeAll(async () => {
    expect(await tf.setBackend('webgpu'), 'tf.setBackend(webgpu)').toBe(true);
  });
  afterAll(() => setWebGPUTiling('auto'));

  describe.each(['tiled', 'simple'] as WebGPUTiling[])('%s programs', (mode) => {
    it.each(sweep.map((c, i) => [label(c), c, i] as const))('%s', async (_name, c, i) => {
      await tf.setBackend('cpu');
      const x = inputsFor(c, 1000 + 100 * i);
      const reference = await runAll(c, x);
      await tf.setBackend('webgpu');
      setWebGPUTiling(mode);
      const backend = tf.backend() as unknown as { pipelineCache: Record<string, unknown> };
      backend.pipelineCache = {};
      const actual = await runAll(c, x);
      // The variant asked for really ran (the tiled programs fall back above head dim 128).
      const ran = Object.keys(backend.pipelineCache).join(' ');
      const tiled = mode === 'tiled' && c.shape[c.shape.length - 1]! <= 128;
      for (const program of ['QK', 'AV', 'Fused']) expect(ran).toContain(`na${tiled ? 'Tiled' : 'Simple'}${program}_`);
      for (const [output, expected] of Object.entries(reference)) {
        const got = actual[output]!;
        expect(got.length, output).toBe(expected.length);
        let err = 0;
        let badMask = 0;
        expected.forEach((e, j) => {
          if (!Number.isFinite(e)) badMask += got[j] === e ? 0 : 1;
          else err = Math.max(err, Math.abs(got[j]! - e) / (1 + Math.abs(e)));
        });
        (worst[mode] ??= {})[output] = Math.max(worst[mode][output] ?? 0, err);
        expect(badMask, `${output}: masked slots differ`).toBe(0);
        expect(err, `${output}: largest scaled error`).toBeLessThan(2e-5);
      }
    });
  });

  it('compiles one pipeline per structure, whatever the sizes', async () => {
    await tf.setBackend('webgpu');
    setWebGPUTiling('auto');
    const backend = tf.backend() as unknown as { pipelineCache: Record<string, unknown> };
    backend.pipelineCache = {};
    const shapes: Array<[number[], NAKernelAttrs]> = [
      [[1, 9, 9, 2, 32], attrs([3, 3], [1, 1], [false, false], 0.2)],
      [[2, 12, 10, 3, 28], attrs([5, 3], [2, 3], [false, false], 0.7)],
    ];
    for (const [shape, a] of shapes) {
      const [q, rpb] = [tf.randomNormal(shape, 0, 1, 'float32', 7), tf.zeros([0])];
      const inputs = { query: q, key: q, value: q, rpb };
      const out = tf.engine().runKernel(names.NeighborhoodAttentionFused, inputs, { ...a }) as tf.Tensor;
      await out.data();
      tf.dispose([q, rpb, out]);
    }
    expect(Object.keys(backend.pipelineCache).filter((key) => key.startsWith('naTiledFused'))).toHaveLength(1);
  });

  afterAll(() => {
    const modes = Object.keys(worst);
    if (modes.length === 0) return;
    const what = `webgpu against cpu kernels (${sweep.length} cases; ${env.reason})`;
    console.log(`\nLargest scaled error |a-e|/(1+|e|) of ${what}`);
    console.log(['output', ...modes].map((s) => s.padEnd(12)).join(''));
    for (const output of Object.keys(worst[modes[0]!]!)) {
      console.log([output, ...modes.map((m) => worst[m]![output]!.toExponential(2))].map((s) => s.padEnd(12)).join(''));
    }
  });
});
