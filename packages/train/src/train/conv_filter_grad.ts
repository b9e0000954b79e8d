// SPDX-License-Identifier: MIT
// Conv2DBackpropFilter (the weight gradient of conv2d) for the cpu and wasm backends, computed as one forward
// convolution: dW[kh, kw, ci, co] = sum over b, h, w of xPad[b, h*s + kh, w*s + kw, ci] * dy[b, h, w, co], which is
// conv2d(xPad as [ci, H, W, b], dy as a [Ho, Wo, b, co] filter, dilation s). tfjs-wasm 4.22 has no kernel for
// it (so conv models could not train on wasm) and tfjs-cpu's is a plain seven-deep loop, about 50x slower than
// its own forward conv; this version runs on their fast forward paths (XNNPACK on wasm).
import * as tf from '@tensorflow/tfjs';
import type { Conv2DBackpropFilterAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { borrowTensor } from './kernel_tensors.js';

/** dW for NHWC input `x`, output gradient `dy` and the forward conv's geometry. */
export function conv2dFilterGradient(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: [number, number, number, number], strides: number | [number, number], pad: Conv2DBackpropFilterAttrs['pad'], dimRoundingMode?: 'floor' | 'round' | 'ceil'): tf.Tensor4D {
  const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const [kh, kw, ci, co] = filterShape;
  const { top, bottom, left, right } = info.padInfo;
  return tf.tidy(() => {
    // Padding that the forward conv never reads (a floor-rounded output) is trimmed by the final slice.
    const xp = tf.pad(x, [[0, 0], [Math.max(top, 0), Math.max(bottom, 0)], [Math.max(left, 0), Math.max(right, 0)], [0, 0]]);
    const images = tf.transpose(xp, [3, 1, 2, 0]);
    const kernel = tf.transpose(dy, [1, 2, 0, 3]);
    const full = tf.conv2d(images, kernel, 1, 'valid', 'NHWC', [info.strideHeight, info.strideWidth]);
    return tf.transpose(tf.slice(full, [0, 0, 0, 0], [ci, kh, kw, co]), [1, 2, 0, 3]);
  });
}

const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
  if (dataFormat !== 'NHWC') throw new Error(`Conv2DBackpropFilter: only NHWC is supported here; got ${dataFormat}`);
  const xt = borrowTensor(x, backend as tf.KernelBackend) as tf.Tensor4D;
  const dyt = borrowTensor(dy, backend as tf.KernelBackend) as tf.Tensor4D;
  try {
    const result = conv2dFilterGradient(xt, dyt, filterShape, strides, pad, dimRoundingMode);
    const values = result.dataSync() as Float32Array;
    result.dispose();
    return { dataId: (backend as tf.KernelBackend).write(values, filterShape, 'float32'), shape: filterShape, dtype: 'float32' };
  } finally {
    xt.dispose();
    dyt.dispose();
  }
};

let registered = false;

/** Registers the kernel for cpu and wasm (replacing tfjs-cpu's slow one); idempotent. */
export function registerConv2DFilterGradient(): void {
  if (registered) return;
  registered = true;
  for (const backendName of ['cpu', 'wasm']) {
    const existing = tf.getKernel('Conv2DBackpropFilter', backendName);
    if (existing !== undefined) tf.unregisterKernel('Conv2DBackpropFilter', backendName);
    tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName, kernelFunc } satisfies KernelConfig);
  }
}
