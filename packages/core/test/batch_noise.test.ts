// SPDX-License-Identifier: MIT
// Per-sample training noise: with the samples named, a batch computed in pieces gets the whole batch's masks,
// the masks keep about 1 - rate of the values scaled by 1/(1 - rate), and without them the ops are tfjs's own.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchDropout, batchRandomUniform, withRandomSource, type RandomSource } from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A source whose every draw is `seed`, holding samples `first .. first + count - 1`. */
const source = (seed: number, first?: number, count?: number): RandomSource => ({
  float: () => seed,
  ...(first === undefined ? {} : { samples: { first, count: count! } }),
});

describe('batch noise', () => {
  it('gives each sample the same values whichever piece of the batch holds it', () => {
    const ones = tf.ones([6, 3, 50]);
    const whole = withRandomSource(source(0.25, 0, 6), () => batchDropout(ones, 0.3, 0.25)).arraySync();
    const head = withRandomSource(source(0.25, 0, 2), () => batchDropout(tf.ones([2, 3, 50]), 0.3, 0.25)).arraySync() as number[][][];
    const tail = withRandomSource(source(0.25, 2, 4), () => batchDropout(tf.ones([4, 3, 50]), 0.3, 0.25)).arraySync() as number[][][];
    expect([...head, ...tail]).toEqual(whole);
    // Another seed, other masks; a batch-major layout with several rows per sample ([B * heads, ...]) too.
    const other = withRandomSource(source(0.5, 0, 6), () => batchDropout(ones, 0.3, 0.5)).arraySync();
    expect(other).not.toEqual(whole);
    const rows = withRandomSource(source(0.25, 0, 3), () => batchRandomUniform([6, 10], 0, 1, 0.25)).arraySync() as number[][];
    const rowsTail = withRandomSource(source(0.25, 1, 2), () => batchRandomUniform([4, 10], 0, 1, 0.25)).arraySync();
    expect(rowsTail).toEqual(rows.slice(2));
  });

  it('keeps about 1 - rate of the values, scaled by 1 / (1 - rate), and uniforms lie in [low, high)', () => {
    const out = withRandomSource(source(0.75, 3, 8), () => batchDropout(tf.ones([8, 5000]), 0.3, 0.75)).dataSync();
    const kept = out.filter((v) => v !== 0);
    expect(Math.abs(kept.length / out.length - 0.7)).toBeLessThan(0.01);
    expect([...new Set(kept)]).toEqual([Math.fround(1 / 0.7)]);
    const u = withRandomSource(source(0.1, 0, 4), () => batchRandomUniform([4, 5000], 2, 3, 0.1)).dataSync();
    const mean = Array.from(u).reduce((a, b) => a + b, 0) / u.length;
    expect(Math.min(...u)).toBeGreaterThanOrEqual(2);
    expect(Math.max(...u)).toBeLessThan(3);
    expect(Math.abs(mean - 2.5)).toBeLessThan(0.01);
  });

  it('is tfjs\'s dropout and randomUniform when the source names no samples', () => {
    const x = tf.ones([4, 20]);
    expect(withRandomSource(source(0.4), () => batchDropout(x, 0.5, 17)).arraySync()).toEqual(tf.dropout(x, 0.5, undefined, 17).arraySync());
    expect(batchRandomUniform([3, 4], 0, 1, 9).arraySync()).toEqual(tf.randomUniform([3, 4], 0, 1, 'float32', 9).arraySync());
  });

  it('refuses a tensor whose first axis does not hold the named samples', () => {
    expect(() => withRandomSource(source(0.2, 0, 4), () => batchDropout(tf.ones([6, 2]), 0.5, 0.2))).toThrow(/does not hold 4 samples/);
  });
});
