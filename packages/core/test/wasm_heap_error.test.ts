// SPDX-License-Identifier: MIT
// The wasm heap's 4 GiB limit as a WasmHeapError where tfjs would otherwise take malloc's 0 as an address (or
// wrap a size past 4 GiB): real allocations through tfjs's own tensor path, refused before anything is written.
// Heap is taken with malloc and never written, and refused sizes are never allocated, so the test holds only a
// few MiB of real memory.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { setBestBackend, WasmHeapError } from '@natzoo/core';

/** The Emscripten allocator of tfjs's wasm module (its typings leave it out). */
interface EmscriptenAllocator {
  _malloc(bytes: number): number;
  _free(pointer: number): void;
}

describe('wasm heap exhaustion', () => {
  beforeAll(async () => {
    expect(await setBestBackend(['wasm'])).toBe('wasm');
  });

  it('an output past 4 GiB is a WasmHeapError, not a wrapped size', () => {
    const one = tf.ones([1, 1]);
    // 2^15 x 2^15 float32: exactly 4 GiB, which malloc's i32 argument would read as 0 bytes.
    expect(() => tf.tile(one, [2 ** 15, 2 ** 15])).toThrow(WasmHeapError);
    one.dispose();
  });

  it('an output the heap cannot grow to hold is a WasmHeapError, and the backend still works', async () => {
    const one = tf.ones([1]);
    // 3 GiB of the heap taken (malloc alone: the pages are reserved, never written), then a 1.5 GiB output.
    const module = (tf.backend() as BackendWasm).wasm as unknown as EmscriptenAllocator;
    const taken = module._malloc(3 * 2 ** 30);
    let caught: unknown;
    try {
      tf.tile(one, [400_000_000]);
    } catch (error) {
      caught = error;
    } finally {
      module._free(taken);
    }
    expect(caught).toBeInstanceOf(WasmHeapError);
    const error = caught as WasmHeapError;
    expect(error.aborted).toBe(false);
    expect(error.message).toMatch(/^the wasm heap is full \(a 1525\.9 MiB allocation failed with the heap at [\d.]+ MiB\)$/);
    expect(error.during({ what: 'a test step', batch: 7, remedies: [{ argument: 'batchSize', how: 'a smaller {}' }] }).message).toMatch(
      /^a test step at batch 7 needed more than the wasm heap's 4 GiB \(a 1525\.9 MiB allocation .*\); to fit, use a smaller batchSize$/,
    );
    expect(await tf.add(one, one).data()).toEqual(new Float32Array([2]));
    one.dispose();
  });
});
