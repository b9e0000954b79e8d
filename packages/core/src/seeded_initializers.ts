// SPDX-License-Identifier: MIT
// Weight initializers seeded from the active random source (random_source.ts) when they are made, that is while
// a model is built: a model built inside withRandomSource(rng, ...) starts from weights the rng determines (and
// its saved topology records the seeds), and one built without a source is exactly tfjs's own: Math.random, and
// `seed: null` in the saved configs, so converted models stay byte-identical.
import { initializers } from '@tensorflow/tfjs-layers';
import { randomSeed } from './random_source.js';

/** A normal distribution cut at two standard deviations (timm's trunc_normal_, tfjs's truncatedNormal). */
export function seededTruncatedNormal(stddev: number, mean = 0): ReturnType<typeof initializers.truncatedNormal> {
  return initializers.truncatedNormal({ mean, stddev, seed: randomSeed() });
}

export function seededHeNormal(): ReturnType<typeof initializers.heNormal> {
  return initializers.heNormal({ seed: randomSeed() });
}

export function seededGlorotUniform(): ReturnType<typeof initializers.glorotUniform> {
  return initializers.glorotUniform({ seed: randomSeed() });
}

/** timm's Linear initialisation, trunc_normal_(std=0.02). */
export function linearInit(): ReturnType<typeof initializers.truncatedNormal> {
  return seededTruncatedNormal(0.02);
}
