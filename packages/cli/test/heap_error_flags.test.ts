// SPDX-License-Identifier: MIT
// The CLI words a WasmHeapError's remedies as the flags that set them, the library as its argument names.
import { describe, expect, it } from 'vitest';
import { WasmHeapError } from '@natzoo/core';
import { describeError } from '../src/errors.js';

describe('describeError on a WasmHeapError', () => {
  const error = new WasmHeapError('a 4608.0 MiB allocation failed with the heap at 16.0 MiB', false).during({
    what: 'a training step',
    batch: 96,
    remedies: [
      { argument: 'batchSize', how: 'a smaller {}' },
      { argument: 'microBatch', how: 'a {} of 48 or less' },
      { argument: 'workers', how: 'more {}' },
      { argument: 'jobSize', how: 'a smaller {}' },
    ],
  });

  it('names the arguments in the library message', () => {
    expect(error.message).toBe(
      "a training step at batch 96 needed more than the wasm heap's 4 GiB (a 4608.0 MiB allocation failed with the heap at 16.0 MiB); to fit, use a smaller batchSize, or a microBatch of 48 or less, or more workers, or a smaller jobSize",
    );
  });

  it('names the flags on the command line (the job size is --batch-size)', () => {
    expect(describeError(error)).toBe(
      "a training step at batch 96 needed more than the wasm heap's 4 GiB (a 4608.0 MiB allocation failed with the heap at 16.0 MiB); to fit, use a smaller --batch-size, or a --micro-batch of 48 or less, or more --workers, or a smaller --batch-size",
    );
  });
});
