// SPDX-License-Identifier: MIT
// What a model family gives the registry: its variant table, how overrides become config fields, and how a
// config becomes a model. A new family is one `defineFamily` call in its folder plus one line in registry.ts.
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { StateDictLike, WeightPortReport } from './convert/port_weights.js';
import type { PretrainedCfg, VariantSpec } from './pretrained.js';

export interface ModelFamily<Config, Variants extends Readonly<Record<string, VariantSpec<Config>>>, Overrides> {
  /** Short family name (`cct`, `nat`, ...). */
  readonly family: string;
  /** The typed variant table (`as const satisfies Record<string, VariantSpec<Config>>`). */
  readonly variants: Variants;
  /**
   * Turns overrides into config fields. `Overrides` is what users may pass: our camelCase fields and, where a
   * family accepts them, the upstream constructor's kwargs. Unknown keys must throw.
   */
  readonly translate: (where: string, overrides: Overrides) => Partial<Config>;
  /** Config fields implied by a pretrained tag (head size, input size). */
  readonly fromPretrained: (cfg: PretrainedCfg) => Partial<Config>;
  /** Builds the model; `name` becomes the model's name and prefixes errors. */
  readonly build: (config: Config, name: string) => LayersModel;
  /** Loads an upstream (PyTorch-named) state_dict into a model of this family. */
  readonly applyStateDict?: (model: LayersModel, stateDict: StateDictLike) => Promise<WeightPortReport>;
}

/** Identity helper that keeps the variant table's literal type (so model names are a key union). */
export function defineFamily<Config, Variants extends Readonly<Record<string, VariantSpec<Config>>>, Overrides>(
  family: ModelFamily<Config, Variants, Overrides>,
): ModelFamily<Config, Variants, Overrides> {
  return family;
}
