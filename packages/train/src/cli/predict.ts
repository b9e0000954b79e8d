// SPDX-License-Identifier: MIT
// `natzoo predict`: the raw model output for already-preprocessed float32 tensors, .npy in and out.
import * as tf from '@tensorflow/tfjs';
import { loadModelDir } from '../convert/model_dir.js';
import { readNpy, writeNpy } from '../io/npy.js';

export interface PredictOptions {
  model: string;
  input: string;
  out: string;
  /** Layout of `input`: NCHW as PyTorch pipelines produce it, or NHWC as the model takes it. */
  layout: 'nchw' | 'nhwc';
}

export async function predict(opts: PredictOptions): Promise<number[]> {
  const { model } = await loadModelDir(opts.model);
  const input = await readNpy(opts.input);
  if (!(input.data instanceof Float32Array) || input.shape.length !== 4) {
    throw new Error(`--input ${opts.input}: expected a float32 array of rank 4; got ${input.dtype} [${input.shape.join(', ')}]`);
  }
  const output = tf.tidy(() => {
    const x = tf.tensor4d(input.data as Float32Array, input.shape as [number, number, number, number]);
    return model.predict(opts.layout === 'nchw' ? tf.transpose(x, [0, 2, 3, 1]) : x) as tf.Tensor;
  });
  const values = (await output.data()) as Float32Array;
  const shape = output.shape;
  output.dispose();
  await writeNpy(opts.out, values, shape);
  return shape;
}
