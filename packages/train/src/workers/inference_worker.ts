// SPDX-License-Identifier: MIT
// Worker-thread side of the inference pool: its own tfjs (wasm or cpu, with natzoo's kernels) and its own copy of
// the model; answers each job with the logits (buffer transferred, not copied), or the error.
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { setBestBackend } from '@natzoo/core';
import { checkInputSize, predictAtAnySize } from '@natzoo/models/advanced';
import { loadModelDir } from '../convert/model_dir.js';
import type { InferenceReply, InferenceRequest, InferenceWorkerData } from './inference_messages.js';

const port = parentPort;
if (port === null) throw new Error('inference_worker.js must run in a worker thread');
const { modelDir, backend, inputSize: size } = workerData as InferenceWorkerData;
const post = (reply: InferenceReply, transfer: ArrayBuffer[] = []) => port.postMessage(reply, transfer);
const failure = (error: unknown) => ({ name: error instanceof Error ? error.name : 'Error', message: error instanceof Error ? error.message : String(error) });

try {
  await setBestBackend([backend]);
  const { model, preprocess } = await loadModelDir(modelDir);
  const [height, width] = size ?? [preprocess.inputSize[1], preprocess.inputSize[2]];
  // An explicit size is checked up front, so a model that cannot take it fails while loading, naming the size.
  if (size !== undefined) checkInputSize(model, height, width);
  const inputSize = height * width * 3;
  port.on('message', async ({ id, inputs, count }: InferenceRequest) => {
    try {
      const out = tf.tidy(() => predictAtAnySize(model, tf.tensor4d(inputs, [count, height, width, 3])) as tf.Tensor);
      const logits = (await out.data()) as Float32Array;
      out.dispose();
      post({ kind: 'logits', id, logits }, [logits.buffer as ArrayBuffer]);
    } catch (error) {
      post({ kind: 'error', id, ...failure(error) });
    }
  });
  post({ kind: 'ready', classes: model.outputs[0]!.shape[1]!, inputSize });
} catch (error) {
  post({ kind: 'error', ...failure(error) });
}
