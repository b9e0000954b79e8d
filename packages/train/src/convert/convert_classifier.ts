// SPDX-License-Identifier: MIT
// A classifier checkpoint -> a built tfjs LayersModel: read the state_dict (data-only), build the registered
// architecture, port every key (an unexplained one is an error) and describe its preprocessing. Nothing here
// touches the file system: convert_checkpoint.ts writes the result as a model directory.
import { applyStateDict, createModel, getModelFamily, isHFNatStateDict, isModelName, loadNATStateDict, renameHFNatStateDict, WeightPortError } from '@natzoo/models';
import type { LayersModel } from '@tensorflow/tfjs';
import type { ModelName, PretrainedTag, StateDictLike, WeightPortReport } from '@natzoo/models';
import { loadCheckpoint } from '../checkpoint/state_dict.js';
import { applyInputSize } from './input_size.js';
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

/** The family's loader, with the NAT family's options; HF names are renamed to upstream ones first. */
async function port(name: ModelName | PretrainedTag, model: LayersModel, stateDict: StateDictLike, source: string, opts: ConvertModelOptions): Promise<[WeightPortReport, ConvertReport['naming']]> {
  const family = getModelFamily(name);
  const isNAT = NAT_FAMILIES.has(family);
  if (opts.resizeRpb && !isNAT) throw new ArgumentError('resizeRpb', true, `applies to NAT-family models; ${opts.model} is a ${family} model`);
  if (isHFNatStateDict(stateDict)) {
    if (family !== 'nat' && family !== 'dinat') {
      throw new Error(`${source}: transformers (HuggingFace) NAT/DiNAT key names, but --model ${opts.model} is a ${family} model; use a nat_* or dinat_* model`);
    }
    const renamed = renameHFNatStateDict(stateDict);
    if (renamed.unknown.length > 0) {
      throw new Error(`${source}: transformers NAT/DiNAT keys with no upstream counterpart: ${renamed.unknown.slice(0, 10).join(', ')}${renamed.unknown.length > 10 ? ', ...' : ''}`);
    }
    return [await loadNAT(model, renamed.stateDict, opts.resizeRpb === true), 'transformers'];
  }
  if (isNAT) return [await loadNAT(model, stateDict, opts.resizeRpb === true), 'upstream'];
  return [await applyStateDict(name, model, stateDict), 'upstream'];
}

/** Builds `opts.model` and fills it from `input`; the options are checked before anything is read. */
export async function convertClassifier(input: ConvertInput, opts: ConvertModelOptions): Promise<ConvertedClassifier> {
  if (opts.numClasses !== undefined && !(Number.isSafeInteger(opts.numClasses) && opts.numClasses > 0)) {
    throw new ArgumentError('numClasses', opts.numClasses, `expected a positive integer`);
  }
  // createModel throws for unknown names with the close matches.
  const name = opts.model as ModelName | PretrainedTag;
  if (!isModelName(opts.model)) createModel(name);
  const split = splitConfig(opts.config);
  const architecture = applyInputSize(split.architecture, opts.inputSize);
  if (opts.numClasses !== undefined) architecture.numClasses = opts.numClasses;
  // The tag's own head size unless overridden; kwargs may spell it num_classes, which the family translates.
  const model = createModel(name, architecture as never);
  try {
    const loaded = isByteSource(input)
      ? await loadCheckpoint(input, { ema: opts.ema, key: opts.key })
      : { stateDict: input, weightsKey: null, strippedPrefix: null };
    const [report, naming] = await port(name, model, loaded.stateDict, inputName(input), opts);
    const preprocess = preprocessFor(opts.model, model, split.preprocess, opts.labels);
    return { model, preprocess, report: { ...report, weightsKey: loaded.weightsKey, strippedPrefix: loaded.strippedPrefix, naming } };
  } catch (error) {
    model.dispose();
    throw error;
  }
}
