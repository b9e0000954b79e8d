// SPDX-License-Identifier: MIT
// A released StyleNAT checkpoint (the "old" layout {g, g_ema, d, ...} or the newer {state_dicts: {g, g_ema, d}})
// -> built StyleNAT modules: g_ema (used for generation) and, when present, g and d (for fine-tuning). The legacy
// split-head layout (rpb0/rpb1) is detected from the keys unless the configuration says otherwise. Nothing here
// touches the file system: convert_checkpoint.ts writes the modules as a StyleNAT model directory.
import { loadStyleNATDiscriminatorStateDict, loadStyleNATGeneratorStateDict, STYLENAT_PRESETS, StyleNATDiscriminator, StyleNATGenerator } from '@natzoo/models';
import { resolveDiscriminatorConfig, resolveStyleNATConfig, STYLENAT_DISCRIMINATOR_FFHQ256 } from '@natzoo/models/advanced';
import type { StyleNATConfig, WeightPortReport } from '@natzoo/models';
import type { StateDictLike, StyleNATModules } from '@natzoo/models/advanced';
import { CheckpointError } from '../checkpoint/errors.js';
import { selectWeights } from '../checkpoint/state_dict.js';
import { readTorchCheckpoint, type TorchCheckpoint } from '../checkpoint/torch_checkpoint.js';
import { inputName, isByteSource, type ConvertInput } from '../convert/convert_input.js';
import type { ConvertModelOptions } from '../convert/convert_options.js';
import { ArgumentError } from '@natzoo/core';

/** `--model` names for StyleNAT: the FFHQ presets, or `stylenat` (FFHQ-256 settings changed through --config). */
export const STYLENAT_MODELS: Record<string, Readonly<StyleNATConfig>> = {
  stylenat: STYLENAT_PRESETS.ffhq256,
  stylenat_ffhq256: STYLENAT_PRESETS.ffhq256,
  stylenat_ffhq1024: STYLENAT_PRESETS.ffhq1024,
};

export function isStyleNATModelName(name: string): boolean {
  return Object.hasOwn(STYLENAT_MODELS, name);
}

/** The state_dict under `module` (old layout) or `state_dicts.<module>` (new layout); null when absent. */
function moduleStateDict(checkpoint: TorchCheckpoint | null, module: string): StateDictLike | null {
  if (checkpoint === null) return null;
  for (const key of [module, `state_dicts.${module}`]) {
    try {
      return selectWeights(checkpoint, { key }).stateDict;
    } catch (error) {
      if (!(error instanceof CheckpointError && /is not a dict of tensors/.test(error.problem))) throw error;
    }
  }
  return null;
}

function prefixed(module: string, report: WeightPortReport): WeightPortReport {
  const p = (s: string) => `${module}/${s}`;
  return {
    loaded: report.loaded.map(p),
    missing: report.missing.map(p),
    unused: report.unused.map(p),
    shapeMismatch: report.shapeMismatch.map((m) => ({ ...m, weight: p(m.weight), key: p(m.key) })),
    rejected: report.rejected.map((r) => ({ ...r, key: p(r.key) })),
    kept: report.kept.map((k) => ({ ...k, weight: p(k.weight) })),
    converted: report.converted.map((c) => ({ ...c, weight: p(c.weight), key: p(c.key) })),
    ignored: report.ignored.map((i) => ({ ...i, key: p(i.key) })),
  };
}

function merge(reports: WeightPortReport[]): WeightPortReport {
  const out: WeightPortReport = { loaded: [], missing: [], unused: [], shapeMismatch: [], rejected: [], kept: [], converted: [], ignored: [] };
  for (const r of reports) for (const k of Object.keys(out) as (keyof WeightPortReport)[]) (out[k] as unknown[]).push(...(r[k] as unknown[]));
  return out;
}

export interface ConvertedStyleNAT {
  /** g_ema, and g / d when the checkpoint holds them; the caller owns them (dispose them when done). */
  modules: StyleNATModules;
  report: WeightPortReport;
}

/**
 * Converts a StyleNAT checkpoint (or g_ema's state_dict already in memory). `config` takes generator options
 * (ours or upstream's `style_dim`, `kernels`, ..., `size`, `legacy`, `in_channels`) and, under `discriminator`,
 * the discriminator's (`size`, `sn`, `channels`, ...).
 */
export async function convertStyleNAT(input: ConvertInput, opts: ConvertModelOptions): Promise<ConvertedStyleNAT> {
  const base = STYLENAT_MODELS[opts.model];
  if (base === undefined) throw new ArgumentError('model', opts.model, `not a StyleNAT model (${Object.keys(STYLENAT_MODELS).join(', ')})`);
  if (opts.numClasses !== undefined) throw new ArgumentError('numClasses', opts.numClasses, 'StyleNAT generators have no classifier head');
  const { discriminator: dOverrides, ...gOverrides } = opts.config ?? {};
  const checkpoint = isByteSource(input) ? await readTorchCheckpoint(input, { budget: opts.budget }) : null;
  const gEmaDict = checkpoint === null ? (input as StateDictLike) : moduleStateDict(checkpoint, 'g_ema');
  if (gEmaDict === null) throw new Error(`${inputName(input)}: no g_ema state_dict (looked for 'g_ema' and 'state_dicts.g_ema')`);
  if (gOverrides.legacy === undefined) {
    const keys = [...gEmaDict.keys()];
    if (keys.some((k) => k.endsWith('.attn.rpb0'))) gOverrides.legacy = true;
    else if (keys.some((k) => /\.attn\.rpb\.\d+$/.test(k))) gOverrides.legacy = false;
  }
  const gConfig = resolveStyleNATConfig(`model ${opts.model}`, base, gOverrides);
  const dConfig = resolveDiscriminatorConfig('config.discriminator', { ...STYLENAT_DISCRIMINATOR_FFHQ256, size: gConfig.size }, (dOverrides ?? {}) as Record<string, unknown>);

  const modules: StyleNATModules = { g_ema: new StyleNATGenerator(gConfig) };
  try {
    const reports = [prefixed('g_ema', await loadStyleNATGeneratorStateDict(modules.g_ema, gEmaDict))];
    const gDict = moduleStateDict(checkpoint, 'g');
    if (gDict !== null) {
      modules.g = new StyleNATGenerator(gConfig);
      reports.push(prefixed('g', await loadStyleNATGeneratorStateDict(modules.g, gDict)));
    }
    const dDict = moduleStateDict(checkpoint, 'd');
    if (dDict !== null) {
      modules.d = new StyleNATDiscriminator(dConfig);
      reports.push(prefixed('d', await loadStyleNATDiscriminatorStateDict(modules.d, dDict)));
    }
    return { modules, report: merge(reports) };
  } catch (error) {
    modules.g_ema.dispose();
    modules.g?.dispose();
    modules.d?.dispose();
    throw error;
  }
}
