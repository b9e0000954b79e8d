// SPDX-License-Identifier: MIT
// Picks the fastest backend present in Node: tfjs-node-gpu / tfjs-node (optional peers, CUDA or CPU through
// libtensorflow), then wasm, then cpu. Nothing fails when the optional peers are not installed.
import * as tf from '@tensorflow/tfjs-core';
import { guardWasmHeap } from './tfjs_internals.js';

export type NodeBackendName = 'tensorflow' | 'wasm' | 'cpu';

async function tryImport(specifier: string): Promise<boolean> {
  try {
    // A variable specifier keeps bundlers from resolving optional packages at build time.
    await import(/* @vite-ignore */ specifier);
    return true;
  } catch {
    return false;
  }
}

const loaders: Record<NodeBackendName, () => Promise<boolean>> = {
  tensorflow: async () => (await tryImport('@tensorflow/tfjs-node-gpu')) || (await tryImport('@tensorflow/tfjs-node')),
  wasm: () => tryImport('@tensorflow/tfjs-backend-wasm'),
  cpu: () => tryImport('@tensorflow/tfjs-backend-cpu'),
};

/**
 * Activates the first backend of `order` that loads and initialises; returns its name.
 * @param order backends to try, best first (default `['tensorflow', 'wasm', 'cpu']`)
 */
export async function setBestBackend(order: readonly NodeBackendName[] = ['tensorflow', 'wasm', 'cpu']): Promise<NodeBackendName> {
  const tried: string[] = [];
  for (const name of order) {
    if (!(name in loaders)) throw new Error(`setBestBackend: unknown backend '${String(name)}'; expected one of ${Object.keys(loaders).join(', ')}`);
    if ((await loaders[name]()) && (await tf.setBackend(name))) {
      guardWasmHeap();
      return name;
    }
    tried.push(name);
  }
  throw new Error(`setBestBackend: none of the backends [${tried.join(', ')}] could be initialised`);
}
