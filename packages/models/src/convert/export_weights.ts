// SPDX-License-Identifier: MIT
// The way back: a model's weights under their upstream PyTorch keys and layouts, so a state_dict written from
// them loads into the upstream code (`model.load_state_dict(safetensors.torch.load_file(...))`).
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { fromTfLayout, sourceShapeFor } from './layouts.js';
import { defaultBinding } from './port_weights.js';

export interface ExportedTensor {
  dtype: 'float32';
  shape: number[];
  data: Float32Array;
}

/** Every weight of `model` as `upstream key -> tensor`, in PyTorch layout (the inverse of portWeights' default rule). */
export function exportStateDict(model: LayersModel): Map<string, ExportedTensor> {
  const out = new Map<string, ExportedTensor>();
  for (const weight of model.weights) {
    const binding = defaultBinding(weight);
    if (binding.kind !== 'load') continue;
    if (out.has(binding.key)) throw new Error(`exportStateDict: two weights map to the key '${binding.key}'`);
    const data = fromTfLayout(binding.transform, weight.read().dataSync() as Float32Array, weight.shape as number[]);
    out.set(binding.key, { dtype: 'float32', shape: sourceShapeFor(binding.transform, weight.shape as number[]), data });
  }
  return out;
}
