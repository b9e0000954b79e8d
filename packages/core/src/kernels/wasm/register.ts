// SPDX-License-Identifier: MIT
// Our kernels for the `wasm` backend: NA, self-attention, GELU, LayerNorm, Linear and PaddedConv2D. Inputs and
// outputs are read and written where they live, on the module's heap, so nothing is copied through another backend.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { findBackend, util } from '@tensorflow/tfjs-core';
import type { NamedTensorInfoMap } from '@tensorflow/tfjs-core';
import type { NAKernelAttrs } from '../../na_args.js';
import { declareFusedKernelAvailability } from '../../fused_kernels.js';
import { Linear, PaddedConv2D } from '../../kernel_names.js';
import { defineKernel, registerOnce } from '../define_kernel.js';
import { naKernelSpecs, problemFor } from '../kernel_specs.js';
import type { KernelArrays, NAKernelSpec } from '../kernel_specs.js';
import { wasmGelu, wasmLayerNorm } from './elementwise.js';
import { heapView } from './heap.js';
import { wasmLinear } from './linear.js';
import { wasmPaddedConv2D } from './padded_conv2d.js';
import { wasmSelfAttention } from './self_attention.js';
import { wasmKernelMemory } from './simd_module.js';
import { wasmOverrides } from './simd_kernels.js';

function wasmKernel(spec: NAKernelSpec) {
  return defineKernel<NamedTensorInfoMap, NAKernelAttrs, BackendWasm>(
    spec.kernelName,
    'wasm',
    ({ inputs, attrs, backend }) => {
      // An empty tensor stands for an absent optional input (the fused kernel's rpb).
      const present = spec.inputs.filter((name) => inputs[name] != null && util.sizeFromShape(inputs[name].shape) > 0);
      const shapes: Record<string, number[]> = {};
      for (const name of present) shapes[name] = inputs[name]!.shape;
      const shape = spec.outputShape(shapes, attrs);
      const secondShape = spec.secondOutputShape?.(shapes, attrs) ?? null;
      const out = backend.makeOutput(shape, 'float32');
      const second = secondShape === null ? null : backend.makeOutput(secondShape, 'float32');
      const outputs = second === null ? out : [out, second];
      if (util.sizeFromShape(shape) === 0) return outputs;
      const problem = problemFor(spec, shapes, attrs);
      const fast = wasmOverrides.get(spec.kernelName);
      if (fast?.(backend, problem, inputs, attrs, out, second) === true) return outputs;
      const arrays: KernelArrays = {};
      for (const name of present) arrays[name] = heapView(backend, inputs[name]!);
      spec.compute(problem, arrays, attrs, heapView(backend, out), second === null ? undefined : heapView(backend, second));
      return outputs;
    },
  );
}

/**
 * Registers every wasm kernel of ours. The ops run the fused ones (GELU, LayerNorm, Linear, PaddedConv2D) where the
 * SIMD modules bind, the last two only on an unshared memory: the threaded build's XNNPACK runs those on all its
 * threads.
 */
export function registerWasmKernels(): void {
  registerOnce([...naKernelSpecs.map(wasmKernel), wasmSelfAttention, wasmGelu, wasmLayerNorm, wasmLinear, wasmPaddedConv2D]);
  declareFusedKernelAvailability('wasm', (kernelName) => {
    const backend = findBackend('wasm') as BackendWasm | null;
    if (backend === null) return false;
    const memory = wasmKernelMemory(backend);
    return memory !== null && ((kernelName !== Linear && kernelName !== PaddedConv2D) || memory === 'unshared');
  });
}
