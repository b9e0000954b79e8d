// SPDX-License-Identifier: MIT
// Separable image resampling of RGB bytes with the kernels sharp offers (nearest, linear, Catmull-Rom cubic,
// lanczos3), following what libvips' vips_resize does per axis, so the page and the CLI (sharp) agree:
// - shrinking: sample centres aligned (x_in = (x_out + 0.5) * scale - 0.5) and the kernel stretched by the
//   scale so every input pixel contributes (vips_reduce);
// - enlarging: x_in = x_out * scale - 0.5 with the kernel as an interpolator, lanczos3 as bicubic (vips_affine
//   with its input displacement, as vips_resize sets it up).
// Results are rounded to bytes, as sharp hands bytes to the normalisation. Measured against sharp in
// tests/web_resample.test.ts.
export type ResampleKernel = 'nearest' | 'linear' | 'cubic' | 'lanczos3';

const SUPPORT: Record<ResampleKernel, number> = { nearest: 0.5, linear: 1, cubic: 2, lanczos3: 3 };

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

function weight(kernel: ResampleKernel, x: number): number {
  const a = Math.abs(x);
  switch (kernel) {
    case 'nearest':
      // Half-open (-0.5, 0.5]: a tie goes to the lower pixel, floor(x_in + 0.5).
      return x > -0.5 && x <= 0.5 ? 1 : 0;
    case 'linear':
      return a < 1 ? 1 - a : 0;
    case 'cubic':
      // Catmull-Rom (B = 0, C = 0.5), libvips' bicubic.
      return a < 1 ? 1.5 * a ** 3 - 2.5 * a ** 2 + 1 : a < 2 ? -0.5 * a ** 3 + 2.5 * a ** 2 - 4 * a + 2 : 0;
    case 'lanczos3':
      return a < 3 ? sinc(a) * sinc(a / 3) : 0;
  }
}

/** For each output index: the first input index and the normalised weights of the taps. */
function taps(inSize: number, outSize: number, kernel: ResampleKernel): { first: Int32Array; weights: Float64Array[] } {
  const scale = inSize / outSize;
  const enlarge = outSize > inSize;
  const shape = enlarge && kernel === 'lanczos3' ? 'cubic' : kernel;
  // Nearest is never stretched: it picks one pixel, even when shrinking.
  const stretch = shape === 'nearest' ? 1 : Math.max(1, scale);
  const support = SUPPORT[shape] * stretch;
  const first = new Int32Array(outSize);
  const weights: Float64Array[] = [];
  for (let o = 0; o < outSize; o++) {
    const centre = enlarge ? o * scale - 0.5 : (o + 0.5) * scale - 0.5;
    const lo = Math.ceil(centre - support);
    const hi = Math.floor(centre + support);
    const w = new Float64Array(hi - lo + 1);
    let sum = 0;
    for (let i = lo; i <= hi; i++) sum += w[i - lo] = weight(shape, (i - centre) / stretch);
    for (let j = 0; j < w.length; j++) w[j]! /= sum;
    first[o] = lo;
    weights.push(w);
  }
  return { first, weights };
}

const clampIndex = (i: number, size: number) => (i < 0 ? 0 : i >= size ? size - 1 : i);

/** Resamples `image` to `width x height`; edges replicate the border pixels. */
export function resampleRGB(
  image: { width: number; height: number; data: Uint8Array },
  width: number,
  height: number,
  kernel: ResampleKernel,
): { width: number; height: number; data: Uint8Array } {
  if (!(Number.isSafeInteger(width) && width > 0 && Number.isSafeInteger(height) && height > 0)) {
    throw new Error(`resampleRGB: target size must be positive integers; got ${width}x${height}`);
  }
  const h = taps(image.width, width, kernel);
  const v = taps(image.height, height, kernel);
  // Horizontal pass in floats, then vertical, then one rounding to bytes.
  const rows = new Float64Array(image.height * width * 3);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < width; x++) {
      const w = h.weights[x]!;
      for (let c = 0; c < 3; c++) {
        let acc = 0;
        for (let j = 0; j < w.length; j++) acc += w[j]! * image.data[(y * image.width + clampIndex(h.first[x]! + j, image.width)) * 3 + c]!;
        rows[(y * width + x) * 3 + c] = acc;
      }
    }
  }
  const out = new Uint8Array(height * width * 3);
  for (let y = 0; y < height; y++) {
    const w = v.weights[y]!;
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        let acc = 0;
        for (let j = 0; j < w.length; j++) acc += w[j]! * rows[(clampIndex(v.first[y]! + j, image.height) * width + x) * 3 + c]!;
        out[(y * width + x) * 3 + c] = Math.min(255, Math.max(0, Math.round(acc)));
      }
    }
  }
  return { width, height, data: out };
}
