// SPDX-License-Identifier: MIT
// Runs a few NA cases on the cpu and webgpu backends inside a real page and publishes the comparison on
// `window.__naResults` for the test driving the browser.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { activeNAImplementation, na1d, na2d, na2dQK } from '@natzoo/core';
import '@natzoo/core/webgpu';

interface CaseResult {
  name: string;
  worst: number;
  maskedMismatch: number;
}

interface PageResults {
  adapter: string;
  implementation: string;
  backend: string;
  cases: CaseResult[];
  error?: string;
}

const randn = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

/** Each case returns its outputs as plain arrays, so the two backends can be compared after the fact. */
const cases: Record<string, () => tf.Tensor[]> = {
  'na2d fused, rpb, dilation [2,1]': () => {
    const [q, k, v] = [1, 2, 3].map((s) => randn([1, 9, 8, 2, 8], s)) as [tf.Tensor5D, tf.Tensor5D, tf.Tensor5D];
    return [na2d(q, k, v, { kernelSize: 3, dilation: [2, 1], rpb: randn([2, 5, 5], 4) })];
  },
  'na2dQK causal [true,false]': () => {
    const [q, k] = [5, 6].map((s) => randn([1, 7, 6, 1, 4], s)) as [tf.Tensor5D, tf.Tensor5D];
    return [na2dQK(q, k, { kernelSize: 3, isCausal: [true, false], scale: 0.5 })];
  },
  'na1d kernel 5, dilation 2': () => {
    const [q, k, v] = [7, 8, 9].map((s) => randn([1, 16, 2, 4], s)) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    return [na1d(q, k, v, { kernelSize: 5, dilation: 2 })];
  },
  'tf.grads through na2d (q, k, v, rpb)': () => {
    const inputs = [10, 11, 12].map((s) => randn([1, 6, 7, 2, 4], s));
    const g = randn([1, 6, 7, 2, 4], 13);
    const f = (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, rpb: tf.Tensor) =>
      tf.sum(tf.mul(na2d(q as tf.Tensor5D, k as tf.Tensor5D, v as tf.Tensor5D, { kernelSize: 3, rpb }), g));
    return tf.grads(f)([...inputs, randn([2, 5, 5], 14)]);
  },
};

async function runAll(backend: string): Promise<Record<string, Float32Array[]>> {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} failed to initialise`);
  const out: Record<string, Float32Array[]> = {};
  for (const [name, run] of Object.entries(cases)) {
    const tensors = run();
    out[name] = await Promise.all(tensors.map(async (t) => (await t.data()) as Float32Array));
    tf.dispose(tensors);
  }
  return out;
}

async function main(): Promise<PageResults> {
  const adapter = await navigator.gpu?.requestAdapter();
  if (adapter == null) throw new Error('navigator.gpu.requestAdapter() returned null: no WebGPU in this browser');
  // GPUAdapter.info is newer than the DOM typings of this TypeScript version.
  const { info } = adapter as GPUAdapter & { info: { vendor: string; architecture: string; description: string } };
  const reference = await runAll('cpu');
  const actual = await runAll('webgpu');
  const results: CaseResult[] = Object.keys(cases).map((name) => {
    let worst = 0;
    let maskedMismatch = 0;
    reference[name]!.forEach((expected, i) => {
      const got = actual[name]![i]!;
      expected.forEach((e, j) => {
        const a = got[j]!;
        if (!Number.isFinite(e) || !Number.isFinite(a)) maskedMismatch += a === e ? 0 : 1;
        else worst = Math.max(worst, Math.abs(a - e) / (1 + Math.abs(e)));
      });
    });
    return { name, worst, maskedMismatch };
  });
  return {
    adapter: `${info.vendor} ${info.architecture} ${info.description}`.trim(),
    implementation: activeNAImplementation(),
    backend: tf.getBackend(),
    cases: results,
  };
}

const target = window as unknown as { __naResults?: PageResults };
main()
  .then((results) => {
    target.__naResults = results;
    document.body.textContent = JSON.stringify(results, null, 2);
  })
  .catch((error: unknown) => {
    target.__naResults = { adapter: '', implementation: '', backend: '', cases: [], error: String(error) };
    document.body.textContent = String(error);
  });
