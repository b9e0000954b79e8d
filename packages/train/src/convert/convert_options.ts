// SPDX-License-Identifier: MIT
// What a conversion takes and what it reports, shared by every family (classifiers and StyleNAT) and by the
// browser-safe conversion (convert_model.ts) and the Node one that writes a directory (convert_checkpoint.ts).
import type { WeightPortReport } from '@natzoo/models';
import type { ReadBudget } from '../checkpoint/read_budget.js';
import type { ConfigInference } from './infer/infer_config.js';

export interface ConvertModelOptions {
  /** A registered name, `arch.tag` (e.g. `cct_2_3x2_32.cifar10`) or family name (`dinat`: the variant that fits); StyleNAT: `stylenat_ffhq256`, `stylenat_ffhq1024`, `stylenat`. */
  model: string;
  numClasses?: number;
  /**
   * Architecture arguments with the upstream constructor's names (`embedding_dim`, `num_layers`, ...) or ours;
   * timm pretrained_cfg keys (`mean`, `std`, `crop_pct`, `interpolation`, `labels`) go to the preprocess
   * description. StyleNAT: generator options, and the discriminator's under `discriminator`.
   */
  config?: Record<string, unknown>;
  /** Class names in label order (default: the pretrained tag's label set, else `class_<i>`). */
  labels?: readonly string[];
  /** Side of the (square) input the model is built for; see input_size.ts for the config spellings. */
  inputSize?: number;
  /** Take the EMA weights of a training checkpoint (`state_dict_ema`, `model_ema`, ...) instead of `state_dict`. */
  ema?: boolean;
  /** Dotted path of the entry holding the weights, when automatic detection does not find it. */
  key?: string;
  /** NAT family: resize rpb tables of another kernel size bicubically instead of refusing them. */
  resizeRpb?: boolean;
  /** Raises the checkpoint reader's limits (DEFAULT_READ_BUDGET) for a trusted file that needs more. */
  budget?: Partial<ReadBudget>;
}

/** The port report plus where in the file the weights came from and how they were named. */
export interface ConvertReport extends WeightPortReport {
  /** Entry the weights came from (`state_dict`, `state_dict_ema`, `model`, ...), null for a bare state_dict. */
  weightsKey: string | null;
  /** Prefix removed from every key (DataParallel's `module.`), or null. */
  strippedPrefix: string | null;
  /** `upstream` (the SHI-Labs repositories' names) or `transformers` (HuggingFace NatFor/DinatForImageClassification). */
  naming: 'upstream' | 'transformers';
  /** Classifiers: the architecture arguments read from the weights, and those taken from a registered variant. */
  inference?: Omit<ConfigInference, 'overrides' | 'asked'>;
}

/** Which checkpoint a model was converted from: its name, and the sha256 of its bytes. */
export interface CheckpointProvenance {
  checkpoint: string;
  sha256: string;
  url?: string;
  /** The server's ETag of a downloaded file, when it differs from the sha256 (see weights_version.ts). */
  etag?: string;
}
