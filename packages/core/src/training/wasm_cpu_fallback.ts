// SPDX-License-Identifier: MIT
// Gradient kernels tfjs-wasm 4.22 does not have, run by tfjs-cpu's kernel on copies of the inputs:
// UnsortedSegmentSum (the gradient of gather, which ViT-rpb's bias lookup uses) and the two depthwise-conv
// backprops (ConvMLP). The copies cost a pass over each tensor; without them these models cannot train on wasm.
import { findBackend, findBackendFactory, getKernel } from '@tensorflow/tfjs-core';
import type { DataType, KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { KernelPatch } from './kernel_patch.js';

const FALLBACK_KERNELS = ['UnsortedSegmentSum', 'DepthwiseConv2dNativeBackpropInput', 'DepthwiseConv2dNativeBackpropFilter'];

function viaCpu(kernelName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const wasm = backend as KernelBackend;
    const cpu = findBackend('cpu');
    const cpuKernel = getKernel(kernelName, 'cpu');
    if (cpu === null || cpuKernel === undefined) throw new Error(`${kernelName} on wasm needs the cpu backend's kernel, which is not registered`);
    const copies: Record<string, TensorInfo> = {};
    for (const [name, info] of Object.entries(inputs) as [string, TensorInfo][]) {
      const values = wasm.readSync(info.dataId) as Float32Array | Int32Array;
      copies[name] = { dataId: cpu.write(values.slice(), info.shape, info.dtype), shape: info.shape, dtype: info.dtype };
    }
    try {
      const out = cpuKernel.kernelFunc({ inputs: copies, backend: cpu, attrs }) as TensorInfo;
      const values = cpu.readSync(out.dataId) as Float32Array | Int32Array;
      cpu.disposeData(out.dataId);
      return { dataId: wasm.write(values, out.shape, out.dtype as DataType), shape: out.shape, dtype: out.dtype };
    } finally {
      for (const copy of Object.values(copies)) cpu.disposeData(copy.dataId);
    }
  };
}

/** The fallbacks, for a wasm backend that is loaded and lacks the kernel. */
export const wasmCpuFallbackPatches: readonly KernelPatch[] = FALLBACK_KERNELS.map((kernelName) => ({
  kernelName,
  backendName: 'wasm',
  patch: (current) => (current !== undefined || findBackendFactory('wasm') === null ? null : { kernelName, backendName: 'wasm', kernelFunc: viaCpu(kernelName) }),
}));
