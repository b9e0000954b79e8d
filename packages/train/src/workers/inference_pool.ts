// SPDX-License-Identifier: MIT
// Data-parallel inference: N worker threads, each with its own tfjs (one wasm core each) and its own copy of a
// model (a classifier, or a StyleNAT generator: generator_pool.ts). Jobs (a batch of items: preprocessed images,
// or latents) go to whichever worker is free; each job runs exactly as it would on one worker, so the outputs do
// not depend on how many workers there are. The first failure stops the pool: every worker is terminated and
// every pending job rejects with an InferenceWorkerError.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ArgumentError, WasmHeapError } from '@natzoo/core';
import type { InferenceReply, InferenceRequest, InferenceWorkerData, WorkerTask } from './inference_messages.js';
import { workerScript } from './worker_script.js';

/** A worker failed on `input` (an image, a range of a batch, or the model directory while loading). */
export class InferenceWorkerError extends Error {
  override name = 'InferenceWorkerError';

  constructor(
    readonly input: string,
    problem: string,
    options?: ErrorOptions,
  ) {
    super(`${input}: ${problem}`, options);
  }
}

export type InferenceBackend = InferenceWorkerData['backend'];

/** How many workers and on what: the options every pool takes. */
export interface WorkerPoolOptions {
  /** Worker threads (default 1), at most four per core. */
  workers?: number;
  /** The backend each worker runs (default 'wasm'); tfjs-node's native addon does not load in worker threads. */
  backend?: InferenceBackend;
}

export interface InferencePoolOptions extends WorkerPoolOptions {
  /** `[height, width]` to run at instead of the model's preprocess.json size, if the model accepts it. */
  inputSize?: [number, number] | undefined;
}

export interface InferencePool {
  readonly workers: number;
  readonly backend: InferenceBackend;
  /** Floats per item in: an image's height * width * 3 for a classifier. */
  readonly inputSize: number;
  /** Floats per item out: a classifier's logits (its class count). */
  readonly outputSize: number;
  /** The outputs `[count, outputSize]` of `count` items, run as one batch on the next free worker; `input` names them in errors. */
  predict(inputs: Float32Array, count: number, input: string): Promise<Float32Array>;
  /** Terminates the workers; pending jobs reject. */
  close(): Promise<void>;
}

interface Job {
  request: InferenceRequest;
  input: string;
  resolve(output: Float32Array): void;
  reject(error: Error): void;
}

/** The largest worker count accepted: more threads than four per core only adds memory and switching. */
export const maxInferenceWorkers = (): number => 4 * availableParallelism();

/** Checks `workers` as the pool takes it: a positive integer up to four per core. */
export function checkWorkerCount(workers: number): number {
  const max = maxInferenceWorkers();
  if (!(Number.isSafeInteger(workers) && workers > 0 && workers <= max)) {
    throw new ArgumentError('workers', String(workers), `expected a whole number from 1 to ${max} (four per core)`);
  }
  return workers;
}

/** Starts the workers of a classifier, each loading the model in `modelDir`; resolves once all are ready. */
export function startInferencePool(modelDir: string, options: InferencePoolOptions = {}): Promise<InferencePool> {
  return startWorkerPool({ kind: 'classifier', modelDir, inputSize: options.inputSize }, options);
}

