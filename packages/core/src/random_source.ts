// SPDX-License-Identifier: MIT
// Where random layers (dropout, drop path) get the seeds of their random ops. tfjs seeds each random op from
// Math.random when given no seed, so a training step could only be reproduced by swapping Math.random. Instead
// every natzoo random layer passes randomSeed(), a fresh seed per call drawn from the active random source:
// a trainer sets one from its run seed and gets the same masks on every replay, while code that sets none keeps
// tfjs's default (Math.random) behaviour.

/** A stream of uniform numbers in [0, 1). Any seeded generator with a `float()` method fits. */
export interface RandomSource {
  float(): number;
}

const MATH_RANDOM: RandomSource = { float: () => Math.random() };

let active: RandomSource | null = null;

/** The seed for the next random op: a draw from the active source (Math.random when none is set). */
export function randomSeed(): number {
  return activeRandomSource().float();
}

/** The source randomSeed() draws from now (one over Math.random when none is set). */
export function activeRandomSource(): RandomSource {
  return active ?? MATH_RANDOM;
}

/** Makes `source` the active random source (null: back to Math.random); returns the one it replaces. */
export function setRandomSource(source: RandomSource | null): RandomSource | null {
  const previous = active;
  active = source;
  return previous;
}

/** Runs `fn` with `source` active and restores the previous source. `fn` must be synchronous: random ops run
 *  after an await would draw from whatever source is active by then. */
export function withRandomSource<T>(source: RandomSource | null, fn: () => T): T {
  const previous = setRandomSource(source);
  try {
    const result = fn();
    if (result instanceof Promise) throw new Error('withRandomSource: fn must be synchronous; it returned a Promise');
    return result;
  } finally {
    setRandomSource(previous);
  }
}
