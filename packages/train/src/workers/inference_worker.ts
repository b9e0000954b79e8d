// SPDX-License-Identifier: MIT
// Worker-thread side of the inference pool: its own tfjs (wasm or cpu, with natzoo's kernels) and its own copy of
// the task's model; answers each job with the outputs (buffer transferred, not copied), or the error.
import { parentPort, workerData } from 'node:worker_threads';
import { setBestBackend, WasmHeapError } from '@natzoo/core';
import { wasmHeapFailure } from '@natzoo/core/internals';
import type { InferenceReply, InferenceRequest, InferenceWorkerData } from './inference_messages.js';
import { loadWorkerModel } from './worker_model.js';

const port = parentPort;
if (port === null) throw new Error('inference_worker.js must run in a worker thread');
const { task, backend } = workerData as InferenceWorkerData;
const post = (reply: InferenceReply, transfer: ArrayBuffer[] = []) => port.postMessage(reply, transfer);
const failure = (error: unknown) => ({
  name: error instanceof Error ? error.name : 'Error', message: error instanceof Error ? error.message : String(error),
  ...(error instanceof WasmHeapError ? { heap: { detail: error.detail, aborted: error.aborted } } : {}),
});

try {
  await setBestBackend([backend]);
  const model = await loadWorkerModel(task);
  port.on('message', async ({ id, inputs, count }: InferenceRequest) => {
    try {
      const out = model.run(inputs, count);
      const output = (await out.data()) as Float32Array;
      out.dispose();
      post({ kind: 'output', id, output }, [output.buffer as ArrayBuffer]);
    } catch (error) {
      post({ kind: 'error', id, ...failure(wasmHeapFailure(error) ?? error) });
    }
  });
  post({ kind: 'ready', inputSize: model.inputSize, outputSize: model.outputSize });
} catch (error) {
  post({ kind: 'error', ...failure(error) });
}
