// SPDX-License-Identifier: MIT
// --backend for the CLI: the best Node backend by default (tfjs-node when installed, else wasm), or the one
// asked for, with an error that says what is missing when it cannot start.
import * as tf from '@tensorflow/tfjs';
import { setBestBackend } from '@natzoo/core';

export const BACKENDS = ['cpu', 'wasm', 'webgpu', 'tensorflow'] as const;
export type BackendChoice = (typeof BACKENDS)[number];

/** Imports an optional package; a variable specifier keeps bundlers and tsc from requiring it. */
async function optional<T>(specifier: string): Promise<T | null> {
  try {
    return (await import(/* @vite-ignore */ specifier)) as T;
  } catch {
    return null;
  }
}

interface GpuLike {
  requestAdapter(): Promise<unknown>;
}

/** WebGPU in Node comes from Dawn (the `webgpu` package); tfjs's backend registers only if navigator.gpu exists. */
async function startWebGPU(): Promise<void> {
  const g = globalThis as { navigator?: { gpu?: GpuLike } };
  if (g.navigator?.gpu == null) {
    const dawn = await optional<{ create(flags: string[]): GpuLike; globals: object }>('webgpu');
    if (dawn === null) {
      throw new Error("--backend webgpu: no WebGPU in this Node process; install the optional 'webgpu' package (Dawn) next to @natzoo/train");
    }
    Object.assign(globalThis, dawn.globals);
    // Node 21+ has a read-only navigator getter: define the property instead of assigning it.
    Object.defineProperty(globalThis, 'navigator', { value: { ...g.navigator, gpu: dawn.create([]) }, configurable: true, writable: true });
  }
  if ((await g.navigator!.gpu!.requestAdapter()) == null) {
    throw new Error('--backend webgpu: navigator.gpu.requestAdapter() found no GPU adapter (Dawn needs a Vulkan, Metal or D3D12 driver)');
  }
  if ((await optional('@tensorflow/tfjs-backend-webgpu')) === null) {
    throw new Error("--backend webgpu: install the optional '@tensorflow/tfjs-backend-webgpu' package (4.22.0)");
  }
  await import('@natzoo/core/webgpu');
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
