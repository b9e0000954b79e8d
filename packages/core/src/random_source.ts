// SPDX-License-Identifier: MIT
// Where random layers (dropout, drop path) get the seeds of their random ops. tfjs seeds each random op from
// Math.random when given no seed, so a training step could only be reproduced by swapping Math.random. Instead
// every natzoo random layer passes randomSeed(), a fresh seed per call drawn from the active random source:
// a trainer sets one from its run seed and gets the same masks on every replay. Without a source randomSeed()
// is undefined, so tfjs keeps its default (Math.random) and initializer configs keep `seed: null`, as before.

/** The samples a step's tensors hold: rows `first .. first + count - 1` of the whole (global) batch. */
export interface SampleRange {
  readonly first: number;
  readonly count: number;
}

/** A stream of uniform numbers in [0, 1). Any seeded generator with a `float()` method fits. */
export interface RandomSource {
  float(): number;
  /** Set by a trainer that splits batches (micro-batches, worker shards): random ops then draw each sample's
   *  values from its index in the whole batch (batch_noise.ts), so a split batch gets the masks of the whole. */
  readonly samples?: SampleRange;
}

const MATH_RANDOM: RandomSource = { float: () => Math.random() };

let active: RandomSource | null = null;

/** The seed for the next random op: a draw from the active source, or undefined (tfjs's Math.random) without one. */
export function randomSeed(): number | undefined {
  return active?.float();
}

/** The active source, or one over Math.random when none is set (for wrapping it, as recomputation does). */
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
