// SPDX-License-Identifier: MIT
// Each argument error names the op, the argument and the offending values.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { NAArgumentError, na1d, na1dAV, na1dQK, na2d, na2dAV, na2dQK, setNAImplementation } from '@natzoo/core';

const t5 = (shape: number[], dtype: 'float32' | 'int32' = 'float32') => tf.zeros(shape, dtype) as unknown as tf.Tensor5D;
const t4 = (shape: number[]) => tf.zeros(shape) as unknown as tf.Tensor4D;
const q2 = t5([1, 8, 8, 2, 4]);
const q1 = t4([1, 10, 2, 4]);

describe('NA argument validation', () => {
  it('rank', () => {
    expect(() => na2dQK(q1 as unknown as tf.Tensor5D, q2, { kernelSize: 3 })).toThrow(
      /^na2dQK: query must have rank 5 \(\[B, H, W, heads, D\]\); got shape \[1, 10, 2, 4\]/,
    );
    expect(() => na1d(q2 as unknown as tf.Tensor4D, q1, q1, { kernelSize: 3 })).toThrow(/na1d: query must have rank 4/);
  });

  it('shape mismatch between query, key and value', () => {
    expect(() => na2d(q2, t5([1, 8, 8, 2, 5]), q2, { kernelSize: 3 })).toThrow(
      'na2d: key shape [1, 8, 8, 2, 5] must equal query shape [1, 8, 8, 2, 4]',
    );
    expect(() => na2d(q2, q2, t5([1, 8, 7, 2, 4]), { kernelSize: 3 })).toThrow('na2d: value shape [1, 8, 7, 2, 4]');
    expect(() => na2dAV(t5([1, 8, 8, 2, 8]), q2, { kernelSize: 3 })).toThrow(
      'na2dAV: attn shape [1, 8, 8, 2, 8] must be [1, 8, 8, 2, 9]',
    );
  });

  it('dtype', () => {
    expect(() => na2dQK(t5([1, 8, 8, 2, 4], 'int32'), q2, { kernelSize: 3 })).toThrow('na2dQK: query must be float32; got int32');
  });

  it('kernelSize * dilation larger than an axis', () => {
    expect(() => na2d(q2, q2, q2, { kernelSize: 3, dilation: [2, 3] })).toThrow(
      'na2d: kernelSize*dilation (3*3=9) > input size (8) on axis 1',
    );
    expect(() => na1dQK(q1, q1, { kernelSize: 11 })).toThrow('na1dQK: kernelSize*dilation (11*1=11) > input size (10) on axis 0');
  });

  it('kernel size and dilation values', () => {
    expect(() => na2d(q2, q2, q2, { kernelSize: 1 })).toThrow('na2d: kernelSize must be an integer >= 2 on every axis; got [1, 1]');
    expect(() => na2d(q2, q2, q2, { kernelSize: 3, dilation: 0 })).toThrow('na2d: dilation must be an integer >= 1');
    expect(() => na2d(q2, q2, q2, { kernelSize: 3, isCausal: [true, 'yes' as never] })).toThrow(
      'na2d: isCausal must be a boolean on every axis; got [true, yes]',
    );
    expect(() => na2d(q2, q2, q2, { kernelSize: [3, 3, 3] })).toThrow('na2d: kernelSize must have 2 value(s), one per spatial axis; got [3, 3, 3]');
  });

  it('even kernel with rpb', () => {
    expect(() => na2dQK(q2, q2, { kernelSize: 4, rpb: tf.zeros([2, 7, 7]) })).toThrow(
      'na2dQK: rpb needs an odd kernelSize on every axis; got kernelSize [4, 4]',
    );
  });

  it('rpb shape', () => {
    expect(() => na2d(q2, q2, q2, { kernelSize: 3, rpb: tf.zeros([2, 5, 3]) })).toThrow(
      'na2d: rpb shape [2, 5, 3] must be [2, 5, 5]',
    );
    expect(() => na1dQK(q1, q1, { kernelSize: 3, rpb: tf.zeros([3, 5]) })).toThrow('na1dQK: rpb shape [3, 5] must be [2, 5]');
  });

  it('causal together with rpb', () => {
    expect(() => na1d(q1, q1, q1, { kernelSize: 3, isCausal: true, rpb: tf.zeros([2, 5]) })).toThrow(
      'na1d: rpb cannot be combined with causal masking (isCausal [true])',
    );
  });

  it('missing options, bad scale, and the error type', () => {
    expect(() => na1dAV(t4([1, 10, 2, 3]), q1, undefined as never)).toThrow('na1dAV: opts.kernelSize is required');
    expect(() => na2d(q2, q2, q2, { kernelSize: 3, scale: Number.NaN })).toThrow('na2d: scale must be a finite number; got NaN');
    expect(() => na2d(q2, q2, q2, { kernelSize: 9 })).toThrow(NAArgumentError);
    expect(() => setNAImplementation('gpu' as never)).toThrow("setNAImplementation: choice must be 'auto', 'kernels' or 'composite'; got gpu");
  });
});
