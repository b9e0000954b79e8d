// SPDX-License-Identifier: MIT
// PyTorch checkpoint -> natzoo model directory: read the state_dict (data-only), build the registered
// architecture, port every key (an unexplained one is an error), save model.json + weights + preprocess.json.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { applyStateDict, createModel, isModelName } from '@natzoo/models';
import type { ModelName, PretrainedTag, WeightPortReport } from '@natzoo/models';
import { loadCheckpoint } from '../checkpoint/state_dict.js';
import { convertStyleNATCheckpoint, isStyleNATModelName } from '../gan/convert_stylenat.js';
import { saveModelDir } from './model_dir.js';
import { preprocessFor, splitConfig } from './preprocess_config.js';

export interface ConvertOptions {
  /** A local `.pth` / `.pth.tar` / `.pt` / `.safetensors` file (download URLs first: `downloadToCache`). */
  checkpoint: string;
  /** A registered name or `arch.tag`, e.g. `cct_2_3x2_32.cifar10`. */
  model: string;
  out: string;
  numClasses?: number;
  /**
   * Architecture arguments with the upstream constructor's names (`embedding_dim`, `num_layers`, ...) or ours;
   * timm pretrained_cfg keys (`mean`, `std`, `crop_pct`, `interpolation`, `labels`) go to preprocess.json.
   */
  config?: Record<string, unknown>;
  /** Class names in label order (default: the pretrained tag's label set, else `class_<i>`). */
  labels?: readonly string[];
  /** Where the checkpoint was downloaded from, recorded in preprocess.json. */
  sourceUrl?: string;
  overwrite?: boolean;
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function convertCheckpoint(opts: ConvertOptions): Promise<WeightPortReport> {
  // StyleNAT generators are not registry classifiers: their own converter and directory format.
  if (isStyleNATModelName(opts.model)) return convertStyleNATCheckpoint(opts);
  if (opts.numClasses !== undefined && !(Number.isSafeInteger(opts.numClasses) && opts.numClasses > 0)) {
    throw new Error(`--num-classes ${opts.numClasses}: expected a positive integer`);
  }
  // createModel throws for unknown names with the close matches; checking first keeps --out untouched.
  const name = opts.model as ModelName | PretrainedTag;
  if (!isModelName(opts.model)) createModel(name);
  const { architecture, preprocess } = splitConfig(opts.config);
  if (opts.numClasses !== undefined) architecture.numClasses = opts.numClasses;
  // The tag's own head size unless overridden; kwargs may spell it num_classes, which the family translates.
  const model = createModel(name, architecture as never);
  try {
    const { stateDict } = await loadCheckpoint(opts.checkpoint);
    const report = await applyStateDict(name, model, stateDict);
    const source = { checkpoint: basename(opts.checkpoint), sha256: await sha256(opts.checkpoint), ...(opts.sourceUrl ? { url: opts.sourceUrl } : {}) };
    await saveModelDir(model, opts.out, { ...preprocessFor(opts.model, model, preprocess, opts.labels), source }, opts.overwrite);
    return report;
  } finally {
    model.dispose();
  }
}
