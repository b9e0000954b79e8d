// SPDX-License-Identifier: MIT
// @natzoo/core/node-webgpu: WebGPU in Node. Dawn (the optional `webgpu` package) must provide navigator.gpu
// before tfjs's webgpu backend is imported, because that backend registers itself only if navigator.gpu
// exists at import time; then the NA kernels are registered for it. One setup for the CLI, the benchmarks and
// the tests.

/** WebGPU cannot start in this Node process; `reason` says what is missing. */
export class WebGPUUnavailableError extends Error {
  override name = 'WebGPUUnavailableError';
}

interface GpuLike {
  requestAdapter(): Promise<{ info?: { vendor?: string; architecture?: string; description?: string } } | null>;
}

/** Imports an optional package; a variable specifier keeps bundlers from requiring it. */
async function optional<T>(specifier: string): Promise<T | Error> {
  try {
    return (await import(/* @vite-ignore */ specifier)) as T;
  } catch (error) {
    return error as Error;
  }
}

let started: Promise<string> | null = null;

async function start(): Promise<string> {
  const g = globalThis as { navigator?: { gpu?: GpuLike } };
  if (g.navigator?.gpu == null) {
    const dawn = await optional<{ create(flags: string[]): GpuLike; globals: object }>('webgpu');
    if (dawn instanceof Error) {
      throw new WebGPUUnavailableError(`no WebGPU in this Node process; install the optional 'webgpu' package (Dawn): ${dawn.message.split('\n')[0]}`);
    }
    Object.assign(globalThis, dawn.globals);
    // Node 21+ has a read-only navigator getter: define the property instead of assigning it.
    Object.defineProperty(globalThis, 'navigator', { value: { ...g.navigator, gpu: dawn.create([]) }, configurable: true, writable: true });
  }
  const adapter = await g.navigator!.gpu!.requestAdapter();
  if (adapter == null) {
    throw new WebGPUUnavailableError('navigator.gpu.requestAdapter() found no GPU adapter (Dawn needs a Vulkan, Metal or D3D12 driver; on Linux without a GPU, Mesa 25 lavapipe)');
  }
  const backend = await optional('@tensorflow/tfjs-backend-webgpu');
  if (backend instanceof Error) throw new WebGPUUnavailableError(`install the optional '@tensorflow/tfjs-backend-webgpu' package (4.x): ${backend.message.split('\n')[0]}`);
  await import('./webgpu.js');
  const info = adapter.info ?? {};
  return [info.vendor, info.architecture, info.description].filter((s) => s !== undefined && s !== '').join(' ') || 'unknown adapter';
}

/**
 * Makes tfjs's `webgpu` backend available in Node (once per process) and returns a description of the adapter;
 * throws a WebGPUUnavailableError that says what is missing. Call `tf.setBackend('webgpu')` afterwards.
 */
export function startNodeWebGPU(): Promise<string> {
  started ??= start().catch((error: unknown) => {
    started = null;
    throw error;
  });
  return started;
}
