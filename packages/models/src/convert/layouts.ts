// SPDX-License-Identifier: MIT
// PyTorch -> tfjs weight layouts (reference/checkpoints.md section 5), on plain Float32Arrays.

/**
 * - `identity`: same shape and order (LayerNorm/BatchNorm vectors, biases, embeddings, rpb tables);
 * - `linear`: nn.Linear `[out, in]` -> Dense `[in, out]`;
 * - `conv2d`: nn.Conv2d `[out, in, kh, kw]` (OIHW) -> Conv2D `[kh, kw, in, out]` (HWIO);
 * - `depthwiseConv2d`: nn.Conv2d with `groups = C`, `[C*m, 1, kh, kw]` -> DepthwiseConv2D `[kh, kw, C, m]`.
 */
export type LayoutTransform = 'identity' | 'linear' | 'conv2d' | 'depthwiseConv2d';

/** The PyTorch shape that becomes `tfShape` under `transform`. */
export function sourceShapeFor(transform: LayoutTransform, tfShape: readonly number[]): number[] {
  switch (transform) {
    case 'identity':
      return [...tfShape];
    case 'linear': {
      const [inDim, outDim] = tfShape as [number, number];
      return [outDim, inDim];
    }
    case 'conv2d': {
      const [kh, kw, inDim, outDim] = tfShape as [number, number, number, number];
      return [outDim, inDim, kh, kw];
    }
    case 'depthwiseConv2d': {
      const [kh, kw, channels, multiplier] = tfShape as [number, number, number, number];
      return [channels * multiplier, 1, kh, kw];
    }
  }
}

/** Reorders `src` (PyTorch layout) into the tfjs layout of `tfShape`. */
export function toTfLayout(transform: LayoutTransform, src: Float32Array, tfShape: readonly number[]): Float32Array {
  if (transform === 'identity') return src;
  const dst = new Float32Array(src.length);
  if (transform === 'linear') {
    const [inDim, outDim] = tfShape as [number, number];
    for (let o = 0; o < outDim; o++) {
      for (let i = 0; i < inDim; i++) dst[i * outDim + o] = src[o * inDim + i]!;
    }
    return dst;
  }
  const [kh, kw, c, m] = tfShape as [number, number, number, number];
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < c; i++) {
        for (let o = 0; o < m; o++) {
          // conv2d: PyTorch [o, i, y, x]; depthwise: PyTorch output channel i*m + o, input slot 0.
          const from = transform === 'conv2d' ? ((o * c + i) * kh + y) * kw + x : ((i * m + o) * kh + y) * kw + x;
          dst[((y * kw + x) * c + i) * m + o] = src[from]!;
        }
      }
    }
  }
  return dst;
}

/** The inverse of toTfLayout: a tfjs weight of shape `tfShape` back into its PyTorch layout. */
export function fromTfLayout(transform: LayoutTransform, src: Float32Array, tfShape: readonly number[]): Float32Array {
  if (transform === 'identity') return src.slice();
  // toTfLayout is a permutation; invert it by pushing each index through it once.
  const index = new Float32Array(src.length).map((_, i) => i);
  const moved = toTfLayout(transform, index, tfShape);
  const dst = new Float32Array(src.length);
  moved.forEach((from, to) => {
    dst[from] = src[to]!;
  });
  return dst;
}
