// SPDX-License-Identifier: MIT
// The tfjs backends the page can use, best first: WebGPU (with the NA WGSL kernels), WebGL, WASM, CPU. By
// default a GPU backend that would run on a software adapter (WebGPU's fallback adapter, SwiftShader, llvmpipe)
// is passed over for wasm, which is faster on the CPU; the selector still offers it.
// The wasm backend's binaries are emitted by Vite as assets; setWasmPaths maps each file name to its URL.
// On a cross-origin-isolated page tfjs runs its threaded build (see wasm_threads.ts).
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-webgpu';
import '@natzoo/core/webgpu';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.wasm?url';
import wasmThreadedFactory from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js?url';
import { loadThreadedWasmFactoryFrom } from '@natzoo/core/internals';

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd,
});
// The threaded build's workers (on a cross-origin-isolated page) import its factory unminified, as a file.
loadThreadedWasmFactoryFrom(wasmThreadedFactory);

export const BACKEND_ORDER = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_ORDER)[number];

export function isBackendName(name: string): name is BackendName {
  return (BACKEND_ORDER as readonly string[]).includes(name);
}

/** Why `name` cannot start here, when the browser says so up front; null when it may work. */
async function missingReason(name: BackendName): Promise<string | null> {
  if (name === 'webgpu') {
    const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
    if (gpu === undefined) return 'this browser has no navigator.gpu (WebGPU is off or unsupported)';
    if ((await gpu.requestAdapter()) == null) return 'navigator.gpu.requestAdapter() found no adapter';
  }
  if (name === 'webgl' && document.createElement('canvas').getContext('webgl2') === null) return 'no WebGL2 context';
  if (tf.findBackendFactory(name) === null) return 'the tfjs backend is not registered';
  return null;
}

const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|software/i;

interface AdapterLike {
  isFallbackAdapter?: boolean;
  info?: { isFallbackAdapter?: boolean; vendor?: string; architecture?: string; description?: string };
}

/** Why `name` would run on a software adapter, or null (a real GPU, or not a GPU backend). */
async function softwareReason(name: BackendName): Promise<string | null> {
  if (name === 'webgpu') {
    const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<AdapterLike | null> } }).gpu;
    const adapter = await gpu?.requestAdapter();
    const info = adapter?.info;
    if (adapter?.isFallbackAdapter === true || info?.isFallbackAdapter === true) return 'WebGPU offers only its fallback (software) adapter';
    const described = [info?.vendor, info?.architecture, info?.description].join(' ');
    if (SOFTWARE_RENDERER.test(described)) return `the WebGPU adapter is a software one (${described.trim()})`;
  }
  if (name === 'webgl') {
    const gl = document.createElement('canvas').getContext('webgl2');
    const debug = gl?.getExtension('WEBGL_debug_renderer_info');
    const renderer = debug ? String(gl!.getParameter(debug.UNMASKED_RENDERER_WEBGL)) : '';
    if (SOFTWARE_RENDERER.test(renderer)) return `WebGL renders in software (${renderer})`;
  }
  return null;
}

/** Switches tfjs to `name`; throws an error that says why when it cannot start. */
export async function activateBackend(name: BackendName): Promise<void> {
  const reason = await missingReason(name);
  if (reason !== null) throw new Error(`backend '${name}' is unavailable: ${reason}`);
  if (!(await tf.setBackend(name))) throw new Error(`backend '${name}' failed to initialise (see the console)`);
  await tf.ready();
}

/**
 * Starts `preferred` (then the others, best first) and returns the first that works and why earlier ones failed.
 * Without a preference, GPU backends on a software adapter are skipped (and say so).
 */
export async function activateBest(preferred?: BackendName): Promise<{ name: BackendName; failures: string[] }> {
  const failures: string[] = [];
  const order = preferred === undefined ? BACKEND_ORDER : [preferred, ...BACKEND_ORDER.filter((b) => b !== preferred)];
  for (const name of order) {
    try {
      const software = preferred === undefined ? await softwareReason(name) : null;
      if (software !== null) {
        failures.push(`backend '${name}' skipped: ${software}; wasm is faster here (pick ${name} in the selector to use it anyway)`);
        continue;
      }
      await activateBackend(name);
      return { name, failures };
    } catch (error) {
      failures.push((error as Error).message);
    }
  }
  throw new Error(`no tfjs backend could start: ${failures.join('; ')}`);
}

/** The backends this browser offers (registered, and not known to be missing). */
export async function offeredBackends(): Promise<BackendName[]> {
  const offered: BackendName[] = [];
  for (const name of BACKEND_ORDER) if ((await missingReason(name)) === null) offered.push(name);
  return offered;
}
