// SPDX-License-Identifier: MIT
// The small functional pieces StyleNAT is made of, in NHWC: equalised linear layers, the fused leaky ReLU,
// PixelNorm, instance/layer norm over tokens, exact GELU, upfirdn2d (blur, up/down-sampling) and the 2-D
// sinusoidal position grid. Written against rosinality's stylegan2-pytorch / StyleNAT `models/basic_layers.py`
// and `op/upfirdn2d.py` (the native CPU path), whose numbers they reproduce.
import * as tf from '@tensorflow/tfjs';
import { layerNorm as layerNormOp } from '@natzoo/core';

const SQRT2 = Math.SQRT2;

/**
 * `leaky_relu(x + bias, 0.2) * sqrt(2)` (upstream `fused_leaky_relu`), written `(0.6 x + 0.4 |x|) sqrt(2)`:
 * tfjs's LeakyRelu gradient goes through `Greater`, which has no gradient, so R1's second-order gradient
 * could not pass through it; Abs's gradient (Step) has one.
 */
export function fusedLeakyRelu(x: tf.Tensor, bias?: tf.Tensor): tf.Tensor {
  const shifted = bias === undefined ? x : tf.add(x, bias);
  return tf.add(tf.mul(shifted, 0.6 * SQRT2), tf.mul(tf.abs(shifted), 0.4 * SQRT2));
}

/**
 * EqualLinear: `x @ (W * lrMul / sqrt(in)) + b * lrMul`, with `W` stored raw as upstream trains it (the scale
 * is what gives every layer the same effective learning rate). `weight` is `[in, out]`.
 */
export function equalLinear(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor | undefined, lrMul: number, activate = false): tf.Tensor {
  const inDim = weight.shape[0]!;
  const out = tf.matMul(x as tf.Tensor2D, tf.mul(weight, lrMul / Math.sqrt(inDim)) as tf.Tensor2D);
  const b = bias === undefined ? undefined : lrMul === 1 ? bias : tf.mul(bias, lrMul);
  if (activate) return fusedLeakyRelu(out, b);
  return b === undefined ? out : tf.add(out, b);
}

/** `x * rsqrt(mean(x^2, features) + 1e-8)` on `[B, D]`. */
export function pixelNorm(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), 1e-8)));
}

export { gelu, linear } from '@natzoo/core';


/** LayerNorm over the last axis (biased variance, eps 1e-5 as PyTorch). */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps = 1e-5): tf.Tensor {
  return layerNormOp(x, gamma, beta, eps);
}

/** InstanceNorm1d over the tokens of `[B, H, W, C]` (per sample and channel, no affine, eps 1e-5). */
export function instanceNorm(x: tf.Tensor4D, eps = 1e-5): tf.Tensor4D {
  const { mean, variance } = tf.moments(x, [1, 2], true);
  return tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))) as tf.Tensor4D;
}

/** `[1, 3, 3, 1]` -> the normalised outer product (upstream `make_kernel`). */
export function makeKernel(k: readonly number[]): number[][] {
  const sum = k.reduce((a, b) => a + b, 0);
  return k.map((a) => k.map((b) => (a * b) / (sum * sum)));
}

/** Inserts `factor - 1` zeros after every sample along `axis` (1 = height, 2 = width) of NHWC. */
export function zeroStuff(x: tf.Tensor4D, factor: number, axis: 1 | 2): tf.Tensor4D {
  if (factor === 1) return x;
  const [b, h, w, c] = x.shape;
  if (axis === 1) {
    const padded = tf.pad(tf.reshape(x, [b, h, 1, w * c]), [[0, 0], [0, 0], [0, factor - 1], [0, 0]]);
    return tf.reshape(padded, [b, h * factor, w, c]);
  }
  const padded = tf.pad(tf.reshape(x, [b * h, w, 1, c]), [[0, 0], [0, 0], [0, factor - 1], [0, 0]]);
  return tf.reshape(padded, [b, h, w * factor, c]);
}

/** Pads (or, for negative amounts, crops) height and width of NHWC. */
export function padOrCrop(x: tf.Tensor4D, y0: number, y1: number, x0: number, x1: number): tf.Tensor4D {
  let out = tf.pad(x, [[0, 0], [Math.max(y0, 0), Math.max(y1, 0)], [Math.max(x0, 0), Math.max(x1, 0)], [0, 0]]);
  if (y0 < 0 || y1 < 0 || x0 < 0 || x1 < 0) {
    const [, h, w] = out.shape;
    out = tf.slice(out, [0, Math.max(-y0, 0), Math.max(-x0, 0), 0], [-1, h - Math.max(-y0, 0) - Math.max(-y1, 0), w - Math.max(-x0, 0) - Math.max(-x1, 0), -1]);
  }
  return out;
}

