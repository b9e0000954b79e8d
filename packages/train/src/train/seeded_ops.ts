// SPDX-License-Identifier: MIT
// tfjs draws the seeds of its random ops (dropout, drop path's randomUniform, weight initialisers) from
// Math.random when a layer passes none, and no natzoo or tfjs layer passes one. To make a training step
// reproducible without touching every layer, Math.random is swapped for a seeded stream while the step runs.
// This is only sound for synchronous work: the cpu and wasm kernels run the forward and backward pass inside the
// call, so no other code can observe the swap.
import type { Rng } from './rng.js';

/** Runs `fn` with Math.random drawing from `rng`, and restores the original afterwards. */
export function withSeededMathRandom<T>(rng: Rng, fn: () => T): T {
  const original = Math.random;
  Math.random = () => rng.float();
  try {
    const result = fn();
    if (result instanceof Promise) throw new Error('withSeededMathRandom: fn must be synchronous (it returned a Promise)');
    return result;
  } finally {
    Math.random = original;
  }
}
