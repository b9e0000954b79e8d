// SPDX-License-Identifier: MIT
// PyTorch checkpoint -> natzoo model directory: read the state_dict (data-only), build the registered
// architecture, port every key (an unexplained one is an error), save model.json + weights + preprocess.json.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { applyStateDict, createModel, getPretrainedConfig, isModelName, listModels } from '@natzoo/models';
import type { LayersModel } from '@tensorflow/tfjs';
import type { ModelName, PretrainedTag, WeightPortReport } from '@natzoo/models';
import { loadCheckpoint } from '../checkpoint/state_dict.js';
import { labelNames } from '../preprocess/labels.js';
import { saveModelDir } from './model_dir.js';

export interface ConvertOptions {
  checkpoint: string;
  /** A registered name or `arch.tag`, e.g. `cct_2_3x2_32.cifar10`. */
  model: string;
  out: string;
  numClasses?: number;
  /** Architecture arguments, upstream names (`embedding_dim`, `num_layers`, ...) or ours. */
  config?: Record<string, unknown>;
  overwrite?: boolean;
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** timm's defaults, for architectures without published weights (custom sizes converted with --config). */
const TIMM_DEFAULTS = {
  mean: [0.485, 0.456, 0.406] as const,
  std: [0.229, 0.224, 0.225] as const,
  cropPct: 0.875,
  interpolation: 'bicubic',
  labels: 'unknown',
};

function preprocessingFor(name: ModelName | PretrainedTag, model: LayersModel) {
  const [, height, width, channels] = model.inputs[0]!.shape as number[];
  const inputSize = [channels!, height!, width!] as const;
  // Published weights carry their own preprocessing; anything else gets timm's defaults at the model's size.
  const published = listModels(`${name.split('.')[0]}.*`, { pretrained: true }).length > 0;
  return published ? getPretrainedConfig(name) : { ...TIMM_DEFAULTS, inputSize };
}

export async function convertCheckpoint(opts: ConvertOptions): Promise<WeightPortReport> {
  // createModel throws for unknown names with the close matches; checking first keeps --out untouched.
  const name = opts.model as ModelName | PretrainedTag;
  if (!isModelName(opts.model)) createModel(name);
  const overrides: Record<string, unknown> = { ...opts.config };
  if (opts.numClasses !== undefined) overrides.numClasses = opts.numClasses;
  const model = createModel(name, overrides as never);
  try {
    const { stateDict } = await loadCheckpoint(opts.checkpoint);
    const report = await applyStateDict(name, model, stateDict);
    const cfg = preprocessingFor(name, model);
    const numClasses = model.outputs[0]!.shape[1] as number;
    await saveModelDir(
      model,
      opts.out,
      {
        model: opts.model,
        inputSize: [...cfg.inputSize],
        mean: [...cfg.mean],
        std: [...cfg.std],
        cropPct: cfg.cropPct,
        interpolation: cfg.interpolation,
        labels: labelNames(cfg.labels, numClasses),
        source: { checkpoint: opts.checkpoint.split(/[\\/]/).pop()!, sha256: await sha256(opts.checkpoint) },
      },
      opts.overwrite,
    );
    return report;
  } finally {
    model.dispose();
  }
}