/**
 * upfirdn2d on NHWC: zero-stuff by `up`, pad `[y0, y1, x0, x1]`, convolve each channel with `kernel` (a true
 * convolution: the kernel is flipped, as upstream does), keep every `down`-th sample. Channels are folded into
 * the batch so the filter is a plain conv2d: its gradients (and their gradients, for R1) all exist in tfjs.
 */
export function upfirdn2d(x: tf.Tensor4D, kernel: readonly (readonly number[])[], up: number, down: number, pad: readonly [number, number, number, number]): tf.Tensor4D {
  const kh = kernel.length;
  const kw = kernel[0]!.length;
  const flipped = tf.tensor4d(kernel.slice().reverse().flatMap((row) => row.slice().reverse()), [kh, kw, 1, 1]);
  const stuffed = zeroStuff(zeroStuff(x, up, 1), up, 2);
  const padded = padOrCrop(stuffed, pad[0], pad[1], pad[2], pad[3]);
  const [b, h, w, c] = padded.shape;
  const folded = tf.reshape(tf.transpose(padded, [0, 3, 1, 2]), [b * c, h, w, 1]);
  const filtered = tf.conv2d(folded as tf.Tensor4D, flipped, down, 'valid');
  const [, oh, ow] = filtered.shape;
  return tf.transpose(tf.reshape(filtered, [b, c, oh, ow]), [0, 2, 3, 1]) as tf.Tensor4D;
}

/** Upstream `Upsample(blur_kernel)`: x2 with the blur kernel scaled by 4, pads from the kernel size. */
export function blurUpsample(x: tf.Tensor4D, blurKernel: readonly number[]): tf.Tensor4D {
  const k = makeKernel(blurKernel).map((row) => row.map((v) => v * 4));
  const p = k.length - 2;
  const pad0 = Math.floor((p + 1) / 2) + 1;
  const pad1 = Math.floor(p / 2);
  return upfirdn2d(x, k, 2, 1, [pad0, pad1, pad0, pad1]);
}

/** Upstream `Downsample(blur_kernel)`: blur then keep every second sample. */
export function blurDownsample(x: tf.Tensor4D, blurKernel: readonly number[]): tf.Tensor4D {
  const k = makeKernel(blurKernel);
  const p = k.length - 2;
  const pad0 = Math.floor((p + 1) / 2);
  const pad1 = Math.floor(p / 2);
  return upfirdn2d(x, k, 1, 2, [pad0, pad1, pad0, pad1]);
}

/**
 * SPE2d of `[h, w, channels]` (upstream `SinusoidalPositionalEmbedding(channels / 2, padding_idx=0).make_grid2d`):
 * positions 1..w along x and 1..h along y, each `[sin(p f), cos(p f)]` with `f_j = exp(-j ln(1e4) / (channels/4 - 1))`
 * computed in float32 as upstream; x-embedding channels first, then y.
 */
export function sinusoidalGrid(h: number, w: number, channels: number): Float32Array {
  const half = channels / 4;
  const step = Math.fround(Math.log(10000) / (half - 1));
  const freq = Float32Array.from({ length: half }, (_, j) => Math.fround(Math.exp(Math.fround(j * -step))));
  const embed = (p: number) => {
    const e = new Float32Array(2 * half);
    for (let j = 0; j < half; j++) {
      const angle = Math.fround(p * freq[j]!);
      e[j] = Math.sin(angle);
      e[half + j] = Math.cos(angle);
    }
    return e;
  };
  const xs = Array.from({ length: w }, (_, i) => embed(i + 1));
  const ys = Array.from({ length: h }, (_, i) => embed(i + 1));
  const out = new Float32Array(h * w * channels);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const at = (y * w + x) * channels;
      out.set(xs[x]!, at);
      out.set(ys[y]!, at + 2 * half);
    }
  }
  return out;
}

/** Flat index into a `[heads, (2k-1)^2]` RPB for each (query, key) pair of a k x k map, key - query order. */
export function fullAttentionBiasIndex(k: number): Int32Array {
  const n = k * k;
  const idx = new Int32Array(n * n);
  for (let q = 0; q < n; q++) {
    for (let key = 0; key < n; key++) {
      const dy = Math.floor(key / k) - Math.floor(q / k) + k - 1;
      const dx = (key % k) - (q % k) + k - 1;
      idx[q * n + key] = dy * (2 * k - 1) + dx;
    }
  }
  return idx;
}
