// SPDX-License-Identifier: MIT
// Loads a NAT / DiNAT / DiNAT_s / isotropic state_dict (SHI-Labs/Neighborhood-Attention-Transformer releases,
// bare state_dicts; reference/models.md section 8) into our models. Every key maps by the default rule (layer
// names are the PyTorch paths); the exceptions are ViT-rpb's derivable index buffer, optionally a fresh head, and
// optionally rpb tables resized to another kernel size.
import type { LayersModel, LayerVariable } from '@tensorflow/tfjs-layers';
import { portWeights } from '../convert/port_weights.js';
import type { StateDictLike, WeightBinding, WeightPortReport } from '../convert/port_weights.js';
import { resizeBicubic } from './bicubic.js';

export interface NATWeightOptions {
  /** Keep our freshly initialised `head` instead of loading it (fine-tuning to other classes); default false. */
  skipClassifier?: boolean;
  /**
   * Resize `rpb [heads, 2k-1, 2k-1]` tables of another kernel size bicubically (PyTorch `F.interpolate`,
   * align_corners false), as upstream made its 11x11 checkpoints from 7x7 ones; default false (an error).
   */
  resizeRpb?: boolean;
  /** Throw on anything unexplained (default true). */
  strict?: boolean;
}

function rpbBinding(weight: LayerVariable, key: string): WeightBinding {
  const [heads, rows, cols] = weight.shape as [number, number, number];
  return {
    kind: 'convert',
    key,
    note: `rpb resized to ${rows}x${cols} (bicubic)`,
    convert: (data, shape) => {
      const [h, r, c] = shape as [number, number, number];
      if (shape.length !== 3 || h !== heads) return `shape [${shape.join(', ')}] cannot become [${weight.shape.join(', ')}]`;
      return r === rows && c === cols ? data : resizeBicubic(data, heads, [r, c], [rows, cols]);
    },
  };
}

/**
 * Loads an upstream NAT-family state_dict (unwrap `{'state_dict': ...}` / `{'model': ...}` first) into a model
 * built by this package: conv OIHW -> HWIO, Linear `[out, in]` -> `[in, out]`, the rest as stored. Resolves to
 * the report; rejects with a WeightPortError, having written nothing, when anything is unexplained.
 */
export function loadNATStateDict(model: LayersModel, stateDict: StateDictLike, options: NATWeightOptions = {}): Promise<WeightPortReport> {
  return portWeights(model, stateDict, {
    label: `loadNATStateDict(${model.name})`,
    strict: options.strict ?? true,
    bind: (weight, fallback) => {
      if (options.skipClassifier && weight.originalName.startsWith('head/')) return { kind: 'keep', reason: 'fresh classifier head (skipClassifier)' };
      if (options.resizeRpb && weight.originalName.endsWith('/rpb') && fallback.key !== undefined) return rpbBinding(weight, fallback.key);
      return undefined;
    },
    ignore: (key) => {
      if (key.endsWith('.attn.relative_position_index')) return 'derivable buffer: the index is recomputed from the map size';
      if (options.skipClassifier && key.startsWith('head.')) return 'classifier head skipped (skipClassifier)';
      return undefined;
    },
  });
}