/** Starts the workers, each loading the model of `task`; resolves once all are ready. */
export async function startWorkerPool(task: WorkerTask, options: WorkerPoolOptions = {}): Promise<InferencePool> {
  const { modelDir } = task;
  const size = checkWorkerCount(options.workers ?? 1);
  const backend = options.backend ?? 'wasm';
  if (backend !== 'wasm' && backend !== 'cpu') throw new ArgumentError('backend', backend, "expected 'wasm' or 'cpu' (each worker runs its own tfjs)");
  const script = workerScript('./inference_worker.js', import.meta.url, 'inference workers');
  const workers = Array.from({ length: size }, () => new Worker(script, { workerData: { task, backend } satisfies InferenceWorkerData }));
  const queue: Job[] = [];
  const running = new Map<Worker, Job>();
  const idle: Worker[] = [];
  let failed: Error | null = null;
  let closed = false;
  let nextId = 0;

  const stop = async () => {
    closed = true;
    await Promise.all(workers.map((w) => w.terminate()));
  };
  const fail = (error: Error) => {
    if (failed !== null || closed) return;
    failed = error;
    for (const job of [...running.values(), ...queue]) job.reject(error);
    running.clear();
    queue.length = 0;
    void stop();
  };
  const dispatch = () => {
    while (idle.length > 0 && queue.length > 0) {
      const worker = idle.pop()!;
      const job = queue.shift()!;
      running.set(worker, job);
      worker.postMessage(job.request, [job.request.inputs.buffer as ArrayBuffer]);
    }
  };

  const ready = workers.map(
    (worker, index) =>
      new Promise<{ inputSize: number; outputSize: number }>((resolve, reject) => {
        worker.on('message', (reply: InferenceReply) => {
          if (reply.kind === 'ready') {
            idle.push(worker);
            resolve({ inputSize: reply.inputSize, outputSize: reply.outputSize });
            dispatch();
            return;
          }
          const job = running.get(worker);
          running.delete(worker);
          if (reply.kind === 'output') {
            job?.resolve(reply.output);
            idle.push(worker);
            dispatch();
            return;
          }
          const input = reply.id === undefined ? modelDir : (job?.input ?? `job ${reply.id}`);
          const { heap } = reply;
          // A job too large for a worker's wasm heap is the caller's job size to change, wherever it ran.
          const error = heap === undefined
            ? new InferenceWorkerError(input, `${reply.name}: ${reply.message} (worker ${index + 1} of ${size})`)
            : new WasmHeapError(`worker ${index + 1} of ${size}: ${heap.detail}`, heap.aborted, job && { what: `the inference job of ${input}`, batch: job.request.count, remedies: [{ argument: 'jobSize', how: 'a smaller {}' }] });
          reject(error);
          fail(error);
        });
        worker.on('error', (cause) => {
          const error = new InferenceWorkerError(running.get(worker)?.input ?? modelDir, `worker ${index + 1} of ${size} crashed: ${cause.message}`, { cause });
          reject(error);
          fail(error);
        });
        worker.on('exit', (code) => {
          if (closed) return;
          const error = new InferenceWorkerError(running.get(worker)?.input ?? modelDir, `worker ${index + 1} of ${size} exited with code ${code}`);
          reject(error);
          fail(error);
        });
      }),
  );
  let shapes: { inputSize: number; outputSize: number };
  try {
    shapes = (await Promise.all(ready))[0]!;
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    workers: size,
    backend,
    ...shapes,
    predict(inputs, count, input) {
      if (failed !== null) return Promise.reject(failed);
      if (closed) return Promise.reject(new InferenceWorkerError(input, 'the inference pool is closed'));
      if (inputs.length !== count * shapes.inputSize) {
        return Promise.reject(new ArgumentError('inputs', `${inputs.length} floats`, `expected ${count} items of ${shapes.inputSize} floats`));
      }
      // A copy travels to the worker (transferred), so the caller's array stays usable.
      const request: InferenceRequest = { id: nextId++, inputs: inputs.slice(), count };
      return new Promise((resolve, reject) => {
        queue.push({ request, input, resolve, reject });
        dispatch();
      });
    },
    async close() {
      if (closed) return;
      const error = new InferenceWorkerError('inference pool', 'closed with the job still pending');
      for (const job of [...running.values(), ...queue]) job.reject(error);
      await stop();
    },
  };
}

/**
 * The outputs `[count, outputSize]` of `count` items (a classifier's logits of NHWC images), in jobs of `jobSize`
 * items spread over the pool's workers, in input order; `input` names the batch in errors (with the failing
 * job's item range). `onProgress` hears the items done after each job.
 */
export async function predictInJobs(
  pool: InferencePool,
  inputs: Float32Array,
  count: number,
  jobSize: number,
  input: string,
  onProgress?: (done: number, total: number) => void,
): Promise<Float32Array> {
  if (!(Number.isSafeInteger(jobSize) && jobSize > 0)) throw new ArgumentError('jobSize', jobSize, 'expected a positive integer');
  const outputs = new Float32Array(count * pool.outputSize);
  const jobs: Promise<void>[] = [];
  let done = 0;
  for (let from = 0; from < count; from += jobSize) {
    const to = Math.min(from + jobSize, count);
    const job = pool.predict(inputs.subarray(from * pool.inputSize, to * pool.inputSize), to - from, `${input} images ${from}..${to - 1}`);
    jobs.push(
      job.then((out) => {
        outputs.set(out, from * pool.outputSize);
        done += to - from;
        onProgress?.(done, count);
      }),
    );
  }
  await Promise.all(jobs);
  return outputs;
}
