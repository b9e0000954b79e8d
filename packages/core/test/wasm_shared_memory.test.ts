// SPDX-License-Identifier: MIT
// The SIMD NA kernels on the threaded tfjs-wasm build's memory, which is a shared WebAssembly.Memory exposed as
// `Module.wasmMemory`. That build cannot start in Node (it spawns its pthread workers from blob: URLs), so the
// Emscripten module here is the few fields tfjs_internals.ts reads, over a real shared memory; the kernels run
// through the same override path the wasm backend calls and are checked against the JS loops of the kernel specs.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import * as names from '../src/kernel_names.js';
import type { NAKernelAttrs } from '../src/na_args.js';
import { naKernelSpecs, problemFor } from '../src/kernels/kernel_specs.js';
import { wasmOverrides } from '../src/kernels/wasm/simd_kernels.js';
import { simdKernelsFor, simdKernelsForMemory } from '../src/kernels/wasm/simd_module.js';
import { WasmKernelError } from '../src/kernels/wasm/wasm_kernel_error.js';

/** The Emscripten fields natzoo reads (memory, heap, allocator, tensor offsets), bump-allocated on `memory`. */
function heapBackend(memory: WebAssembly.Memory | undefined) {
  const bytes = () => new Uint8Array(memory!.buffer);
  let top = 4096;
  const offsets = new Map<object, { memoryOffset: number }>();
  const wasm = {
    wasmMemory: memory,
    get HEAPU8() {
      return bytes();
    },
    _malloc: (size: number) => {
      const at = top;
      top += (size + 15) & ~15;
      return at;
    },
    _free: () => undefined,
  };
  const backend = { wasm, dataIdMap: offsets } as unknown as BackendWasm;
  const put = (shape: number[], values: Float32Array): TensorInfo => {
    const at = wasm._malloc(4 * values.length);
    new Float32Array(memory!.buffer, at, values.length).set(values);
    const dataId = {};
    offsets.set(dataId, { memoryOffset: at });
    return { dataId, shape, dtype: 'float32' };
  };
  const read = (info: TensorInfo) => {
    const at = offsets.get(info.dataId)!.memoryOffset;
    return Float32Array.from(new Float32Array(memory!.buffer, at, info.shape.reduce((a, b) => a * b, 1)));
  };
  return { backend, put, read };
}

const shape = [2, 7, 6, 2, 8]; // [B, H, W, heads, D]: a 2-D problem with edge windows on both axes
const attrs: NAKernelAttrs = { kernelSize: [3, 5], dilation: [1, 1], isCausal: [false, false], scale: 0.35 };
const size = shape.reduce((a, b) => a * b, 1);
const inputs = ['query', 'key', 'value'].map((_, salt) => Float32Array.from({ length: size }, (_, i) => Math.sin(0.37 * i + salt)));
const rpb = Float32Array.from({ length: 2 * 5 * 9 }, (_, i) => Math.cos(0.11 * i));
const spec = naKernelSpecs.find((s) => s.kernelName === names.NeighborhoodAttentionFused)!;

/** The fused NA kernel through the wasm override, on `memory`. */
function fusedOn(memory: WebAssembly.Memory): Float32Array {
  const { backend, put, read } = heapBackend(memory);
  const [query, key, value] = inputs.map((v) => put(shape, v));
  const infos = { query: query!, key: key!, value: value!, rpb: put([2, 5, 9], rpb) };
  const out = put(shape, new Float32Array(size));
  const problem = problemFor(spec, { query: shape, key: shape, value: shape, rpb: [2, 5, 9] }, attrs);
  expect(wasmOverrides.get(spec.kernelName)!(backend, problem, infos, attrs, out)).toBe(true);
  return read(out);
}

describe('SIMD NA kernels on a shared memory (the threaded tfjs-wasm build)', () => {
  it('instantiate against a shared WebAssembly.Memory and give the JS loops\' result, bit for bit the unshared one', () => {
    const shared = new WebAssembly.Memory({ initial: 17, maximum: 65536, shared: true });
    expect(shared.buffer).toBeInstanceOf(SharedArrayBuffer);
    const onShared = fusedOn(shared);
    const onPlain = fusedOn(new WebAssembly.Memory({ initial: 17 }));
    const reference = new Float32Array(size);
    const problem = problemFor(spec, { query: shape, key: shape, value: shape, rpb: [2, 5, 9] }, attrs);
    spec.compute(problem, { query: inputs[0]!, key: inputs[1]!, value: inputs[2]!, rpb }, attrs, reference);
    expect(Math.max(...onShared.map((x, i) => Math.abs(x - reference[i]!)))).toBeLessThan(1e-5);
    expect(onShared).toEqual(onPlain);
  });

  it('bind one instance per memory', () => {
    const shared = new WebAssembly.Memory({ initial: 1, maximum: 100, shared: true });
    expect(simdKernelsForMemory(shared)).toBe(simdKernelsForMemory(shared));
    expect(simdKernelsForMemory(shared)).not.toBe(simdKernelsForMemory(new WebAssembly.Memory({ initial: 1 })));
  });

  it('throw a WasmKernelError, never fall back to the JS loops, when the backend exposes no memory', () => {
    expect(() => simdKernelsFor(heapBackend(undefined).backend)).toThrow(WasmKernelError);
  });
});
