// SPDX-License-Identifier: MIT
// The kernel additions training needs on the CPU backends: a fast Conv2DBackpropFilter for cpu and wasm, and
// wasm matmuls that keep transposed operands on XNNPACK, a wasm Identity that does not copy what the tape
// saves, and cpu fallbacks for the gradient kernels wasm lacks. Call after the backend packages are imported.
import { registerConv2DFilterGradient } from './conv_filter_grad.js';
import { registerWasmCpuFallbacks } from './wasm_cpu_fallback.js';
import { registerWasmTransposedMatMul } from './wasm_matmul.js';
import { registerWasmSharedIdentity } from './wasm_shared_identity.js';

export function registerTrainingKernels(): void {
  registerConv2DFilterGradient();
  registerWasmTransposedMatMul();
  registerWasmSharedIdentity();
  registerWasmCpuFallbacks();
}
