// SPDX-License-Identifier: MIT
// What a converted model's preprocess.json says: the published weights' preprocessing when the converted
// architecture is the published one, timm's defaults for custom sizes, and anything the --config file sets
// with timm's pretrained_cfg names (mean, std, crop_pct, interpolation) or a label list.
import { getPretrainedConfig, INTERPOLATIONS, isModelName, labelNames } from '@natzoo/models';
import type { LayersModel } from '@tensorflow/tfjs';
import type { ModelName, ModelPreprocess, PretrainedTag } from '@natzoo/models';
import { ArgumentError } from '@natzoo/core';

/** timm's defaults (`IMAGENET_DEFAULT_MEAN/STD`, `DEFAULT_CROP_PCT`), for architectures without published weights. */
const TIMM_DEFAULTS = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], cropPct: 0.875, interpolation: 'bicubic', labels: 'unknown' };

/** Config keys that describe preprocessing rather than architecture; they never reach createModel. */
const PREPROCESS_KEYS = ['mean', 'std', 'crop_pct', 'cropPct', 'interpolation', 'labels', 'class_names'] as const;

export interface SplitConfig {
  architecture: Record<string, unknown>;
  preprocess: Partial<Pick<ModelPreprocess, 'mean' | 'std' | 'cropPct' | 'interpolation' | 'labels'>>;
}

function rgb(where: string, value: unknown, positive: boolean): [number, number, number] {
  const ok = Array.isArray(value) && value.length === 3 && value.every((v) => typeof v === 'number' && Number.isFinite(v) && (!positive || v > 0));
  if (!ok) throw new ArgumentError(where, undefined, `expected three ${positive ? 'positive ' : ''}numbers; got ${JSON.stringify(value)}`);
  return value as [number, number, number];
}

/** Separates preprocessing keys (validated) from the architecture arguments of a --config object. */
export function splitConfig(config: Readonly<Record<string, unknown>> = {}): SplitConfig {
  const architecture: Record<string, unknown> = {};
  const preprocess: SplitConfig['preprocess'] = {};
  for (const [key, value] of Object.entries(config)) {
    if (!(PREPROCESS_KEYS as readonly string[]).includes(key)) {
      architecture[key] = value;
      continue;
    }
    const where = `config.${key}`;
    if (key === 'mean') preprocess.mean = rgb(where, value, false);
    else if (key === 'std') preprocess.std = rgb(where, value, true);
    else if (key === 'crop_pct' || key === 'cropPct') {
      if (typeof value !== 'number' || !(value > 0 && value <= 1)) throw new ArgumentError(where, undefined, `expected a number in (0, 1]; got ${JSON.stringify(value)}`);
      preprocess.cropPct = value;
    } else if (key === 'interpolation') {
      if (typeof value !== 'string' || !INTERPOLATIONS.includes(value)) {
        throw new ArgumentError(where, undefined, `expected one of ${INTERPOLATIONS.join(', ')}; got ${JSON.stringify(value)}`);
      }
      preprocess.interpolation = value;
    } else {
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new ArgumentError(where, undefined, `expected an array of class names`);
      preprocess.labels = value as string[];
    }
  }
  return { architecture, preprocess };
}

/** The model's `[channels, height, width]`, from its (NHWC) input. */
export function modelInputSize(model: LayersModel): [number, number, number] {
  const [, height, width, channels] = model.inputs[0]!.shape;
  return [channels!, height!, width!];
}

/**
 * preprocess.json for `model` built from `name`. The published preprocessing applies only when the model still
 * takes the published input size (a --config that changes img_size makes it a different model).
 */
export function preprocessFor(
  name: string,
  model: LayersModel,
  overrides: SplitConfig['preprocess'],
  labels?: readonly string[],
): Omit<ModelPreprocess, 'source'> {
  const inputSize = modelInputSize(model);
  const numClasses = model.outputs[0]!.shape[1]!;
  let base = TIMM_DEFAULTS;
  if (isModelName(name)) {
    try {
      const cfg = getPretrainedConfig(name as ModelName | PretrainedTag);
      if (cfg.inputSize.every((v, i) => v === inputSize[i])) base = { ...cfg, mean: [...cfg.mean], std: [...cfg.std] };
    } catch {
      // No published weights for this architecture: timm's defaults.
    }
  }
  const names = labels ?? overrides.labels ?? labelNames(base.labels, numClasses);
  if (names.length !== numClasses) {
    throw new Error(`labels: ${names.length} class names for a model with ${numClasses} outputs`);
  }
  return {
    model: name,
    inputSize,
    mean: overrides.mean ?? (base.mean as [number, number, number]),
    std: overrides.std ?? (base.std as [number, number, number]),
    cropPct: overrides.cropPct ?? base.cropPct,
    interpolation: overrides.interpolation ?? base.interpolation,
    labels: [...names],
  };
}
