// SPDX-License-Identifier: MIT
// NA kernels for the `cpu` backend: the reference loops on the backend's own typed arrays.
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { util } from '@tensorflow/tfjs-core';
import type { NamedTensorInfoMap } from '@tensorflow/tfjs-core';
import type { NAKernelAttrs } from '../../na_args.js';
import { defineKernel, registerOnce } from '../define_kernel.js';
import { naKernelSpecs, problemFor } from '../kernel_specs.js';
import type { KernelArrays, NAKernelSpec } from '../kernel_specs.js';
import { cpuSelfAttention } from './self_attention.js';

function cpuKernel(spec: NAKernelSpec) {
  return defineKernel<NamedTensorInfoMap, NAKernelAttrs, MathBackendCPU>(
    spec.kernelName,
    'cpu',
    ({ inputs, attrs, backend }) => {
      const arrays: KernelArrays = {};
      const shapes: Record<string, number[]> = {};
      for (const name of spec.inputs) {
        const info = inputs[name];
        if (info == null || util.sizeFromShape(info.shape) === 0) continue;
        arrays[name] = backend.data.get(info.dataId)!.values as Float32Array;
        shapes[name] = info.shape;
      }
      const shape = spec.outputShape(shapes, attrs);
      const secondShape = spec.secondOutputShape?.(shapes, attrs) ?? null;
      const out = new Float32Array(util.sizeFromShape(shape));
      const second = secondShape === null ? undefined : new Float32Array(util.sizeFromShape(secondShape));
      if (out.length > 0) spec.compute(problemFor(spec, shapes, attrs), arrays, attrs, out, second);
      const info = backend.makeTensorInfo(shape, 'float32', out);
      return second === undefined ? info : [info, backend.makeTensorInfo(secondShape!, 'float32', second)];
    },
  );
}

export function registerCpuKernels(): void {
  registerOnce([...naKernelSpecs.map(cpuKernel), cpuSelfAttention]);
}
