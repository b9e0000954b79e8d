// SPDX-License-Identifier: MIT
// What the inference pool and its worker threads say to each other.

/** A classifier: each item an NHWC image, its output the logits. */
export interface ClassifierTask {
  kind: 'classifier';
  modelDir: string;
  /** `[height, width]` to run at instead of the model's preprocess.json size (checked against the model). */
  inputSize?: [number, number] | undefined;
}

/** A StyleNAT generator (g_ema): each item a z (then its mixing z when `mixing`), its output the raw NHWC image. */
export interface GeneratorTask {
  kind: 'stylenat';
  modelDir: string;
  /** psi of the truncation trick (1: none). */
  truncation: number;
  /** z samples each worker averages for the truncation centre (the same seeds everywhere, so the same mean). */
  truncationSamples: number;
  mixing: boolean;
  crossover?: number | undefined;
}

export type WorkerTask = ClassifierTask | GeneratorTask;

/** Given to each worker when it starts. */
export interface InferenceWorkerData {
  task: WorkerTask;
  backend: 'wasm' | 'cpu';
}

/** One job: `count` items back to back. */
export interface InferenceRequest {
  id: number;
  inputs: Float32Array;
  count: number;
}

export type InferenceReply =
  /** Floats per item in and out. */
  | { kind: 'ready'; inputSize: number; outputSize: number }
  | { kind: 'output'; id: number; output: Float32Array }
  /** `id` undefined: the worker failed while loading; `heap`: the wasm heap ran out (a WasmHeapError's fields). */
  | { kind: 'error'; id?: number; name: string; message: string; heap?: { detail: string; aborted: boolean } };
