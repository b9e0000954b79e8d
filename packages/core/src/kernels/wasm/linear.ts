// SPDX-License-Identifier: MIT
// nn.Linear on the `wasm` backend: assembly/linear's 6 x 8 register tiles over the kernel packed once into
// panels (packed_panels.ts), reading and writing the tensors where tfjs keeps them; column blocks (q, k and v of
// one projection) can go to outputs of their own, each the product with its run of panels. The op runs it on the
// single-threaded builds only (fused_kernels.ts): on the threaded one, XNNPACK spreads matmuls over its threads.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { util } from '@tensorflow/tfjs-core';
import { Linear } from '../../kernel_names.js';
import type { LinearAttrs, LinearInputs } from '../../kernel_names.js';
import { wasmMemoryOffset } from '../../tfjs_internals.js';
import { defineKernel } from '../define_kernel.js';
import { packedPanelBytes, packedPanels } from './packed_panels.js';
import { simdKernelsFor, withHeapTables } from './simd_module.js';

/** assembly/linear's scratch: the bias padded to whole panels, and one 6 x 8 tile for the ragged edges. */
export function linearScratchBytes(units: number): number {
  return 4 * (8 * Math.ceil(units / 8) + 48);
}

export const wasmLinear = defineKernel<LinearInputs, LinearAttrs, BackendWasm>(Linear, 'wasm', ({ inputs: { x, kernel, bias }, attrs, backend }) => {
  const [channels, units] = kernel.shape as [number, number];
  const widths = attrs.splits.length > 0 ? attrs.splits : [units];
  const outs = widths.map((width) => backend.makeOutput([...x.shape.slice(0, -1), width], 'float32'));
  const result = attrs.splits.length > 0 ? outs : outs[0]!;
  const rows = util.sizeFromShape(x.shape.slice(0, -1));
  if (rows === 0 || units === 0) return result;
  const kernels = simdKernelsFor(backend);
  // The op checks runsFusedKernel first, so only a direct runKernel call gets here without SIMD.
  if (kernels === null) throw new Error(`${Linear} on wasm needs SIMD WebAssembly; call the op, which falls back to _FusedMatMul`);
  const packed = packedPanels(backend, kernels, kernel);
  const at = (info: typeof x) => wasmMemoryOffset(backend, info);
  const biasAt = util.sizeFromShape(bias.shape) > 0 ? at(bias) : 0;
  withHeapTables(backend, [], linearScratchBytes(units), (_tables, scratch) => {
    // A block starting at a multiple of 8 columns is a run of whole panels (the op checks the starts).
    let start = 0;
    widths.forEach((width, i) => {
      if (width > 0) kernels.linear(at(x), packed + packedPanelBytes(channels, start), biasAt === 0 ? 0 : biasAt + 4 * start, at(outs[i]!), rows, channels, width, scratch, -Infinity);
      start += width;
    });
  });
  return result;
});
