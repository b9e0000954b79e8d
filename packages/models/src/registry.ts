// SPDX-License-Identifier: MIT
// The model registry: `createModel(name, overrides)`, `listModels(filter)`, `getPretrainedConfig('arch.tag')`.
// Names are the union of every family's variant keys, so a typo fails to compile; at run time an unknown name
// throws with the closest matches. Adding a family is one line in FAMILIES.
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { cctFamily, cvtFamily, vitLiteFamily } from './cct/index.js';
import { convmlpFamily } from './convmlp/index.js';
import { dinatFamily, dinatSFamily, isotropicFamily, natFamily } from './nat/index.js';
import type { StateDictLike, WeightPortReport } from './convert/port_weights.js';
import { fail } from './errors.js';
import type { ModelFamily } from './family.js';
import { didYouMean } from './names.js';
import type { PretrainedCfg, VariantSpec } from './pretrained.js';

const FAMILIES = {
  cct: cctFamily,
  cvt: cvtFamily,
  vit_lite: vitLiteFamily,
  nat: natFamily,
  dinat: dinatFamily,
  dinat_s: dinatSFamily,
  isotropic: isotropicFamily,
  convmlp: convmlpFamily,
} as const;

// === Types ===

type Families = typeof FAMILIES;
export type FamilyName = keyof Families;
type VariantsOf<F> = F extends { readonly variants: infer V } ? V : never;
type OverridesOf<F> = F extends { readonly translate: (where: string, overrides: infer O) => unknown } ? O : never;

/** Every registered architecture name (`cct_7_3x1_32`, ...). */
export type ModelName = { [F in FamilyName]: keyof VariantsOf<Families[F]> & string }[FamilyName];

type TagsOf<V> = {
  [N in keyof V & string]: V[N] extends { pretrained: infer P } ? `${N}.${keyof P & string}` : never;
}[keyof V & string];

/** Every `arch.tag` with pretrained weights (`cct_7_3x1_32.cifar10`, ...). */
export type PretrainedTag = { [F in FamilyName]: TagsOf<VariantsOf<Families[F]>> }[FamilyName];

type ArchOf<N extends string> = N extends `${infer A}.${string}` ? A : N;
type FamilyOfModel<N extends string> = N extends string
  ? { [F in FamilyName]: ArchOf<N> extends keyof VariantsOf<Families[F]> ? Families[F] : never }[FamilyName]
  : never;

/** What `createModel(name, ...)` accepts as overrides for that name's family. */
export type ModelOverrides<N extends ModelName | PretrainedTag> = OverridesOf<FamilyOfModel<N>>;

/** A pretrained configuration with the names it was looked up by. */
export interface ResolvedPretrainedCfg extends PretrainedCfg {
  /** `arch.tag` */
  name: string;
  architecture: ModelName;
  tag: string;
}

// === Lookup ===

type AnyFamily = ModelFamily<unknown, Readonly<Record<string, VariantSpec<unknown>>>, Record<string, unknown>>;

interface Entry {
  family: AnyFamily;
  familyName: FamilyName;
  spec: VariantSpec<unknown>;
}

const ENTRIES: ReadonlyMap<string, Entry> = (() => {
  const entries = new Map<string, Entry>();
  for (const [familyName, family] of Object.entries(FAMILIES) as [FamilyName, AnyFamily][]) {
    for (const [name, spec] of Object.entries(family.variants)) {
      const clash = entries.get(name);
      if (clash !== undefined) throw new Error(`model name ${name} is registered by both ${clash.familyName} and ${familyName}`);
      entries.set(name, { family, familyName, spec });
    }
  }
  return entries;
})();

function allTags(): string[] {
  return [...ENTRIES].flatMap(([name, entry]) => Object.keys(entry.spec.pretrained ?? {}).map((tag) => `${name}.${tag}`));
}

function lookup(where: string, name: string): { entry: Entry; arch: string; tag: string | null } {
  if (typeof name !== 'string') fail(where, `model name must be a string; got ${JSON.stringify(name)}`);
  const dot = name.indexOf('.');
  const arch = dot < 0 ? name : name.slice(0, dot);
  const tag = dot < 0 ? null : name.slice(dot + 1);
  const entry = ENTRIES.get(arch);
  if (entry === undefined) {
    const candidates = tag === null ? [...ENTRIES.keys()] : [...ENTRIES.keys(), ...allTags()];
    fail(where, `unknown model '${name}'.${didYouMean(name, candidates)} See listModels().`);
  }
  if (tag !== null && entry.spec.pretrained?.[tag] === undefined) {
    const tags = Object.keys(entry.spec.pretrained ?? {});
    fail(where, `${arch} has no pretrained tag '${tag}'; ${tags.length > 0 ? `its tags: ${tags.join(', ')}` : 'it has no pretrained weights'}`);
  }
  return { entry, arch, tag };
}

