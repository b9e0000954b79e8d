// SPDX-License-Identifier: MIT
// nn.Conv2d on the `wasm` backend as assembly/linear's product: each output pixel's window gathered into a row
// (im2col, a bounded chunk of rows at a time) times the filter packed once into panels, `[k, k, Cin, Cout]` read as
// `[k * k * Cin, Cout]` (packed_panels.ts). Registered beside Linear and used where it is (fused_kernels.ts).
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { util } from '@tensorflow/tfjs-core';
import { PaddedConv2D } from '../../kernel_names.js';
import type { PaddedConv2DAttrs, PaddedConv2DInputs } from '../../kernel_names.js';
import { wasmMemoryOffset } from '../../tfjs_internals.js';
import { defineKernel } from '../define_kernel.js';
import { linearScratchBytes } from './linear.js';
import { packedPanels } from './packed_panels.js';
import { simdKernelsFor, withHeapTables } from './simd_module.js';

/** im2col rows per chunk: about 1 MiB of them (the product re-reads a chunk once per 8 filters), a multiple of 6. */
function chunkRows(rowFloats: number, rows: number): number {
  const fit = Math.max(1, Math.floor(262144 / rowFloats / 6)) * 6;
  return Math.min(fit, Math.ceil(rows / 6) * 6);
}

export const wasmPaddedConv2D = defineKernel<PaddedConv2DInputs, PaddedConv2DAttrs, BackendWasm>(PaddedConv2D, 'wasm', ({ inputs: { x, filter, bias }, attrs, backend }) => {
  const [batch, height, width, channels] = x.shape as [number, number, number, number];
  const [size, , , filters] = filter.shape as [number, number, number, number];
  const { strides, pad } = attrs;
  const outHeight = Math.floor((height + 2 * pad - size) / strides) + 1;
  const outWidth = Math.floor((width + 2 * pad - size) / strides) + 1;
  const out = backend.makeOutput([batch, outHeight, outWidth, filters], 'float32');
  const rows = batch * outHeight * outWidth;
  if (rows === 0 || filters === 0) return out;
  const kernels = simdKernelsFor(backend);
  // The op checks runsFusedKernel first, so only a direct runKernel call gets here without SIMD.
  if (kernels === null) throw new Error(`${PaddedConv2D} on wasm needs SIMD WebAssembly; call the op, which falls back to fused.conv2d`);
  const windowFloats = size * size * channels;
  const at = (info: typeof x) => wasmMemoryOffset(backend, info);
  const biasAt = util.sizeFromShape(bias.shape) > 0 ? at(bias) : 0;
  const floor = attrs.activation === 'relu' ? 0 : -Infinity;
  const asMatrix = { dataId: filter.dataId, shape: [windowFloats, filters], dtype: 'float32' as const };
  if (size === 1 && strides === 1 && pad === 0) {
    // Every window is one pixel: the image is the im2col matrix already.
    const packed = packedPanels(backend, kernels, asMatrix);
    withHeapTables(backend, [], linearScratchBytes(filters), (_tables, scratch) =>
      kernels.linear(at(x), packed, biasAt, at(out), rows, channels, filters, scratch, floor),
    );
    return out;
  }
  // Windows zero-padded to a multiple of 4 floats, and the filter packed to match: tiles without a tail.
  const rowFloats = Math.ceil(windowFloats / 4) * 4;
  const packed = packedPanels(backend, kernels, asMatrix, rowFloats);
  const chunk = chunkRows(rowFloats, rows);
  withHeapTables(backend, [], 4 * chunk * rowFloats + linearScratchBytes(filters), (_tables, scratch) =>
    kernels.conv2d(at(x), packed, biasAt, at(out), batch, height, width, channels, size, strides, pad, outHeight, outWidth, filters, floor, scratch, chunk),
  );
  return out;
});
