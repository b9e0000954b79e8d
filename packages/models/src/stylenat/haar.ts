// SPDX-License-Identifier: MIT
// Haar wavelet transforms of the StyleNAT/SWAGAN discriminator (StyleNAT `models/discriminator.py`
// `HaarTransform`, `InverseHaarTransform`), as one stride-2 conv each way. Upstream runs four upfirdn2d calls
// with 2x2 filters; folding them into one conv2d with a block-diagonal filter gives the same numbers.
import * as tf from '@tensorflow/tfjs';
import { padOrCrop, zeroStuff } from './stylenat_ops.js';

const R = Math.SQRT1_2;
const LOW = [R, R];
const HIGH = [-R, R];
const outer = (a: number[], b: number[]) => a.map((x) => b.map((y) => x * y));

/** The four 2x2 Haar filters in upstream's order (ll, lh, hl, hh): `lh = high^T low`, `hl = low^T high`. */
export function haarFilters(): number[][][] {
  return [outer(LOW, LOW), outer(HIGH, LOW), outer(LOW, HIGH), outer(HIGH, HIGH)];
}

/** The inverse transform's filters (lh and hl negated, as upstream's buffers). */
export function inverseHaarFilters(): number[][][] {
  const [ll, lh, hl, hh] = haarFilters();
  const neg = (k: number[][]) => k.map((row) => row.map((v) => -v));
  return [ll!, neg(lh!), neg(hl!), hh!];
}

/** `[2, 2, inC, outC]` filter; entry (a, b) of band k holds `k[1-a][1-b]` (upfirdn2d convolves, so flip). */
function bandFilter(bands: number[][][], channels: number, forward: boolean): tf.Tensor4D {
  const inC = forward ? channels : 4 * channels;
  const outC = forward ? 4 * channels : channels;
  const data = new Float32Array(4 * inC * outC);
  for (let a = 0; a < 2; a++) {
    for (let b = 0; b < 2; b++) {
      for (let band = 0; band < 4; band++) {
        for (let c = 0; c < channels; c++) {
          const i = forward ? c : band * channels + c;
          const o = forward ? band * channels + c : c;
          data[((a * 2 + b) * inC + i) * outC + o] = bands[band]![1 - a]![1 - b]!;
        }
      }
    }
  }
  return tf.tensor4d(data, [2, 2, inC, outC]);
}

/** `[B, H, W, C]` -> `[B, H/2, W/2, 4C]`, channels `[ll, lh, hl, hh]` x C. */
export function haarTransform(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.conv2d(x, bandFilter(haarFilters(), x.shape[3], true), 2, 'valid'));
}

/** `[B, H, W, 4C]` -> `[B, 2H, 2W, C]`: each band zero-stuffed x2, padded (1, 0), filtered, and summed. */
export function inverseHaarTransform(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const channels = x.shape[3] / 4;
    const stuffed = padOrCrop(zeroStuff(zeroStuff(x, 2, 1), 2, 2), 1, 0, 1, 0);
    return tf.conv2d(stuffed, bandFilter(inverseHaarFilters(), channels, false), 1, 'valid');
  });
}
