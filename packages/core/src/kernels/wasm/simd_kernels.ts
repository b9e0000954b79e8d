// SPDX-License-Identifier: MIT
// Hooks for SIMD implementations of individual kernels on the wasm heap. A hook returns true when it ran.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { NAProblem } from '../../geometry.js';
import type { NAKernelAttrs } from '../../na_args.js';

export type WasmKernelOverride = (
  backend: BackendWasm,
  problem: NAProblem,
  inputs: NamedTensorInfoMap,
  attrs: NAKernelAttrs,
  out: TensorInfo,
) => boolean;

export const wasmOverrides = new Map<string, WasmKernelOverride>();
