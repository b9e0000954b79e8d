// SPDX-License-Identifier: MIT
// Conv2DBackpropFilter (the weight gradient of conv2d) for the cpu and wasm backends, computed as one forward
// convolution: dW[kh, kw, ci, co] = sum over b, h, w of xPad[b, h*s + kh, w*s + kw, ci] * dy[b, h, w, co], which is
// conv2d(xPad as [ci, H, W, b], dy as a [Ho, Wo, b, co] filter, dilation s). tfjs-wasm 4.22 has no kernel for
// it (so conv models could not train on wasm) and tfjs-cpu's is a plain seven-deep loop, about 50x slower than
// its own forward conv; this version runs on their fast forward paths (XNNPACK on wasm).
import { backend_util, conv2d, pad as padTensor, slice, tidy, transpose } from '@tensorflow/tfjs-core';
import type { Conv2DBackpropFilterAttrs, KernelBackend, Tensor4D, TensorInfo } from '@tensorflow/tfjs-core';
import { defineKernel } from '../kernels/define_kernel.js';
import { borrowTensor } from '../tfjs_internals.js';
import type { KernelPatch } from './kernel_patch.js';

/** dW for NHWC input `x`, output gradient `dy` and the forward conv's geometry. */
export function conv2dFilterGradient(x: Tensor4D, dy: Tensor4D, filterShape: [number, number, number, number], strides: number | [number, number], pad: Conv2DBackpropFilterAttrs['pad'], dimRoundingMode?: 'floor' | 'round' | 'ceil'): Tensor4D {
  const info = backend_util.computeConv2DInfo(x.shape, filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const [kh, kw, ci, co] = filterShape;
  const { top, bottom, left, right } = info.padInfo;
  return tidy(() => {
    // Padding that the forward conv never reads (a floor-rounded output) is trimmed by the final slice.
    const xp = padTensor(x, [[0, 0], [Math.max(top, 0), Math.max(bottom, 0)], [Math.max(left, 0), Math.max(right, 0)], [0, 0]]);
    const images = transpose(xp, [3, 1, 2, 0]);
    const kernel = transpose(dy, [1, 2, 0, 3]);
    const full = conv2d(images, kernel, 1, 'valid', 'NHWC', [info.strideHeight, info.strideWidth]);
    return transpose(slice(full, [0, 0, 0, 0], [ci, kh, kw, co]), [1, 2, 0, 3]);
  });
}

function filterGradientKernel({ inputs, backend, attrs }: { inputs: { x: TensorInfo; dy: TensorInfo }; attrs: Conv2DBackpropFilterAttrs; backend: KernelBackend }): TensorInfo {
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  if (dataFormat !== 'NHWC') throw new Error(`Conv2DBackpropFilter: only NHWC is supported here; got ${dataFormat}`);
  const xt = borrowTensor(inputs.x, backend) as Tensor4D;
  const dyt = borrowTensor(inputs.dy, backend) as Tensor4D;
  try {
    const result = conv2dFilterGradient(xt, dyt, filterShape, strides, pad, dimRoundingMode);
    const values = result.dataSync() as Float32Array;
    result.dispose();
    return { dataId: backend.write(values, filterShape, 'float32'), shape: filterShape, dtype: 'float32' };
  } finally {
    xt.dispose();
    dyt.dispose();
  }
}

/** Our kernel for cpu and wasm, in place of tfjs-cpu's slow one (wasm has none). */
export const conv2DFilterGradientPatches: readonly KernelPatch[] = ['cpu', 'wasm'].map((backendName) => ({
  kernelName: 'Conv2DBackpropFilter',
  backendName,
  patch: () => defineKernel('Conv2DBackpropFilter', backendName, filterGradientKernel),
}));
