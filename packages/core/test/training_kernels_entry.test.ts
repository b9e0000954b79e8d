// SPDX-License-Identifier: MIT
// registerTrainingKernels as an opt-in: importing the entry changes no kernel, registering replaces tfjs's
// kernels once however often it is called, and the function it returns puts tfjs's own back (a wasm Identity
// that copies again, no Conv2DBackpropFilter on wasm).
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { registerTrainingKernels } from '../src/training_kernels.js';

const KERNELS: [string, string][] = [
  ['Conv2DBackpropFilter', 'cpu'],
  ['Conv2DBackpropFilter', 'wasm'],
  ['BatchMatMul', 'wasm'],
  ['_FusedMatMul', 'wasm'],
  ['Identity', 'wasm'],
  ['Cast', 'wasm'],
  ['UnsortedSegmentSum', 'wasm'],
  ['DepthwiseConv2dNativeBackpropInput', 'wasm'],
  ['DepthwiseConv2dNativeBackpropFilter', 'wasm'],
];

const registered = () => KERNELS.map(([name, backend]) => tf.getKernel(name, backend)?.kernelFunc);

/** Whether a wasm clone shares its source's buffer (the training Identity) or copies it (tfjs's). */
async function cloneShares(): Promise<boolean> {
  await tf.setBackend('wasm');
  const x = tf.tensor1d([1, 2, 3]);
  const copy = tf.clone(x);
  const shares = copy.dataId === x.dataId;
  tf.dispose([x, copy]);
  return shares;
}

describe('@natzoo/core/training-kernels', () => {
  it('registers only when called, once, and unregisters back to tfjs kernels', async () => {
    const original = registered();
    expect(original[1]).toBeUndefined(); // tfjs-wasm has no Conv2DBackpropFilter
    expect(await cloneShares()).toBe(false);

    const unregister = registerTrainingKernels();
    const patched = registered();
    patched.forEach((fn, i) => {
      expect(fn, KERNELS[i]!.join(' on ')).toBeDefined();
      expect(fn, KERNELS[i]!.join(' on ')).not.toBe(original[i]);
    });
    expect(await cloneShares()).toBe(true);
    // A second call wraps nothing twice and hands back the same undo.
    expect(registerTrainingKernels()).toBe(unregister);
    expect(registered()).toEqual(patched);

    unregister();
    expect(registered()).toEqual(original);
    expect(await cloneShares()).toBe(false);
    unregister(); // nothing left to undo
    expect(registered()).toEqual(original);
  });
});
