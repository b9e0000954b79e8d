// SPDX-License-Identifier: MIT
// What the inference pool and its worker threads say to each other.

/** Given to each worker when it starts. */
export interface InferenceWorkerData {
  modelDir: string;
  backend: 'wasm' | 'cpu';
  /** `[height, width]` to run at instead of the model's preprocess.json size (checked against the model). */
  inputSize?: [number, number] | undefined;
}

/** One job: `count` NHWC images back to back. */
export interface InferenceRequest {
  id: number;
  inputs: Float32Array;
  count: number;
}

export type InferenceReply =
  | { kind: 'ready'; classes: number; inputSize: number }
  | { kind: 'logits'; id: number; logits: Float32Array }
  /** `id` undefined: the worker failed while loading. */
  | { kind: 'error'; id?: number; name: string; message: string };
