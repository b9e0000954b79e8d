// SPDX-License-Identifier: MIT
// GELU and LayerNorm for the `wasm` backend, one SIMD pass each (assembly/elementwise) where tfjs-wasm runs four
// or five: tensors are read and written in place on the module's heap. Registered with them: Linear (linear.ts) and
// PaddedConv2D (padded_conv2d.ts).
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { findBackend, util } from '@tensorflow/tfjs-core';
import { declareFusedKernelAvailability } from '../../fused_kernels.js';
import { GeluErf, LayerNormLastAxis, Linear, PaddedConv2D } from '../../kernel_names.js';
import type { GeluErfInputs, LayerNormAttrs, LayerNormInputs } from '../../kernel_names.js';
import { wasmMemoryOffset } from '../../tfjs_internals.js';
import { defineKernel, registerOnce } from '../define_kernel.js';
import { wasmLinear } from './linear.js';
import { wasmPaddedConv2D } from './padded_conv2d.js';
import { simdKernelsFor, wasmKernelMemory } from './simd_module.js';
import type { SimdKernels } from './simd_module.js';

function simdKernels(backend: BackendWasm, kernelName: string): SimdKernels {
  const kernels = simdKernelsFor(backend);
  // The ops check runsFusedKernel first, so only a direct runKernel call gets here without them.
  if (kernels === null) throw new Error(`${kernelName} on wasm needs SIMD WebAssembly on the backend's unshared memory; call the op, which falls back to its composite`);
  return kernels;
}

const geluKernel = defineKernel<GeluErfInputs, Record<string, never>, BackendWasm>(GeluErf, 'wasm', ({ inputs, backend }) => {
  const { x } = inputs;
  const out = backend.makeOutput(x.shape, 'float32');
  const count = util.sizeFromShape(x.shape);
  if (count > 0) simdKernels(backend, GeluErf).gelu(wasmMemoryOffset(backend, x), wasmMemoryOffset(backend, out), count);
  return out;
});

const layerNormKernel = defineKernel<LayerNormInputs, LayerNormAttrs, BackendWasm>(LayerNormLastAxis, 'wasm', ({ inputs, attrs, backend }) => {
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

/**
 * Registers the fused GELU, LayerNorm, Linear and PaddedConv2D kernels; the ops use them where the SIMD modules
 * run, the last two only on an unshared memory: the threaded build's XNNPACK runs them on all its threads.
 */
export function registerWasmElementwiseKernels(): void {
  registerOnce([geluKernel, layerNormKernel, wasmLinear, wasmPaddedConv2D]);
  declareFusedKernelAvailability('wasm', (kernelName) => {
    const backend = findBackend('wasm') as BackendWasm | null;
    if (backend === null) return false;
    const memory = wasmKernelMemory(backend);
    return memory !== null && ((kernelName !== Linear && kernelName !== PaddedConv2D) || memory === 'unshared');
  });
}
