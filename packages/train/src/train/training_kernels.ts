// SPDX-License-Identifier: MIT
// The kernel additions training needs on the CPU backends: a fast Conv2DBackpropFilter for cpu and wasm, and
// wasm matmuls that keep transposed operands on XNNPACK. Call after the backend packages are imported.
import { registerConv2DFilterGradient } from './conv_filter_grad.js';
import { registerWasmTransposedMatMul } from './wasm_matmul.js';

export function registerTrainingKernels(): void {
  registerConv2DFilterGradient();
  registerWasmTransposedMatMul();
}
