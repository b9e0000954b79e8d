// SPDX-License-Identifier: MIT
// @natzoo/core/webgpu: registers the NA kernels for tfjs's `webgpu` backend. A separate entry point so that
// users who never touch WebGPU load none of it. Import it next to `@tensorflow/tfjs-backend-webgpu`
// (browser, or Node with the `webgpu` package providing `navigator.gpu`); the order does not matter,
// since kernels are looked up by backend name when they run.
import { registerNAGradients } from './gradients/register.js';
import { registerWebGPUKernels } from './kernels/webgpu/register.js';

registerWebGPUKernels();
registerNAGradients();

export { registerWebGPUKernels };
export { setWebGPUTiling } from './kernels/webgpu/na_kernels.js';
export type { WebGPUTiling } from './kernels/webgpu/na_kernels.js';
