// SPDX-License-Identifier: MIT
// Kernels written with tfjs ops need Tensors for their inputs. A Tensor made from an input's TensorInfo shares
// its backend data, and disposing it releases that data; taking a backend reference first makes the dispose
// give that reference back instead of freeing data the caller still holds (saved for the backward pass, say).
import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs';

/** A Tensor over a kernel input; dispose it when done (the input itself stays alive). */
export function borrowTensor(info: TensorInfo, backend: KernelBackend): tf.Tensor {
  backend.incRef(info.dataId);
  return tf.engine().makeTensorFromTensorInfo(info);
}
