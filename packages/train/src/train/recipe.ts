// SPDX-License-Identifier: MIT
// Training hyperparameters, named and defaulted as timm's train.py (the script behind the upstream CCT and
// NAT/DiNAT YAML configs), read from those YAML files as they are. Keys that only concern PyTorch's machinery
// (amp, workers, pin_mem, output paths, ...) are listed as ignored; an unknown key is an error naming it.
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { EraseMode } from '../augment/random_erasing.js';
import { ArgumentError } from '@natzoo/core';

export interface Recipe {
  epochs: number;
  cooldownEpochs: number;
  warmupEpochs: number;
  batchSize: number;
  lr: number;
  warmupLr: number;
  minLr: number;
  opt: 'adamw' | 'sgd' | 'momentum';
  optEps: number;
  optBetas: [number, number];
  momentum: number;
  weightDecay: number;
  clipGrad: number | null;
  clipMode: 'norm' | 'value';
  dropPath: number | null;
  drop: number | null;
  modelEma: boolean;
  modelEmaDecay: number;
  mixup: number;
  cutmix: number;
  mixupProb: number;
  mixupSwitchProb: number;
  smoothing: number;
  reprob: number;
  remode: EraseMode;
  recount: number;
  aa: string | null;
  scale: [number, number];
  ratio: [number, number];
  hflip: number;
  trainInterpolation: string;
  seed: number;
  /** From the config when present (CLI flags win): model name, classes, input size, normalisation. */
  model?: string;
  numClasses?: number;
  imgSize?: number;
  mean?: [number, number, number];
  std?: [number, number, number];
  cropPct?: number;
  interpolation?: string;
}

/** timm train.py's argparse defaults. */
export const TIMM_DEFAULTS: Recipe = {
  epochs: 300, cooldownEpochs: 10, warmupEpochs: 3, batchSize: 128, lr: 5e-4, warmupLr: 1e-6, minLr: 1e-5,
  opt: 'adamw', optEps: 1e-8, optBetas: [0.9, 0.999], momentum: 0.9, weightDecay: 0.05, clipGrad: null, clipMode: 'norm',
  dropPath: null, drop: null, modelEma: false, modelEmaDecay: 0.9998,
  mixup: 0, cutmix: 0, mixupProb: 1, mixupSwitchProb: 0.5, smoothing: 0.1, reprob: 0, remode: 'pixel', recount: 1,
  aa: null, scale: [0.08, 1], ratio: [3 / 4, 4 / 3], hflip: 0.5, trainInterpolation: 'random', seed: 42,
};

/** YAML key (timm's argparse dest) -> Recipe field. */
const KEYS: Record<string, keyof Recipe> = {
  epochs: 'epochs', cooldown_epochs: 'cooldownEpochs', warmup_epochs: 'warmupEpochs', batch_size: 'batchSize', b: 'batchSize',
  lr: 'lr', warmup_lr: 'warmupLr', min_lr: 'minLr', opt: 'opt', opt_eps: 'optEps', opt_betas: 'optBetas', momentum: 'momentum',
  weight_decay: 'weightDecay', clip_grad: 'clipGrad', clip_mode: 'clipMode', drop_path: 'dropPath', drop: 'drop',
  model_ema: 'modelEma', model_ema_decay: 'modelEmaDecay', mixup: 'mixup', cutmix: 'cutmix', mixup_prob: 'mixupProb',
  mixup_switch_prob: 'mixupSwitchProb', smoothing: 'smoothing', reprob: 'reprob', remode: 'remode', recount: 'recount',
  aa: 'aa', scale: 'scale', ratio: 'ratio', hflip: 'hflip', train_interpolation: 'trainInterpolation', seed: 'seed',
  model: 'model', num_classes: 'numClasses', img_size: 'imgSize', mean: 'mean', std: 'std', crop_pct: 'cropPct',
  interpolation: 'interpolation',
};

