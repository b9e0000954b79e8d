// SPDX-License-Identifier: MIT
// GELU and LayerNorm for the `wasm` backend, one SIMD pass each (assembly/elementwise) where tfjs-wasm runs four
// or five: tensors are read and written in place on the module's heap.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { util } from '@tensorflow/tfjs-core';
import { GeluErf, LayerNormLastAxis } from '../../kernel_names.js';
import type { GeluErfInputs, LayerNormAttrs, LayerNormInputs } from '../../kernel_names.js';
import { wasmMemoryOffset } from '../../tfjs_internals.js';
import { defineKernel } from '../define_kernel.js';
import { simdKernelsFor } from './simd_module.js';
import type { SimdKernels } from './simd_module.js';

function simdKernels(backend: BackendWasm, kernelName: string): SimdKernels {
  const kernels = simdKernelsFor(backend);
  // The ops check runsFusedKernel first, so only a direct runKernel call gets here without them.
  if (kernels === null) throw new Error(`${kernelName} on wasm needs SIMD WebAssembly on the backend's unshared memory; call the op, which falls back to its composite`);
  return kernels;
}

export const wasmGelu = defineKernel<GeluErfInputs, Record<string, never>, BackendWasm>(GeluErf, 'wasm', ({ inputs, backend }) => {
  const { x } = inputs;
  const out = backend.makeOutput(x.shape, 'float32');
  const count = util.sizeFromShape(x.shape);
  if (count > 0) simdKernels(backend, GeluErf).gelu(wasmMemoryOffset(backend, x), wasmMemoryOffset(backend, out), count);
  return out;
});

export const wasmLayerNorm = defineKernel<LayerNormInputs, LayerNormAttrs, BackendWasm>(LayerNormLastAxis, 'wasm', ({ inputs, attrs, backend }) => {
  const { x, gamma, beta } = inputs;
  const out = backend.makeOutput(x.shape, 'float32');
  const channels = x.shape[x.shape.length - 1] ?? 1;
  const rows = channels === 0 ? 0 : util.sizeFromShape(x.shape) / channels;
  if (rows > 0) {
    const at = (info: typeof x) => wasmMemoryOffset(backend, info);
    simdKernels(backend, LayerNormLastAxis).layerNorm(at(x), at(gamma), at(beta), at(out), rows, channels, attrs.epsilon);
  }
  return out;
});
