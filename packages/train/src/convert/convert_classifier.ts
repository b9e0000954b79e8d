// SPDX-License-Identifier: MIT
// A classifier checkpoint -> a built tfjs LayersModel: read the state_dict (data-only), build the registered
// architecture, port every key (an unexplained one is an error) and describe its preprocessing. Nothing here
// touches the file system: convert_checkpoint.ts writes the result as a model directory.
import { applyStateDict, createModel, getModelFamily, isModelName, WeightPortError } from '@natzoo/models';
import { isHFNatStateDict, loadNATStateDict, renameHFNatStateDict } from '@natzoo/models/advanced';
import type { FamilyName } from '@natzoo/models';
import type { LayersModel } from '@tensorflow/tfjs';
import type { ModelName, PretrainedTag, WeightPortReport } from '@natzoo/models';
import type { StateDictLike } from '@natzoo/models/advanced';
import { loadCheckpoint } from '../checkpoint/state_dict.js';
import { applyInputSize, hasInputSize } from './input_size.js';
import { inferConfig, isFamilyName } from './infer/infer_config.js';
import { inputName, isByteSource, type ConvertInput } from './convert_input.js';
import type { ConvertModelOptions, ConvertReport } from './convert_options.js';
import type { ModelPreprocess } from '@natzoo/models';
import { preprocessFor, splitConfig } from './preprocess_config.js';
import { ArgumentError } from '@natzoo/core';

export interface ConvertedClassifier {
  /** The caller owns it (dispose it when done). */
  model: LayersModel;
  preprocess: Omit<ModelPreprocess, 'source'>;
  report: ConvertReport;
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

/** The state_dict under upstream names: transformers (HuggingFace) NAT/DiNAT names are renamed first. */
function upstreamNames(family: FamilyName, stateDict: StateDictLike, source: string, opts: ConvertModelOptions): [StateDictLike, ConvertReport['naming']] {
  if (!isHFNatStateDict(stateDict)) return [stateDict, 'upstream'];
  if (family !== 'nat' && family !== 'dinat') {
    throw new Error(`${source}: transformers (HuggingFace) NAT/DiNAT key names, but --model ${opts.model} is a ${family} model; use a nat_* or dinat_* model`);
  }
  const renamed = renameHFNatStateDict(stateDict);
  if (renamed.unknown.length > 0) {
    throw new Error(`${source}: transformers NAT/DiNAT keys with no upstream counterpart: ${renamed.unknown.slice(0, 10).join(', ')}${renamed.unknown.length > 10 ? ', ...' : ''}`);
  }
  return [renamed.stateDict, 'transformers'];
}

/** The family's loader, with the NAT family's options. */
async function port(name: ModelName | PretrainedTag, family: FamilyName, model: LayersModel, stateDict: StateDictLike, opts: ConvertModelOptions): Promise<WeightPortReport> {
  const isNAT = NAT_FAMILIES.has(family);
  if (opts.resizeRpb && !isNAT) throw new ArgumentError('resizeRpb', true, `applies to NAT-family models; ${opts.model} is a ${family} model`);
  return isNAT ? loadNAT(model, stateDict, opts.resizeRpb === true) : applyStateDict(name, model, stateDict);
}

/**
 * Builds `opts.model` (a registered name, `arch.tag` or family name) and fills it from `input`. Architecture
 * arguments the weights determine are read from them (inferConfig); `opts.config` wins over them.
 */
export async function convertClassifier(input: ConvertInput, opts: ConvertModelOptions): Promise<ConvertedClassifier> {
  if (opts.numClasses !== undefined && !(Number.isSafeInteger(opts.numClasses) && opts.numClasses > 0)) {
    throw new ArgumentError('numClasses', opts.numClasses, 'expected a positive integer');
  }
  // createModel throws for unknown names with the close matches.
  if (!isModelName(opts.model) && !isFamilyName(opts.model)) createModel(opts.model as ModelName);
  const family = isFamilyName(opts.model) ? opts.model : getModelFamily(opts.model as ModelName | PretrainedTag);
  if (opts.resizeRpb && !NAT_FAMILIES.has(family)) throw new ArgumentError('resizeRpb', true, `applies to NAT-family models; ${opts.model} is a ${family} model`);
  const split = splitConfig(opts.config);
  const loaded = isByteSource(input)
    ? await loadCheckpoint(input, { ema: opts.ema, key: opts.key, budget: opts.budget })
    : { stateDict: input, weightsKey: null, strippedPrefix: null };
  const [stateDict, naming] = upstreamNames(family, loaded.stateDict, inputName(input), opts);
  const inference = await inferConfig(stateDict, {
    model: opts.model,
    config: split.architecture,
    inputSizeGiven: opts.inputSize !== undefined || hasInputSize(split.architecture),
    numClassesGiven: opts.numClasses !== undefined,
    resizeRpb: opts.resizeRpb,
  });
  const architecture = applyInputSize(inference.overrides, opts.inputSize);
  if (opts.numClasses !== undefined) architecture.numClasses = opts.numClasses;
  const model = createModel(inference.base, architecture as never);
  try {
    const report = await port(inference.base, family, model, stateDict, opts);
    const preprocess = preprocessFor(inference.base, model, split.preprocess, opts.labels);
    const { overrides: _, asked: __, ...used } = inference;
    return { model, preprocess, report: { ...report, weightsKey: loaded.weightsKey, strippedPrefix: loaded.strippedPrefix, naming, inference: used } };
  } catch (error) {
    model.dispose();
    throw error;
  }
}
