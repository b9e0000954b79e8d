// SPDX-License-Identifier: MIT
// tfjs-wasm's threaded build started in Node (test/support/threaded_wasm.ts): its memory is shared, and natzoo's
// SIMD kernels run on it (their shared-memory build, found at Module.wasmMemory) and agree with the cpu backend.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { na2d } from '../src/index.js';
import { startThreadedWasm } from './support/threaded_wasm.js';
import { simdKernelsFor } from '../src/kernels/wasm/simd_module.js';
import { wasmMemory } from '../src/tfjs_internals.js';

describe('the threaded tfjs-wasm build in Node', () => {
  it('starts on a shared memory, and the fused NA kernel on it matches the cpu backend', async () => {
    // XNNPACK's pool reports one thread in Node (asked for 2); in a cross-origin-isolated page it gets them.
    expect(await startThreadedWasm({ threads: 2 })).toBeGreaterThanOrEqual(1);
    expect(tf.getBackend()).toBe('wasm');
    expect(wasmMemory(tf.backend() as BackendWasm)?.buffer).toBeInstanceOf(SharedArrayBuffer);
    // Bound to the shared memory, not the JS loops (the SIMD kernels' only other outcome is a WasmKernelError).
    expect(simdKernelsFor(tf.backend() as BackendWasm)).not.toBeNull();
    const values = (salt: number) => tf.tensor5d(Array.from({ length: 2 * 9 * 11 * 2 * 16 }, (_, i) => Math.sin(0.37 * i + salt)), [2, 9, 11, 2, 16]);
    const run = () => {
      const [q, k, v] = [values(0), values(1), values(2)];
      const rpb = tf.tensor3d(Array.from({ length: 2 * 5 * 7 }, (_, i) => Math.cos(0.11 * i)), [2, 5, 7]);
      const out = na2d(q, k, v, { kernelSize: [3, 4], dilation: [2, 1], rpb });
      const data = out.dataSync();
      tf.dispose([q, k, v, rpb, out]);
      return data;
    };
    const threaded = run();
    await tf.setBackend('cpu');
    const reference = run();
    expect(Math.max(...threaded.map((x, i) => Math.abs(x - reference[i]!)))).toBeLessThan(1e-5);
  });

  it('refuses to start once the single-threaded backend is up', async () => {
    await expect(startThreadedWasm()).rejects.toThrow(/already started/);
  });
});
