// SPDX-License-Identifier: MIT
// Our SIMD kernels could not be bound to the tfjs wasm backend's memory. Thrown instead of running the JS loops,
// which would give the same numbers two to ten times slower without telling anyone.

export class WasmKernelError extends Error {
  override name = 'WasmKernelError';
}