/** Whether `name` is a registered architecture or `arch.tag`. */
export function isModelName(name: string): name is ModelName | PretrainedTag {
  const dot = name.indexOf('.');
  const entry = ENTRIES.get(dot < 0 ? name : name.slice(0, dot));
  return entry !== undefined && (dot < 0 || entry.spec.pretrained?.[name.slice(dot + 1)] !== undefined);
}

// === Public API ===

/**
 * Builds a registered model with random weights. `name` is an architecture (`cct_7_3x1_32`) or `arch.tag`
 * (`cct_7_3x1_32.cifar10`: head and input size of those weights). `overrides` change config fields, with our
 * camelCase names or, for families ported from Python, the upstream constructor's kwargs
 * (`{embedding_dim: 64, n_conv_layers: 1}`). Load weights with `applyStateDict` or `tf.loadLayersModel`.
 */
export function createModel<N extends ModelName | PretrainedTag>(name: N, overrides?: ModelOverrides<N>): LayersModel {
  const { entry, arch, tag } = lookup('createModel', name);
  const cfg = tag === null ? {} : entry.family.fromPretrained(entry.spec.pretrained![tag]!);
  const translated = entry.family.translate(`createModel(${arch})`, (overrides ?? {}) as Record<string, unknown>);
  return entry.family.build({ ...(entry.spec.config as object), ...cfg, ...translated }, arch);
}

/** The variant's configuration (before overrides), e.g. to inspect or to build with a family builder. */
export function getModelConfig<N extends ModelName>(name: N): Readonly<Record<string, unknown>> {
  return lookup('getModelConfig', name).entry.spec.config as Readonly<Record<string, unknown>>;
}

/** The family a model belongs to (`cct`, `cvt`, `vit_lite`, ...). */
export function getModelFamily(name: ModelName | PretrainedTag): FamilyName {
  return lookup('getModelFamily', name).entry.familyName;
}

export interface ListModelsOptions {
  /** Only names with pretrained weights, listed as `arch.tag`. */
  pretrained?: boolean;
  /** Only this family. */
  family?: FamilyName;
}

/**
 * Registered names, sorted. `filter` is a glob (`'cct_7_*'`; `*` any run, `?` one character) or a RegExp,
 * matched against the whole name (`arch.tag` with `pretrained: true`).
 */
export function listModels(filter?: string | RegExp, options: ListModelsOptions = {}): string[] {
  let names = options.pretrained
    ? [...ENTRIES].filter(([, e]) => options.family === undefined || e.familyName === options.family).flatMap(
        ([name, e]) => Object.keys(e.spec.pretrained ?? {}).map((tag) => `${name}.${tag}`),
      )
    : [...ENTRIES].filter(([, e]) => options.family === undefined || e.familyName === options.family).map(([name]) => name);
  if (filter !== undefined) {
    const pattern =
      typeof filter === 'string'
        ? new RegExp(`^${filter.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`)
        : filter;
    names = names.filter((name) => pattern.test(name));
  }
  return names.sort();
}

/**
 * Where a model's weights come from and how to prepare its images. `arch.tag` selects a tag; a bare
 * architecture gives its first (default) tag. Throws for unknown names and for models without weights.
 */
export function getPretrainedConfig(name: PretrainedTag | ModelName): ResolvedPretrainedCfg {
  const { entry, arch, tag } = lookup('getPretrainedConfig', name);
  const tags = Object.keys(entry.spec.pretrained ?? {});
  const chosen = tag ?? tags[0];
  if (chosen === undefined) {
    fail('getPretrainedConfig', `${arch} has no pretrained weights. Models with weights: ${listModels(undefined, { pretrained: true }).join(', ')}`);
  }
  return { ...entry.spec.pretrained![chosen]!, name: `${arch}.${chosen}`, architecture: arch as ModelName, tag: chosen };
}

/**
 * Loads an upstream (PyTorch-named) state_dict into a model built from `name` with the family's rules, and
 * resolves to the report; rejects when anything is unexplained.
 */
export async function applyStateDict(name: ModelName | PretrainedTag, model: LayersModel, stateDict: StateDictLike): Promise<WeightPortReport> {
  const { entry, arch } = lookup('applyStateDict', name);
  if (entry.family.applyStateDict === undefined) fail('applyStateDict', `the ${entry.familyName} family (${arch}) has no state_dict loader`);
  return entry.family.applyStateDict(model, stateDict);
}
