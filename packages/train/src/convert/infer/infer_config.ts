// SPDX-License-Identifier: MIT
// Config inference for conversion: the architecture arguments a state_dict determines, merged with what the
// caller's config sets (which wins) and, for arguments the weights cannot show, the value of the registered
// variant with the same structure. Anything still unknown is asked for by a ConfigInferenceError that lists
// what was read and the candidates.
import { getModelConfig, getModelFamily, getPretrainedConfig, isModelName, listModels } from '@natzoo/models';
import type { FamilyName, ModelName, PretrainedTag } from '@natzoo/models';
import type { StateDictLike } from '@natzoo/models/advanced';
import { readHierarchical, readIsotropic } from './read_nat.js';
import { readConvMLP, readTransformerClassifier } from './read_transformer.js';
import type { FamilyReading, InferredField, OpenField } from './reading.js';

export type { InferredField, OpenField } from './reading.js';

/** An argument the weights cannot show, taken from a registered variant with the same structure. */
export interface VariantField {
  kwarg: string;
  value: unknown;
  variant: string;
}

/** An argument still unknown: why, what a value looks like, and the variants that would supply one. */
export interface AskedField extends OpenField {
  /** `variant: value` for each registered variant of the family with a value for it. */
  candidates: string[];
}

export interface ConfigInference {
  /** The registered model the conversion builds on (the named one, or the family's closest variant). */
  base: ModelName | PretrainedTag;
  family: FamilyName;
  /** Read from the weights and used (fields the caller's config or flags set are left out). */
  inferred: InferredField[];
  fromVariant: VariantField[];
  asked: AskedField[];
  /** Upstream kwargs to build `base` with: the inferred and variant values, then the caller's config. */
  overrides: Record<string, unknown>;
}

/** The weights do not determine every argument the model needs, and nothing else supplied them. */
export class ConfigInferenceError extends Error {
  constructor(readonly inference: ConfigInference) {
    super(
      `${inference.base}: the weights do not show ${inference.asked.map((a) => a.kwarg).join(', ')}; ` +
        inference.asked
          .map((a) => `${a.kwarg} (${a.why}): set it in config as ${a.shape}${a.candidates.length > 0 ? `, or name a model with it (${a.candidates.join('; ')})` : ''}`)
          .join('. '),
    );
    this.name = 'ConfigInferenceError';
  }
}

const FAMILIES: readonly FamilyName[] = ['cct', 'cvt', 'vit_lite', 'nat', 'dinat', 'dinat_s', 'isotropic', 'convmlp'];

/** Whether `name` is a family name (`dinat`), which conversion accepts in place of a variant. */
export function isFamilyName(name: string): name is FamilyName {
  return (FAMILIES as readonly string[]).includes(name) && !isModelName(name);
}

async function readFamily(family: FamilyName, stateDict: StateDictLike, keepKernel: boolean): Promise<FamilyReading> {
  switch (family) {
    case 'nat':
    case 'dinat':
    case 'dinat_s':
      return readHierarchical(stateDict, family, { keepKernel });
    case 'isotropic':
      return readIsotropic(stateDict, { keepKernel });
    case 'convmlp':
      return readConvMLP(stateDict);
    default:
      return readTransformerClassifier(stateDict, family);
  }
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The variant's config, with a tag's head and input size. */
function variantConfig(name: ModelName | PretrainedTag): Record<string, unknown> {
  const arch = name.split('.')[0] as ModelName;
  const config = { ...getModelConfig(arch) };
  if (name.includes('.')) {
    const cfg = getPretrainedConfig(name);
    if (cfg.numClasses !== undefined) config.numClasses = cfg.numClasses;
    config.imgSize = cfg.inputSize[1];
  }
  return config;
}

const agrees = (config: Record<string, unknown>, field: InferredField) => same(field.fieldValue ?? field.value, field.field in config ? config[field.field] : field.unset);

export interface InferOptions {
  /** A registered name, `arch.tag`, or a family name (the variant that fits the weights best is used). */
  model: string;
  /** The caller's architecture arguments (upstream kwargs or our fields); they win over the weights. */
  config?: Readonly<Record<string, unknown>>;
  /** Whether the caller fixes the input size (a flag or a config key), which then wins over the weights. */
  inputSizeGiven?: boolean;
  numClassesGiven?: boolean;
  /** The rpb tables will be resized, so they do not give the kernel size. */
  resizeRpb?: boolean;
}

/** Reads `stateDict` for the family of `options.model`; throws ConfigInferenceError when arguments stay unknown. */
export async function inferConfig(stateDict: StateDictLike, options: InferOptions): Promise<ConfigInference> {
  const named = isFamilyName(options.model) ? null : (options.model as ModelName | PretrainedTag);
  const family = named === null ? (options.model as FamilyName) : getModelFamily(named);
  const reading = await readFamily(family, stateDict, options.resizeRpb !== true);
  const config = options.config ?? {};
  const set = (kwarg: string, field: string) =>
    kwarg in config || field in config || (field === 'imgSize' && options.inputSizeGiven === true) || (field === 'numClasses' && options.numClassesGiven === true);
  const inferred = reading.inferred.filter((f) => !set(f.kwarg, f.field));
  const variants = listModels(undefined, { family }) as ModelName[];
  // A family name builds on the variant that agrees with the most inferred fields (all of them: an exact fit).
  const base = named ?? variants.map((v) => [v, inferred.filter((f) => agrees(variantConfig(v), f)).length] as const).reduce((a, b) => (b[1] > a[1] ? b : a))[0];
  const fromVariant: VariantField[] = [];
  const asked: AskedField[] = [];
  for (const open of reading.open.filter((o) => !set(o.kwarg, o.field))) {
    const fits = (v: ModelName | PretrainedTag) => open.dependsOn.every((d) => inferred.filter((f) => f.field === d).every((f) => agrees(variantConfig(v), f)));
    const values = (named !== null ? [named] : variants).filter(fits).map((v) => [v, variantConfig(v)[open.field]] as const);
    const distinct = new Set(values.map(([, value]) => JSON.stringify(value ?? null)));
    if (values.length > 0 && distinct.size === 1) {
      fromVariant.push({ kwarg: open.kwarg, value: values[0]![1] ?? null, variant: values[0]![0] });
      continue;
    }
    // Variants with the same structure that disagree are the candidates; with none, only config can say.
    const candidates = values.filter(([, value]) => value !== undefined).map(([v, value]) => `${v}: ${JSON.stringify(value)}`);
    asked.push({ ...open, candidates });
  }
  const overrides: Record<string, unknown> = {};
  for (const f of inferred) overrides[f.kwarg] = f.value;
  for (const f of fromVariant) overrides[f.kwarg] = f.value;
  Object.assign(overrides, config);
  const inference: ConfigInference = { base, family, inferred, fromVariant, asked, overrides };
  if (asked.length > 0) throw new ConfigInferenceError(inference);
  return inference;
}
