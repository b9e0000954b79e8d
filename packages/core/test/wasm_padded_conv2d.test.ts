// SPDX-License-Identifier: MIT
// The wasm PaddedConv2D kernel (im2col rows through assembly/linear) against tfjs-wasm's own fused.conv2d
// (XNNPACK) and a float64 reference: kernel sizes, strides and paddings that leave windows half outside the
// image, channel counts with and without a SIMD tail, ReLU, chunks of im2col rows; and the op's argument errors.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { NAArgumentError, PaddedConv2D, paddedConv2d } from '../src/index.js';
import { runsFusedKernel } from '../src/advanced.js';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

const values = (n: number, salt: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.61 + salt) * (1 + (i % 3)));

/** The convolution in float64, NHWC and `[k, k, Cin, Cout]`, zeros outside the image. */
function reference(x: Float32Array, [b, h, w, c]: readonly [number, number, number, number], f: Float32Array, k: number, cout: number, stride: number, pad: number): { out: Float64Array; shape: number[] } {
  const oh = Math.floor((h + 2 * pad - k) / stride) + 1;
  const ow = Math.floor((w + 2 * pad - k) / stride) + 1;
  const out = new Float64Array(b * oh * ow * cout);
  for (let n = 0; n < b; n++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let o = 0; o < cout; o++) {
          let sum = 0;
          for (let ky = 0; ky < k; ky++) {
            for (let kx = 0; kx < k; kx++) {
              const iy = oy * stride - pad + ky;
              const ix = ox * stride - pad + kx;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              for (let i = 0; i < c; i++) sum += x[((n * h + iy) * w + ix) * c + i]! * f[((ky * k + kx) * c + i) * cout + o]!;
            }
          }
          out[((n * oh + oy) * ow + ox) * cout + o] = sum;
        }
      }
    }
  }
  return { out, shape: [b, oh, ow, cout] };
}

describe('PaddedConv2D on wasm', () => {
  it('runs as one kernel', async () => {
    expect(runsFusedKernel(PaddedConv2D)).toBe(true);
    const x = tf.tensor4d(values(2 * 9 * 9 * 4, 1), [2, 9, 9, 4]);
    const filter = tf.tensor4d(values(3 * 3 * 4 * 8, 2), [3, 3, 4, 8]);
    const info = await tf.profile(() => paddedConv2d(x, filter, { strides: 2, padding: 1 }));
    expect(info.kernels.map((k) => k.name)).toEqual([PaddedConv2D]);
    // A 3x3 window of 3 channels (27 floats) stays on XNNPACK.
    const rgb = tf.tensor4d(values(9 * 9 * 3, 3), [1, 9, 9, 3]);
    const stem = await tf.profile(() => paddedConv2d(rgb, tf.slice(filter, [0, 0, 0, 0], [3, 3, 3, 8]), { padding: 1 }));
    expect(stem.kernels.map((k) => k.name)).not.toContain(PaddedConv2D);
  });

  it('equals XNNPACK bit for bit and float64 to float32 rounding', () => {
    const cases = [
      // [batch, height, width, Cin, k, Cout, stride, pad]
      [1, 11, 13, 3, 7, 8, 2, 3],
      [2, 9, 9, 5, 3, 10, 1, 1],
      [1, 10, 10, 36, 1, 9, 2, 0],
      [1, 8, 6, 16, 3, 7, 2, 1],
      [1, 7, 7, 40, 1, 12, 1, 0],
      [2, 6, 5, 2, 5, 3, 3, 2],
      [1, 6, 6, 1, 7, 5, 1, 3],
      [1, 5, 5, 8, 5, 16, 1, 0],
    ] as const;
    for (const [b, h, w, c, k, cout, stride, pad] of cases) {
      expect(k * k * c, 'a window the kernel takes').toBeGreaterThanOrEqual(32);
      for (const [activation, withBias] of [['linear', false], ['relu', true]] as const) {
        const label = `${[b, h, w, c, k, cout, stride, pad].join('/')} ${activation}`;
        const xs = values(b * h * w * c, h + c);
        const fs = values(k * k * c * cout, cout - k);
        const x = tf.tensor4d(xs, [b, h, w, c]);
        const filter = tf.tensor4d(fs, [k, k, c, cout]);
        const bias = withBias ? tf.tensor1d(values(cout, 5)) : null;
        const ours = paddedConv2d(x, filter, { strides: stride, padding: pad, bias, activation });
        const xnnpack = tf.fused.conv2d({ x, filter, strides: stride, pad, bias: bias ?? undefined, activation });
        expect(ours.shape, label).toEqual(xnnpack.shape);
        expect(Array.from(ours.dataSync()), label).toEqual(Array.from(xnnpack.dataSync()));
        const exact = reference(xs, [b, h, w, c], fs, k, cout, stride, pad);
        const biasValues = bias?.dataSync();
        const expected = Array.from(exact.out, (v, i) => {
          const y = v + (biasValues?.[i % cout] ?? 0);
          return activation === 'relu' ? Math.max(0, y) : y;
        });
        const got = ours.dataSync();
        const scale = Math.max(1, ...expected.map(Math.abs));
        // float32 sums of up to 196 products, each rounded: a few 1e-7 of the largest output.
        expect(Math.max(...expected.map((e, i) => Math.abs(got[i]! - e))) / scale, label).toBeLessThan(3e-6);
        tf.dispose([x, filter, ours, xnnpack, ...(bias === null ? [] : [bias])]);
      }
    }
  });

  it('runs images larger than one chunk of im2col rows', () => {
    // 1 x 150 x 150 pixels of 36-float windows: 22500 rows, over the ~7280 a 1 MiB chunk holds.
    const x = tf.tensor4d(values(150 * 150 * 4, 3), [1, 150, 150, 4]);
    const filter = tf.tensor4d(values(3 * 3 * 4 * 4, 4), [3, 3, 4, 4]);
    const ours = paddedConv2d(x, filter, { padding: 1 });
    expect(Array.from(ours.dataSync())).toEqual(Array.from(tf.conv2d(x, filter, 1, 1).dataSync()));
  });

  it('names the argument and the value it rejects', () => {
    const x = tf.zeros([1, 4, 4, 3]);
    expect(() => paddedConv2d(x, tf.zeros([3, 3, 3]))).toThrow(NAArgumentError);
    expect(() => paddedConv2d(x, tf.zeros([3, 2, 3, 4]))).toThrow(/paddedConv2d: filter must be square; got shape \[3, 2, 3, 4\]/);
    expect(() => paddedConv2d(x, tf.zeros([3, 3, 2, 4]))).toThrow(/paddedConv2d: x's channels \(3\) must be filter's Cin = 2/);
    expect(() => paddedConv2d(x, tf.zeros([3, 3, 3, 4]), { strides: 0 })).toThrow(/strides must be an integer >= 1; got 0/);
    expect(() => paddedConv2d(x, tf.zeros([3, 3, 3, 4]), { bias: tf.zeros([3]) })).toThrow(/bias must have shape \[4\] \(filter's Cout\); got \[3\]/);
  });
});
