// SPDX-License-Identifier: MIT
// `natzoo export`: a converted model's weights as a PyTorch state_dict with upstream names and layouts, as
// `.safetensors` or as a torch.save zip (`.pth` / `.pt` / `.bin`), chosen by the output's extension.
import { exportStateDict } from '@natzoo/models';
import type { LayersModel } from '@tensorflow/tfjs';
import { OrderedDictToSave, writeSafetensors, writeTorchCheckpoint } from '@natzoo/train';

export type ExportFormat = 'safetensors' | 'pth';

/** The format `out`'s extension asks for. */
export function exportFormat(out: string): ExportFormat {
  if (/\.safetensors$/i.test(out)) return 'safetensors';
  if (/\.(pth|pt|bin)$/i.test(out)) return 'pth';
  throw new Error(`--out ${out}: expected a .safetensors, .pth, .pt or .bin file name`);
}

/**
 * Writes `model`'s weights to `out` (atomically) and returns how many tensors were written. The `.pth` file is
 * a bare OrderedDict state_dict, loadable with `torch.load(out, weights_only=True)` and `load_state_dict`.
 */
export async function exportWeights(model: LayersModel, out: string, modelName: string): Promise<number> {
  const format = exportFormat(out);
  const tensors = exportStateDict(model);
  if (format === 'safetensors') await writeSafetensors(out, tensors, { format: 'pt', model: modelName });
  else await writeTorchCheckpoint(out, new OrderedDictToSave(tensors));
  return tensors.size;
}
