// SPDX-License-Identifier: MIT
// convertModel: the one conversion dispatcher, browser-safe. A checkpoint (any byte source: a buffer, a File, a
// ranged URL, a file in Node) or a state_dict in memory -> built tfjs model(s), the preprocess description and
// the port report, for every registered family and StyleNAT alike. Writing a directory is the Node side's job.
import type { LayersModel } from '@tensorflow/tfjs';
import type { StyleNATModules } from '@natzoo/models/advanced';
import { convertStyleNAT, isStyleNATModelName } from '../gan/convert_stylenat.js';
import { sha256Hex } from '../io/sha256.js';
import { convertClassifier } from './convert_classifier.js';
import { isByteSource, type ConvertInput } from './convert_input.js';
import type { CheckpointProvenance, ConvertModelOptions, ConvertReport } from './convert_options.js';
import type { ModelPreprocess } from '@natzoo/models';

export interface ConvertOptionsForInput extends ConvertModelOptions {
  /** Record the sha256 of the checkpoint bytes in `source` (reads the whole source once more); default true. */
  hash?: boolean;
}

interface ConvertedBase {
  report: ConvertReport;
  /** The checkpoint the weights came from; absent for a state_dict in memory. */
  source?: CheckpointProvenance;
}

/** A classifier (every registry family): the model and its preprocess.json contents. */
export interface ConvertedClassifierModel extends ConvertedBase {
  kind: 'classifier';
  model: LayersModel;
  preprocess: ModelPreprocess;
}

/** A StyleNAT generator (g_ema), with g and d when the checkpoint holds them. */
export interface ConvertedStyleNATModel extends ConvertedBase {
  kind: 'stylenat';
  modules: StyleNATModules;
}

export type ConvertedModel = ConvertedClassifierModel | ConvertedStyleNATModel;

/** The last path segment of a file path or URL (what provenance records as the checkpoint's name). */
function baseName(name: string): string {
  const path = /^[a-z][a-z0-9+.-]*:\/\//i.test(name) ? name.replace(/[?#].*$/, '') : name;
  return path.split(/[/\\]/).filter((part) => part !== '').pop() ?? name;
}

/** Disposes the model(s) a conversion built. */
export function disposeConverted(converted: ConvertedModel): void {
  if (converted.kind === 'classifier') converted.model.dispose();
  else for (const module of [converted.modules.g_ema, converted.modules.g, converted.modules.d]) module?.dispose();
}

/** The family's converter; one report shape for all (StyleNAT has no wrapper key, prefix or naming variant). */
async function convertFamily(input: ConvertInput, opts: ConvertModelOptions): Promise<ConvertedModel> {
  if (isStyleNATModelName(opts.model)) {
    const { modules, report } = await convertStyleNAT(input, opts);
    return { kind: 'stylenat', modules, report: { ...report, weightsKey: null, strippedPrefix: null, naming: 'upstream' } };
  }
  const { model, preprocess, report } = await convertClassifier(input, opts);
  return { kind: 'classifier', model, preprocess, report };
}

/** Converts `input` to the model `opts.model` names; the caller owns (and disposes) what it returns. */
export async function convertModel(input: ConvertInput, opts: ConvertOptionsForInput): Promise<ConvertedModel> {
  const converted = await convertFamily(input, opts);
  if (!isByteSource(input) || opts.hash === false) return converted;
  let source: CheckpointProvenance;
  try {
    source = { checkpoint: baseName(input.name), sha256: await sha256Hex(input) };
  } catch (error) {
    disposeConverted(converted);
    throw error;
  }
  return converted.kind === 'classifier' ? { ...converted, source, preprocess: { ...converted.preprocess, source } } : { ...converted, source };
}
