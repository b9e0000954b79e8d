// SPDX-License-Identifier: MIT
// `natzoo predict`: the raw model output for already-preprocessed float32 tensors, .npy in and out.
import * as tf from '@tensorflow/tfjs';
import { loadModelDir, readNpy, writeNpy } from '@natzoo/train';

export interface PredictOptions {
  /** A converted model directory. */
  model: string;
  input: string;
  out: string;
  /** Layout of `input`: NCHW as PyTorch pipelines produce it, or NHWC as the model takes it. */
  layout: 'nchw' | 'nhwc';
  batchSize?: number;
}

/** Runs the model on the .npy at `input` and writes its output to `out` (atomically); returns the output shape. */
export async function predict(opts: PredictOptions): Promise<number[]> {
  const input = await readNpy(opts.input);
  if (!(input.data instanceof Float32Array) || input.shape.length !== 4) {
    throw new Error(`--input ${opts.input}: expected a float32 array of rank 4; got ${input.dtype} [${input.shape.join(', ')}]`);
  }
  const [n, a, b, c] = input.shape as [number, number, number, number];
  const nhwc = opts.layout === 'nchw' ? [n, b, c, a] : [n, a, b, c];
  const { model } = await loadModelDir(opts.model);
  try {
    const [, height, width, channels] = model.inputs[0]!.shape;
    if (nhwc[1] !== height || nhwc[2] !== width || nhwc[3] !== channels) {
      const want = opts.layout === 'nchw' ? `[N, ${channels}, ${height}, ${width}]` : `[N, ${height}, ${width}, ${channels}]`;
      throw new Error(`--input ${opts.input}: shape [${input.shape.join(', ')}] does not fit the model, which takes ${want} (--layout ${opts.layout})`);
    }
    const output = tf.tidy(() => {
      const x = tf.tensor4d(input.data as Float32Array, [n, a, b, c]);
      return model.predict(opts.layout === 'nchw' ? tf.transpose(x, [0, 2, 3, 1]) : x, { batchSize: opts.batchSize ?? 32 }) as tf.Tensor;
    });
    const values = (await output.data()) as Float32Array;
    const shape = output.shape;
    output.dispose();
    await writeNpy(opts.out, values, shape);
    return shape;
  } finally {
    model.dispose();
  }
}
