// SPDX-License-Identifier: MIT
// Loads a Compact-Transformers state_dict (CCT, CVT, ViT-Lite; reference/models.md section 8) into our models.
// Every key maps by the default rule (layer names are the PyTorch paths); the exceptions are the positional
// table (sine tables are recomputed, learnable ones optionally resized) and an optionally fresh head.
import { portWeights } from '../convert/port_weights.js';
import type { StateDictLike, WeightBinding, WeightPortReport } from '../convert/port_weights.js';
import type { LayersModel, LayerVariable } from '@tensorflow/tfjs-layers';
import { PositionalEmbedding } from './cct_layers.js';

export interface CCTWeightOptions {
  /**
   * What to do with `classifier.positional_emb` for a model built with a sine table:
   * `recompute` (default) keeps our table and checks the stored one agrees to 1e-4 (a checkpoint trained with
   * upstream's `*_sine` registry bug carries a learned table instead, and is refused);
   * `checkpoint` loads the stored table as it is.
   */
  sinePositionalEmbedding?: 'recompute' | 'checkpoint';
  /**
   * Resize a learnable table whose token grid differs from the model's (another image size) with bilinear
   * interpolation, as upstream `pe_check` does; default false (a size mismatch is an error).
   */
  resizePositionalEmbedding?: boolean;
  /** Keep our freshly initialised `classifier.fc` instead of loading it (upstream `fc_check`); default false. */
  skipClassifier?: boolean;
  /** Throw on anything unexplained (default true). */
  strict?: boolean;
}

const PE_KEY = 'classifier.positional_emb';
const SINE_TOLERANCE = 1e-4;

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

/**
 * Bilinear resize of the square token grid behind `prefix` leading tokens (PyTorch `F.interpolate`,
 * `align_corners=False`, as upstream `resize_pos_embed`). `[1, prefix + g0*g0, C]` -> `[1, prefix + g1*g1, C]`.
 */
export function resizePositionalTable(table: Float32Array, fromTokens: number, toTokens: number, channels: number, prefix: number): Float32Array | string {
  const g0 = Math.round(Math.sqrt(fromTokens - prefix));
  const g1 = Math.round(Math.sqrt(toTokens - prefix));
  if (g0 * g0 !== fromTokens - prefix || g1 * g1 !== toTokens - prefix) {
    return `cannot resize ${fromTokens} positions to ${toTokens}: the grid behind ${prefix} leading token(s) is not square`;
  }
  const out = new Float32Array(toTokens * channels);
  out.set(table.subarray(0, prefix * channels));
  const scale = g0 / g1;
  const axis = (i: number): [number, number, number] => {
    const src = Math.max(0, (i + 0.5) * scale - 0.5);
    const lo = Math.min(Math.floor(src), g0 - 1);
    return [lo, Math.min(lo + 1, g0 - 1), src - lo];
  };
  for (let y = 0; y < g1; y++) {
    const [y0, y1, ly] = axis(y);
    for (let x = 0; x < g1; x++) {
      const [x0, x1, lx] = axis(x);
      const at = (yy: number, xx: number, c: number) => table[(prefix + yy * g0 + xx) * channels + c]!;
      for (let c = 0; c < channels; c++) {
        const top = at(y0, x0, c) * (1 - lx) + at(y0, x1, c) * lx;
        const bottom = at(y1, x0, c) * (1 - lx) + at(y1, x1, c) * lx;
        out[(prefix + y * g1 + x) * channels + c] = top * (1 - ly) + bottom * ly;
      }
    }
  }
  return out;
}

function positionalBinding(model: LayersModel, weight: LayerVariable, options: CCTWeightOptions): WeightBinding | undefined {
  const layer = model.getLayer(PE_KEY);
  if (!(layer instanceof PositionalEmbedding)) return undefined;
  const [, tokens, channels] = weight.shape as [number, number, number];
  if (layer.kind === 'sine') {
    if (options.sinePositionalEmbedding === 'checkpoint') return undefined;
    return {
      kind: 'keep',
      key: PE_KEY,
      reason: 'sine table recomputed from the configuration (upstream also replaces the stored one)',
      check: (data, shape, current) => {
        if (shape.join() !== weight.shape.join()) return `shape [${shape.join(', ')}] differs from the sine table [${weight.shape.join(', ')}]`;
        const diff = maxAbsDiff(data, current);
        return diff > SINE_TOLERANCE
          ? `the stored table differs from the sine table by ${diff.toExponential(2)} (a learned table?); build the model with positionalEmbedding 'learnable', or pass sinePositionalEmbedding: 'checkpoint'`
          : undefined;
      },
    };
  }
  if (!options.resizePositionalEmbedding) return undefined;
  const prefix = model.layers.some((l) => l.name === 'classifier.class_emb') ? 1 : 0;
  return {
    kind: 'convert',
    key: PE_KEY,
    note: `resized to ${tokens} positions (bilinear)`,
    convert: (data, shape) => {
      const [one, from, width] = shape as [number, number, number];
      if (shape.length !== 3 || one !== 1 || width !== channels) return `shape [${shape.join(', ')}] cannot become [${weight.shape.join(', ')}]`;
      return from === tokens ? data : resizePositionalTable(data, from, tokens, channels, prefix);
    },
  };
}

/**
 * Loads an upstream CCT / CVT / ViT-Lite state_dict (bare, as upstream releases them; unwrap timm training
 * checkpoints' `state_dict` first) into a model built by this package. Layouts: conv OIHW -> HWIO, Linear
 * `[out, in]` -> `[in, out]`, the rest as stored. Resolves to the report; rejects with a WeightPortError, having
 * written nothing, when a weight has no key, a key is unused, a shape differs or a stored sine table is not a sine table.
 */
export function loadCCTStateDict(model: LayersModel, stateDict: StateDictLike, options: CCTWeightOptions = {}): Promise<WeightPortReport> {
  return portWeights(model, stateDict, {
    label: `loadCCTStateDict(${model.name})`,
    strict: options.strict ?? true,
    bind: (weight) => {
      if (weight.originalName === `${PE_KEY}/embedding`) return positionalBinding(model, weight, options);
      if (options.skipClassifier && weight.originalName.startsWith('classifier.fc/')) {
        return { kind: 'keep', reason: 'fresh classifier head (skipClassifier)' };
      }
      return undefined;
    },
    ignore: (key) => (options.skipClassifier && key.startsWith('classifier.fc.') ? 'classifier head skipped (skipClassifier)' : undefined),
  });
}
