// SPDX-License-Identifier: MIT
// --backend for the CLI: the best Node backend by default (tfjs-node when installed, else wasm), or the one
// asked for, with an error that says what is missing when it cannot start.
import * as tf from '@tensorflow/tfjs';
import { setBestBackend } from '@natzoo/core';
import { startNodeWebGPU } from '@natzoo/core/node-webgpu';
import type { InferenceBackend } from '@natzoo/train';

export const BACKENDS = ['cpu', 'wasm', 'webgpu', 'tensorflow'] as const;
export type BackendChoice = (typeof BACKENDS)[number];

/** WebGPU through Dawn, worded for the --backend flag. */
async function startWebGPU(): Promise<void> {
  try {
    await startNodeWebGPU();
  } catch (error) {
    throw new Error(`--backend webgpu: ${(error as Error).message}`, { cause: error });
  }
  if (!(await tf.setBackend('webgpu'))) throw new Error('--backend webgpu: the tfjs webgpu backend failed to initialise');
}

/** Activates `name` (or the best available backend) and returns the backend's name. */
export async function useBackend(name?: string): Promise<string> {
  if (name === undefined) return setBestBackend();
  if (!(BACKENDS as readonly string[]).includes(name)) throw new Error(`--backend ${name}: expected one of ${BACKENDS.join(', ')}`);
  if (name === 'webgpu') {
    await startWebGPU();
    return 'webgpu';
  }
  try {
    return await setBestBackend([name as 'cpu' | 'wasm' | 'tensorflow']);
  } catch (error) {
    if (name === 'tensorflow') {
      throw new Error(
        '--backend tensorflow: neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node is installed ' +
          '(optional: their install downloads libtensorflow); use --backend wasm, or leave --backend out',
        { cause: error },
      );
    }
    throw new Error(`--backend ${name}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * The backend of `workers` worker threads (undefined for one: this thread runs the model): each worker runs
 * its own tfjs, on wasm (the default) or cpu; tfjs-node's addon and WebGPU do not start in worker threads.
 */
export function workerBackend(name: string | undefined, workers: number): InferenceBackend | undefined {
  if (workers === 1) return undefined;
  if (name === undefined || name === 'wasm' || name === 'cpu') return name ?? 'wasm';
  throw new Error(`--backend ${name}: with --workers ${workers} each worker runs its own tfjs on wasm or cpu`);
}
