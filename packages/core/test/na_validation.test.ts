// SPDX-License-Identifier: MIT
// Each argument error names the op, the argument and the offending values.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { NAArgumentError, na1d, na1dAV, na1dQK, na2d, na2dAV, na2dQK, na3d, na3dAV, na3dQK, setNAImplementation } from '@natzoo/core';

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

  it('even kernels take rpb (NATTEN 0.21 rules, bias relative to the stride-group leader)', () => {
    expect(na2dQK(q2, q2, { kernelSize: 4, rpb: tf.zeros([2, 7, 7]) }).shape).toEqual([1, 8, 8, 2, 16]);
  });

  it('stride', () => {
    expect(() => na2d(q2, q2, q2, { kernelSize: 3, stride: [1, 4] })).toThrow(
      'na2d: stride must be an integer with 1 <= stride <= kernelSize on every axis; got stride [1, 4], kernelSize [3, 3]',
    );
    expect(() => na1dAV(t4([1, 10, 2, 3]), q1, { kernelSize: 3, stride: 0 })).toThrow('na1dAV: stride must be an integer');
    expect(() => na2dQK(q2, q2, { kernelSize: 3, stride: [2] })).toThrow('na2dQK: stride must have 2 value(s), one per spatial axis; got [2]');
  });

  it('GQA/MQA heads', () => {
    const q4 = t5([1, 8, 8, 4, 4]);
    expect(() => na2d(q4, t5([1, 8, 8, 3, 4]), t5([1, 8, 8, 3, 4]), { kernelSize: 3 })).toThrow(
      'na2d: query heads (4) must be a multiple of key heads (3) (GQA/MQA); key shape [1, 8, 8, 3, 4]',
    );
    expect(() => na2d(q4, t5([1, 8, 8, 2, 4]), t5([1, 8, 8, 1, 4]), { kernelSize: 3 })).toThrow(
      'na2d: value shape [1, 8, 8, 1, 4] must equal key shape [1, 8, 8, 2, 4]',
    );
    expect(() => na2dAV(t5([1, 8, 8, 4, 9]), t5([1, 8, 8, 3, 4]), { kernelSize: 3 })).toThrow(
      'na2dAV: attn heads (4) must be a multiple of value heads (3)',
    );
    expect(na2d(q4, t5([1, 8, 8, 1, 4]), t5([1, 8, 8, 1, 4]), { kernelSize: 3 }).shape).toEqual([1, 8, 8, 4, 4]);
  });

  it('3-D shapes, kernels and rpb', () => {
    const q3 = tf.zeros([1, 4, 5, 6, 2, 4]) as tf.Tensor<tf.Rank.R6>;
    expect(() => na3d(q3, q3, q3, { kernelSize: [3, 3] })).toThrow('na3d: kernelSize must have 3 value(s), one per spatial axis; got [3, 3]');
    expect(() => na3dQK(q2 as never, q2 as never, { kernelSize: 3 })).toThrow(
      'na3dQK: query must have rank 6 ([B, X, Y, Z, heads, D]); got shape [1, 8, 8, 2, 4]',
    );
    expect(() => na3d(q3, q3, q3, { kernelSize: [5, 3, 3] })).toThrow('na3d: kernelSize*dilation (5*1=5) > input size (4) on axis 0');
    expect(() => na3d(q3, q3, q3, { kernelSize: 3, rpb: tf.zeros([2, 5, 5]) })).toThrow(
      'na3d: rpb must have rank 4 ([heads, 2k0-1, 2k1-1, 2k2-1]); got shape [2, 5, 5]',
    );
    expect(() => na3dAV(tf.zeros([1, 4, 5, 6, 2, 8]) as never, q3, { kernelSize: [1, 3, 3] })).toThrow(
      'na3dAV: attn shape [1, 4, 5, 6, 2, 8] must be [1, 4, 5, 6, 2, 9]',
    );
  });

  it('additional key/value tokens', () => {
    const extra = t4([1, 3, 2, 4]);
    expect(() => na2d(q2, q2, q2, { kernelSize: 3, additionalKeys: extra })).toThrow(
      'na2d: additionalKeys and additionalValues go together; got only additionalKeys',
    );
    expect(() => na2d(q2, q2, q2, { kernelSize: 3, additionalKeys: extra, additionalValues: t4([1, 3, 2, 5]) })).toThrow(
      'na2d: additionalValues shape [1, 3, 2, 5] must equal additionalKeys shape [1, 3, 2, 4]',
    );
    expect(() => na2d(q2, q2, q2, { kernelSize: 3, additionalKeys: t4([1, 3, 1, 4]), additionalValues: t4([1, 3, 1, 4]) })).toThrow(
      'na2d: additionalKeys shape [1, 3, 1, 4] must be [B, n >= 1, kvHeads, D] = [1, 3, 2, 4]',
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