/** Keys of the upstream configs that have no meaning here (device, precision, I/O, logging, distributed). */
const IGNORED = new Set([
  'amp', 'apex_amp', 'native_amp', 'workers', 'pin_mem', 'output', 'experiment', 'log_interval', 'recovery_interval',
  'checkpoint_hist', 'eval_metric', 'channels_last', 'sync_bn', 'dist_bn', 'local_rank', 'no_prefetcher', 'tta',
  'save_images', 'log_wandb', 'torchscript', 'model_ema_force_cpu', 'split_bn', 'jsd', 'pretrained', 'initial_checkpoint',
  'resume', 'no_resume_opt', 'gp', 'dataset', 'train_split', 'val_split', 'sched', 'decay_epochs', 'decay_rate',
  'patience_epochs', 'lr_noise', 'lr_noise_pct', 'lr_noise_std', 'lr_cycle_mul', 'lr_cycle_limit', 'lr_k_decay',
  'start_epoch', 'validation_batch_size', 'vflip', 'color_jitter', 'mixup_mode', 'mixup_off_epoch', 'resplit',
  'input_size', 'bn_tf', 'bn_momentum', 'bn_eps', 'drop_connect', 'drop_block', 'aug_splits', 'aug_repeats', 'bce_loss',
  'data_dir', 'dataset_download', 'class_map', 'grad_checkpointing', 'fuser', 'layer_decay', 'epoch_repeats',
]);

/** Checks and converts one value to the type of `field`. */
function coerce(file: string, key: string, field: keyof Recipe, value: unknown): unknown {
  const fail = (expected: string): never => {
    throw new ArgumentError('config', file, `${key}: expected ${expected}; got ${JSON.stringify(value)}`);
  };
  const sample = TIMM_DEFAULTS[field];
  if (field === 'opt') {
    const name = String(value).toLowerCase();
    if (name !== 'adamw' && name !== 'sgd' && name !== 'momentum') fail("'adamw', 'sgd' or 'momentum'");
    return name;
  }
  if (field === 'remode') return value === 'pixel' || value === 'rand' || value === 'const' ? value : fail("'pixel', 'rand' or 'const'");
  if (field === 'clipMode') return value === 'norm' || value === 'value' ? value : fail("'norm' or 'value' (agc is not supported)");
  if (field === 'aa' || field === 'model' || field === 'trainInterpolation' || field === 'interpolation') {
    return value === null || value === 'None' ? null : typeof value === 'string' ? value : fail('a string');
  }
  if (field === 'modelEma') return typeof value === 'boolean' ? value : fail('true or false');
  if (field === 'mean' || field === 'std') {
    return Array.isArray(value) && value.length === 3 && value.every((v) => typeof v === 'number') ? value : fail('three numbers');
  }
  if (field === 'optBetas' || field === 'scale' || field === 'ratio') {
    return Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number') ? value : fail('two numbers');
  }
  if (value === null && (field === 'clipGrad' || field === 'dropPath' || field === 'drop')) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) fail('a number >= 0');
  if (typeof sample === 'number' && ['epochs', 'batchSize', 'recount', 'seed', 'numClasses', 'imgSize'].includes(field) && !Number.isInteger(value)) fail('an integer');
  return value;
}

/** Reads an upstream YAML config (or JSON) into a partial recipe; `file` names it in errors. */
export function recipeFromObject(file: string, data: unknown): Partial<Recipe> {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new ArgumentError('config', file, `expected a mapping of timm train.py options`);
  const out: Record<string, unknown> = {};
  const ignored: string[] = [];
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    const field = KEYS[key];
    if (field !== undefined) out[field] = coerce(file, key, field, value);
    else if (IGNORED.has(key)) ignored.push(key);
    else throw new ArgumentError('config', file, `unknown option '${key}' (known: ${Object.keys(KEYS).join(', ')})`);
  }
  if (ignored.length > 0) out.ignoredKeys = ignored;
  return out as Partial<Recipe>;
}

export async function readRecipeFile(path: string): Promise<Partial<Recipe> & { ignoredKeys?: string[] }> {
  const text = await readFile(path, 'utf8').catch((error: Error) => {
    throw new ArgumentError('config', path, `cannot read the file (${error.message})`);
  });
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw new ArgumentError('config', path, `not valid YAML (${(error as Error).message})`, { cause: error });
  }
  return recipeFromObject(path, data);
}
