// SPDX-License-Identifier: MIT
// Training noise (dropout masks, drop path) that follows the samples, not the tensor. tfjs's random ops fill a
// tensor from one seeded stream in flat order, so the mask a sample gets depends on which rows sit before it:
// a batch split into micro-batches or over worker threads would draw other masks than the whole batch. When the
// active random source names the samples its tensors hold (`samples`, set by the trainer), each value is instead
// a counter-based hash of (the op's seed, the sample's index in the whole batch, the value's offset in that
// sample): the same for a sample wherever it is computed. Without `samples` these are tfjs's own ops.
import { div, dropout, floor, mul, randomUniform, tensor } from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { activeRandomSource, type SampleRange } from './random_source.js';

/** splitmix32-style finaliser. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad);
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97);
  return (x ^ (x >>> 15)) >>> 0;
}

/** One word per (op seed, sample index); both halves of an index up to 2^53 take part. */
function sampleKey(seedWord: number, index: number): number {
  const low = mix32(((index >>> 0) + 0x9e3779b9) >>> 0);
  const high = Math.imul(Math.floor(index / 4294967296), 0x85ebca6b);
  return mix32((seedWord ^ low ^ high) >>> 0);
}

/** The per-sample layout of a batch-major `shape` holding `samples.count` samples. */
function valuesPerSample(shape: readonly number[], samples: SampleRange): number {
  const size = shape.reduce((a, b) => a * b, 1);
  if (samples.count < 1 || size % samples.count !== 0 || shape[0]! % samples.count !== 0) {
    throw new Error(`batch noise: a tensor of shape [${shape.join(', ')}] does not hold ${samples.count} samples along its first axis`);
  }
  return size / samples.count;
}

/** `count` uniforms in [low, high) per sample, sample after sample, from the op's `seed` (in [0, 1)). */
function sampleUniforms(seed: number, samples: SampleRange, perSample: number, low: number, high: number): Float32Array {
  const out = new Float32Array(samples.count * perSample);
  const seedWord = mix32(Math.floor(seed * 4294967296) >>> 0);
  const span = (high - low) / 16777216;
  for (let s = 0; s < samples.count; s++) {
    const key = sampleKey(seedWord, samples.first + s);
    const base = s * perSample;
    for (let j = 0; j < perSample; j++) {
      // 24 random bits: exactly representable in float32, so the value is below `high`.
      const bits = mix32((key + Math.imul(j, 0x9e3779b1)) >>> 0) ^ key;
      out[base + j] = low + ((mix32(bits >>> 0) >>> 8) * span);
    }
  }
  return out;
}

/** Uniforms in [low, high) of `shape` (batch-major), seeded by `seed`: per sample when the active source names
 *  its samples, else tfjs's randomUniform. */
export function batchRandomUniform(shape: number[], low: number, high: number, seed: number | undefined): Tensor {
  const samples = activeRandomSource().samples;
  if (samples === undefined || seed === undefined) return randomUniform(shape, low, high, 'float32', seed);
  return tensor(sampleUniforms(seed, samples, valuesPerSample(shape, samples), low, high), shape, 'float32');
}

/** tfjs's dropout (no noise shape) with per-sample masks when the active source names its samples. */
export function batchDropout(x: Tensor, rate: number, seed: number | undefined): Tensor {
  if (activeRandomSource().samples === undefined || seed === undefined || rate === 0) return dropout(x, rate, undefined, seed);
  const keep = 1 - rate;
  // tfjs's formula: x * floor(uniform + keep) / keep.
  return mul(x, div(floor(batchRandomUniform([...x.shape], keep, 1 + keep, seed)), keep));
}
