// SPDX-License-Identifier: MIT
// Every use of TensorFlow.js internals in natzoo, in one place: engine state that tfjs does not expose (the
// gradient depth, the active tape), engine and backend methods outside the public API, and the Emscripten
// fields of the wasm module (its memory, heap and allocator). They were written against tfjs 4.x and tested
// on 4.22; each access first checks the running tfjs-core is a 4.x release and otherwise fails naming the
// version it found, rather than misbehaving on a release whose internals moved.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { engine, version_core } from '@tensorflow/tfjs-core';
import type { DataId, KernelBackend, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import { WASM_HEAP_MAX_BYTES, WasmHeapError } from './kernels/wasm/wasm_heap_error.js';

/** The tfjs-core major version these accesses were written for (tested on 4.22). */
const SUPPORTED_MAJOR = 4;

/** Thrown when the running tfjs-core is not a release whose internals natzoo knows. */
export class UnsupportedTfjsVersionError extends Error {
  constructor(readonly found: string) {
    super(`natzoo uses tfjs-core internals written for ${SUPPORTED_MAJOR}.x (tested on 4.22); found tfjs-core ${found}`);
    this.name = 'UnsupportedTfjsVersionError';
  }
}

/** Fails unless `version` is a supported tfjs-core version; exported for its test. */
export function checkTfjsVersion(version: string): void {
  if (Number.parseInt(version.split('.')[0] ?? '', 10) !== SUPPORTED_MAJOR) throw new UnsupportedTfjsVersionError(version);
}

let versionChecked = false;

function supported(): void {
  if (versionChecked) return;
  checkTfjsVersion(version_core);
  versionChecked = true;
}

/** The engine's private state, typed with the two fields natzoo reads. */
interface EngineState {
  gradientDepth: number;
  activeTape: unknown;
}

function engineState(): EngineState {
  supported();
  return (engine() as unknown as { state: EngineState }).state;
}

/** True inside tf.grad / variableGrads / optimizer.minimize, where kernels must keep what the backward pass needs. */
export function isRecordingGradients(): boolean {
  return engineState().gradientDepth > 0;
}

/**
 * The value of `f` and its gradients with respect to `xs` given the upstream gradient `dy` (undefined entries
 * for an x that `f` does not reach), computed from inside a gradient function, on a tape of its own. A nested
 * gradients call replaces the engine's tape and sets it to null when it ends, and the outer pass then disposes
 * its saved tensors through that same field, so the outer tape is put back.
 */
export function gradientsInBackwardPass(f: () => Tensor, xs: Tensor[], dy: Tensor): { value: Tensor; grads: (Tensor | undefined)[] } {
  const state = engineState();
  const outer = state.activeTape;
  try {
    return engine().gradients(f, xs, dy, true);
  } finally {
    state.activeTape = outer;
  }
}

/**
 * A Tensor over a kernel input; dispose it when done (the input itself stays alive). A Tensor made from a
 * TensorInfo shares its backend data and disposing it releases that data; taking a backend reference first
 * makes the dispose give that reference back instead of freeing data the caller still holds.
 */
export function borrowTensor(info: TensorInfo, backend: KernelBackend): Tensor {
  supported();
  backend.incRef(info.dataId);
  return engine().makeTensorFromTensorInfo(info);
}

/** The Emscripten module fields the tfjs wasm typings omit. */
interface EmscriptenModule {
  HEAPU8: Uint8Array;
  /** The exports: the memory (single-threaded builds only) and malloc itself (`_malloc` first forwards to it and
   *  then replaces itself with it). */
  asm?: { memory?: WebAssembly.Memory; malloc?: (bytes: number) => number };
  /** The threaded build creates its memory (shared) and exports it to JS here (`Module["wasmMemory"]`). */
  wasmMemory?: WebAssembly.Memory;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
}

function emscripten(backend: BackendWasm): EmscriptenModule {
  supported();
  const module = backend.wasm as unknown as EmscriptenModule;
  guardMalloc(module);
  return module;
}

/** The heap's size now: the threaded build's HEAPU8 lags behind memory another thread grew. */
const heapLength = (module: EmscriptenModule) => (module.asm?.memory ?? module.wasmMemory)?.buffer.byteLength ?? module.HEAPU8.length;
const sizeOf = (bytes: number) => (bytes < 2 ** 20 ? `${bytes}-byte` : `${(bytes / 2 ** 20).toFixed(1)} MiB`);
const guarded = new WeakSet<EmscriptenModule>();

/**
 * Makes the module's malloc, which tfjs calls for every tensor, throw a WasmHeapError where it would fail: tfjs
 * takes the 0 it returns as an address and writes the tensor there, and a size of 4 GiB or more wraps to a small
 * one. Nothing is allocated by a refused call, so the backend stays usable.
 */
function guardMalloc(module: EmscriptenModule): void {
  const malloc = module.asm?.malloc;
  if (guarded.has(module) || malloc === undefined) return;
  guarded.add(module);
  module._malloc = (bytes: number) => {
    const pointer = bytes > WASM_HEAP_MAX_BYTES ? 0 : malloc(bytes);
    // A request that takes the heap's end past 4 GiB wraps in 32-bit sbrk and comes back as a block lying
    // partly past the heap (seen with 3 GiB taken and 1.5 GiB asked): as much a failure as 0.
    const past = pointer !== 0 && (pointer >>> 0) + bytes > heapLength(module);
    if (past) module._free(pointer);
    if ((pointer === 0 || past) && bytes > 0) throw new WasmHeapError(`a ${sizeOf(bytes)} allocation failed with the heap at ${sizeOf(heapLength(module))}`, false);
    return pointer;
  };
}

/** Guards the allocations of the active backend when it is wasm (see guardMalloc); the other backends need none. */
export function guardWasmHeap(): void {
  if (engine().backendName === 'wasm') emscripten(engine().backend as BackendWasm);
}

/** How close to its limit the heap must have grown for an abort to be taken as a failed allocation. */
const FULL_HEAP_MARGIN = 256 * 2 ** 20;

/**
 * `error` as a WasmHeapError when it is the wasm backend running out of heap, else null: the guarded malloc's own
 * error, or tfjs-wasm's C++ aborting (Emscripten aborts there when an allocation fails; training nat_mini at batch
 * 16 does it in tfjs's tensor registry) with the heap grown to within 256 MiB of its limit. The heap never
 * shrinks, so its size when the error is caught is its size at the abort.
 */
export function wasmHeapFailure(error: unknown): WasmHeapError | null {
  if (error instanceof WasmHeapError) return error;
  if (!(error instanceof WebAssembly.RuntimeError && error.message.startsWith('Aborted(')) || engine().backendName !== 'wasm') return null;
  const heap = heapLength(emscripten(engine().backend as BackendWasm));
  if (heap < WASM_HEAP_MAX_BYTES - FULL_HEAP_MARGIN) return null;
  return new WasmHeapError(`tfjs-wasm aborted with the heap at ${sizeOf(heap)}`, true, undefined, { cause: error });
}

/** The wasm backend's memory, or undefined where the module exposes none. */
export function wasmMemory(backend: BackendWasm): WebAssembly.Memory | undefined {
  const module = emscripten(backend);
  return module.asm?.memory ?? module.wasmMemory;
}

/** The wasm heap as bytes; views over it detach when the heap grows, so take them after the last allocation. */
export function wasmHeapBytes(backend: BackendWasm): Uint8Array {
  const module = emscripten(backend);
  // The threaded build refreshes HEAPU8 lazily after another thread grew the shared memory; the memory is current.
  const buffer = wasmMemory(backend)?.buffer;
  return buffer === undefined || buffer === module.HEAPU8.buffer ? module.HEAPU8 : new Uint8Array(buffer);
}

/** Where a tensor's data starts on the wasm heap. */
export function wasmMemoryOffset(backend: BackendWasm, info: TensorInfo): number {
  supported();
  return backend.dataIdMap.get(info.dataId)!.memoryOffset;
}

/** Whether the wasm backend still holds data for `dataId` (false once every tensor on it is disposed). */
export function wasmHoldsData(backend: BackendWasm, dataId: DataId): boolean {
  supported();
  return backend.dataIdMap.has(dataId);
}

/** Allocates `bytes` on the wasm heap (free with wasmFree). */
export function wasmMalloc(backend: BackendWasm, bytes: number): number {
  // malloc returns a signed i32: past 2 GiB of heap a pointer reads negative unless taken as unsigned. The
  // guarded malloc throws a WasmHeapError where the heap cannot hold `bytes`.
  return emscripten(backend)._malloc(bytes) >>> 0;
}

export function wasmFree(backend: BackendWasm, pointer: number): void {
  emscripten(backend)._free(pointer);
}

/** tfjs-wasm's threaded build as files: its pthread worker script and the module factory the workers import. */
const THREADED_SCRIPTS = '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd';

/**
 * The top line of a pthread worker script that imports the module factory from `factoryUrl`: the worker asks its
 * own createObjectURL for the URL of the factory's Blob (the only object URL it makes).
 */
function factoryFromUrl(factoryUrl: string): string {
  return `URL.createObjectURL = () => ${JSON.stringify(factoryUrl)};\nURL.revokeObjectURL = () => undefined;\n`;
}

let factoryRedirected = false;

/**
 * Makes the pthread workers of tfjs-wasm's threaded build (which tfjs picks on a cross-origin-isolated page) import
 * the module factory from `factoryUrl`, the unmodified `wasm-out/tfjs-backend-wasm-threaded-simd.js` served as a
 * file, instead of from the source text of the factory function: once a bundler has minified that function it
 * refers to a renamed variable of its module scope, and every worker fails with a ReferenceError. tfjs makes each
 * worker's script a Blob of type application/javascript; those get the redirect as their first line. Call it once,
 * before the wasm backend starts.
 */
export function loadThreadedWasmFactoryFrom(factoryUrl: string): void {
  supported();
  if (factoryRedirected) return;
  factoryRedirected = true;
  const prelude = factoryFromUrl(new URL(factoryUrl, globalThis.location?.href).href);
  const createObjectURL = URL.createObjectURL.bind(URL);
  URL.createObjectURL = ((object: Blob) =>
    object instanceof Blob && object.type === 'application/javascript' ? createObjectURL(new Blob([prelude, object], { type: object.type })) : createObjectURL(object)) as typeof URL.createObjectURL;
}

/**
 * Starts tfjs-wasm's threaded build where the page's trick does not work (Node): that build hands its pthread
 * workers `blob:` URLs (a worker script, then the module factory), which Node's worker_threads refuses. Here
 * `writeScript(name, text)` stores each script as a file and returns its path; the worker script is given a
 * prelude that answers its own createObjectURL with the factory's path. Call before the wasm backend starts.
 * Returns the number of threads the backend runs.
 */
export async function startThreadedWasmBackend(writeScript: (name: string, text: string) => string, threads?: number): Promise<number> {
  supported();
  const tf = await import('@tensorflow/tfjs-core');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // The engine's registry holds started backends only (findBackend would start it).
  if (tf.engine().registry.wasm !== undefined) throw new Error('startThreadedWasm: the wasm backend has already started (single-threaded); start the threaded build first');
  // Variable specifiers: bundlers must not pull these CommonJS files into browser builds, where tfjs loads them itself.
  const load = async (file: string) => ((await import(/* @vite-ignore */ `${THREADED_SCRIPTS}${file}`)) as { default: unknown }).default;
  const factory = (await load('.js')) as (...args: unknown[]) => unknown;
  const { wasmWorkerContents } = (await load('.worker.js')) as { wasmWorkerContents: string };
  const factoryPath = writeScript('factory.js', `var WasmBackendModuleThreadedSimd = ${factory.toString()}`);
  // tfjs escapes the worker's newlines the same way before making its Blob (they sit inside string literals).
  const workerPath = writeScript('worker.cjs', `${factoryFromUrl(factoryPath)}${wasmWorkerContents.replace(/\n/g, '\\n')}`);
  const createObjectURL = URL.createObjectURL.bind(URL);
  // The build asks for its worker script's URL from a Blob of type application/javascript; everything else passes.
  URL.createObjectURL = (blob: Blob) => (blob.type === 'application/javascript' ? workerPath : createObjectURL(blob));
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  if (threads !== undefined) wasm.setThreadsCount(threads);
  try {
    if (!(await tf.setBackend('wasm'))) throw new Error('startThreadedWasm: the threaded tfjs-wasm build failed to start');
  } finally {
    URL.createObjectURL = createObjectURL;
  }
  return wasm.getThreadsCount();
}
