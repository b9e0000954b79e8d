// SPDX-License-Identifier: MIT
// PyTorch checkpoint -> natzoo model directory: read the state_dict (data-only), build the registered
// architecture, port every key (an unexplained one is an error), save model.json + weights + preprocess.json.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { applyStateDict, createModel, getModelFamily, isHFNatStateDict, isModelName, loadNATStateDict, renameHFNatStateDict, WeightPortError } from '@natzoo/models';
import type { LayersModel } from '@tensorflow/tfjs';
import type { ModelName, PretrainedTag, StateDictLike, WeightPortReport } from '@natzoo/models';
import { loadCheckpoint } from '../checkpoint/state_dict.js';
import { applyInputSize } from './input_size.js';
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
  /** Side of the (square) input the model is built for; see input_size.ts for the --config spellings. */
  inputSize?: number;
  /** Take the EMA weights of a training checkpoint (`state_dict_ema`, `model_ema`, ...) instead of `state_dict`. */
  ema?: boolean;
  /** Dotted path of the entry holding the weights, when automatic detection does not find it. */
  key?: string;
  /** NAT family: resize rpb tables of another kernel size bicubically instead of refusing them. */
  resizeRpb?: boolean;
}

/** The port report plus where in the file the weights came from and how they were named. */
export interface ConvertReport extends WeightPortReport {
  /** Entry the weights came from (`state_dict`, `state_dict_ema`, `model`, ...), null for a bare state_dict. */
  weightsKey: string | null;
  /** Prefix removed from every key (DataParallel's `module.`), or null. */
  strippedPrefix: string | null;
  /** `upstream` (the SHI-Labs repositories' names) or `transformers` (HuggingFace NatFor/DinatForImageClassification). */
  naming: 'upstream' | 'transformers';
}

const NAT_FAMILIES = new Set(['nat', 'dinat', 'dinat_s', 'isotropic']);

/** loadNATStateDict, with a pointer to --resize-rpb when rpb tables of another kernel size are all that is wrong. */
async function loadNAT(model: LayersModel, stateDict: StateDictLike, resizeRpb: boolean): Promise<WeightPortReport> {
  try {
    return await loadNATStateDict(model, stateDict, { resizeRpb });
  } catch (error) {
    const r = error instanceof WeightPortError ? error.report : undefined;
    const onlyRpb = r !== undefined && r.shapeMismatch.length > 0 && r.shapeMismatch.every((m) => m.key.endsWith('.rpb')) && r.missing.length === 0 && r.unused.length === 0;
    if (!resizeRpb && onlyRpb) {
      throw new WeightPortError(`${(error as Error).message}\n  the rpb tables were made for another kernel size; pass --resize-rpb to resize them bicubically`, r);
    }
    throw error;
  }
}

/** The family's loader, with the NAT family's options; HF names are renamed to upstream ones first. */
async function port(name: ModelName | PretrainedTag, model: LayersModel, stateDict: StateDictLike, opts: ConvertOptions): Promise<[WeightPortReport, ConvertReport['naming']]> {
  const family = getModelFamily(name);
  const isNAT = NAT_FAMILIES.has(family);
  if (opts.resizeRpb && !isNAT) throw new Error(`--resize-rpb: applies to NAT-family models; ${opts.model} is a ${family} model`);
  if (isHFNatStateDict(stateDict)) {
    if (family !== 'nat' && family !== 'dinat') {
      throw new Error(`${opts.checkpoint}: transformers (HuggingFace) NAT/DiNAT key names, but --model ${opts.model} is a ${family} model; use a nat_* or dinat_* model`);
    }
    const renamed = renameHFNatStateDict(stateDict);
    if (renamed.unknown.length > 0) {
      throw new Error(`${opts.checkpoint}: transformers NAT/DiNAT keys with no upstream counterpart: ${renamed.unknown.slice(0, 10).join(', ')}${renamed.unknown.length > 10 ? ', ...' : ''}`);
    }
    return [await loadNAT(model, renamed.stateDict, opts.resizeRpb === true), 'transformers'];
  }
  if (isNAT) return [await loadNAT(model, stateDict, opts.resizeRpb === true), 'upstream'];
  return [await applyStateDict(name, model, stateDict), 'upstream'];
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function convertCheckpoint(opts: ConvertOptions): Promise<ConvertReport> {
  // StyleNAT generators are not registry classifiers: their own converter and directory format.
  if (isStyleNATModelName(opts.model)) return { ...(await convertStyleNATCheckpoint(opts)), weightsKey: null, strippedPrefix: null, naming: 'upstream' };
  if (opts.numClasses !== undefined && !(Number.isSafeInteger(opts.numClasses) && opts.numClasses > 0)) {
    throw new Error(`--num-classes ${opts.numClasses}: expected a positive integer`);
  }
  // createModel throws for unknown names with the close matches; checking first keeps --out untouched.
  const name = opts.model as ModelName | PretrainedTag;
  if (!isModelName(opts.model)) createModel(name);
  const split = splitConfig(opts.config);
  const architecture = applyInputSize(split.architecture, opts.inputSize);
  const { preprocess } = split;
  if (opts.numClasses !== undefined) architecture.numClasses = opts.numClasses;
  // The tag's own head size unless overridden; kwargs may spell it num_classes, which the family translates.
  const model = createModel(name, architecture as never);
  try {
    const loaded = await loadCheckpoint(opts.checkpoint, { ema: opts.ema, key: opts.key });
    const [report, naming] = await port(name, model, loaded.stateDict, opts);
    const source = { checkpoint: basename(opts.checkpoint), sha256: await sha256(opts.checkpoint), ...(opts.sourceUrl ? { url: opts.sourceUrl } : {}) };
    await saveModelDir(model, opts.out, { ...preprocessFor(opts.model, model, preprocess, opts.labels), source }, opts.overwrite);
    return { ...report, weightsKey: loaded.weightsKey, strippedPrefix: loaded.strippedPrefix, naming };
  } finally {
    model.dispose();
  }
}
