// SPDX-License-Identifier: MIT
// Smaller weights on save, browser-safe: float32 tensors stored as float16, or as uint8 with a per-tensor affine
// map (value = q * scale + min), in the weights-manifest `quantization` form tfjs's loader decodes
// (tfjs-core io_utils decodeWeights), so a quantized model loads with plain tf.loadLayersModel.
import { Float16Array } from '@petamoriken/float16';
import type * as tf from '@tensorflow/tfjs';

export const QUANTIZATIONS = ['float16', 'uint8'] as const;
export type Quantization = (typeof QUANTIZATIONS)[number];

export interface WeightsToSave {
  specs: tf.io.WeightsManifestEntry[];
  data: ArrayBuffer;
}

function quantizeTensor(values: Float32Array, dtype: Quantization): { bytes: Uint8Array; quantization: NonNullable<tf.io.WeightsManifestEntry['quantization']> } {
  if (dtype === 'float16') return { bytes: new Uint8Array(Float16Array.from(values).buffer), quantization: { dtype: 'float16' } };
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (values.length === 0) [min, max] = [0, 0];
  // A constant tensor needs no steps; any positive scale reproduces it.
  const scale = max > min ? (max - min) / 255 : 1;
  const bytes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) bytes[i] = Math.round((values[i]! - min) / scale);
  return { bytes, quantization: { dtype: 'uint8', min, scale } };
}

/** `weights` with every float32 tensor quantized to `dtype` (other dtypes are kept as they are). */
export function quantizeWeights(weights: WeightsToSave, dtype: Quantization): WeightsToSave {
  const parts: Uint8Array[] = [];
  const specs: tf.io.WeightsManifestEntry[] = [];
  let offset = 0;
  for (const spec of weights.specs) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const size = count * (spec.dtype === 'float32' || spec.dtype === 'int32' ? 4 : 1);
    if (spec.quantization !== undefined || (spec.dtype !== 'float32' && spec.dtype !== 'int32' && spec.dtype !== 'bool')) {
      throw new Error(`quantize: weight ${spec.name} has dtype ${spec.dtype}${spec.quantization ? ' and is quantized already' : ''}; expected unquantized float32, int32 or bool weights`);
    }
    if (spec.dtype === 'float32') {
      const { bytes, quantization } = quantizeTensor(new Float32Array(weights.data.slice(offset, offset + size)), dtype);
      parts.push(bytes);
      specs.push({ ...spec, quantization });
    } else {
      parts.push(new Uint8Array(weights.data, offset, size));
      specs.push(spec);
    }
    offset += size;
  }
  const data = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (data.set(p, at), at + p.length), 0);
  return { specs, data: data.buffer };
}
