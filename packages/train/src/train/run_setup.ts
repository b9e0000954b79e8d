// SPDX-License-Identifier: MIT
// Everything a run needs before its first step, from the options (a new run) or from the checkpoint (a resumed
// one): the recipe, the model with its initial or restored weights, the datasets and their transforms.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { CIFAR10, CIFAR100, IMAGENET1K } from '@natzoo/models';
import { interpolationOf } from '../augment/image.js';
import type { ModelPreprocess } from '../convert/model_dir.js';
import { holdOut, type ImageDataset } from '../data/dataset.js';
import { openDataSpec, parseDataSpec } from '../data/data_spec.js';
import type { TransformConfig } from '../data/sample_transform.js';
import { architectureOf, buildSeededModel, copyMatchingWeights, loadInitModel } from './build_model.js';
import { TIMM_DEFAULTS, type Recipe } from './recipe.js';
import { loadTrainCheckpoint } from './train_checkpoint.js';
import { ArgumentError } from '@natzoo/core';

/** Where a run stands after one step, for progress displays. */
export interface TrainStepProgress {
  /** 1-based epoch, and how many the run has. */
  epoch: number;
  totalEpochs: number;
  /** Steps done in this epoch, and how many it has. */
  step: number;
  stepsPerEpoch: number;
  loss: number;
  lr: number;
  imagesPerSecond: number;
}

export interface TrainOptions {
  /** Registered model name; optional with `init` (its architecture) or `resume`. */
  model?: string;
  /** Model constructor arguments (`createModel` overrides, upstream kwargs accepted), e.g. `{ embedding_dim: 64 }`. */
  arch?: Record<string, unknown>;
  /** `--data kind:path`; optional with `resume` (the checkpoint's). */
  data?: string;
  /** Hold out the last `valCount` training images for validation (a fixed split). */
  valCount?: number;
  valLabels?: string;
  /** Recipe values from the config file and flags; timm's defaults fill the rest. */
  recipe: Partial<Recipe>;
  out: string;
  resume: boolean;
  /** A converted model directory to start from. */
  init?: string;
  numClasses?: number;
  /** Decode worker threads for image files (0: decode on the main thread). */
  decodeWorkers: number;
  /** Threads each training step runs on (default 1: this thread only). With N, the batch is split into N
   *  shards whose gradients are averaged (gradient_workers.ts): the one-thread result up to float rounding, on
   *  the cpu and wasm backends. */
  workers?: number;
  prefetch?: number;
  /** Also checkpoint every this many steps inside an epoch (0: only at epoch ends). */
  checkpointEvery: number;
  /** Called after every training step (a progress bar, a UI); nothing is printed by the library itself. */
  onStep?: (progress: TrainStepProgress) => void;
  /** Also write the trained weights as a PyTorch state_dict (.safetensors). */
  exportPt: boolean;
  evalBatchSize?: number;
  /** Recompute activations in the backward pass (default true): the same gradients in far less memory. */
  recompute?: boolean;
  /** Run each batch in slices of this many images (gradient accumulation); the step is the whole batch's. A
   *  different value changes rounding and the random draws, so a resumed run repeats a run only with the same one. */
  microBatch?: number;
  log?: (line: string) => void;
}

export interface RunSetup {
  model: tf.LayersModel;
  modelName: string;
  overrides: Record<string, unknown>;
  recipe: Recipe;
  preprocess: ModelPreprocess;
  dataSpec: string;
  split: { valCount?: number; valLabels?: string };
  train: ImageDataset;
  val: ImageDataset | null;
  trainTransform: TransformConfig;
  evalTransform: TransformConfig;
  resumeFrom: Awaited<ReturnType<typeof loadTrainCheckpoint>> | null;
}

function datasetNorm(kind: string): { mean: [number, number, number]; std: [number, number, number] } {
  const source = kind === 'cifar10' ? CIFAR10 : kind === 'cifar100' ? CIFAR100 : IMAGENET1K;
  return { mean: [...source.mean] as [number, number, number], std: [...source.std] as [number, number, number] };
}

function inputSizeOf(model: tf.LayersModel): [number, number] {
  const shape = model.inputs[0]!.shape;
  const [h, w, c] = [shape[1], shape[2], shape[3]];
  if (h == null || w == null || c !== 3) throw new Error(`model input shape [${shape.join(', ')}] is not [batch, H, W, 3] with a fixed size`);
  return [h, w];
}

async function openSplits(spec: string, options: { valCount?: number; valLabels?: string }): Promise<{ train: ImageDataset; val: ImageDataset | null }> {
  const splits = await openDataSpec(spec, { valLabels: options.valLabels });
  if (options.valCount !== undefined && options.valCount > 0) {
    const { train, val } = holdOut(splits.train, options.valCount);
    return { train, val };
  }
  return { train: splits.train, val: splits.val ?? null };
}

function transforms(recipe: Recipe, preprocess: ModelPreprocess): { train: TransformConfig; eval: TransformConfig } {
  const [, h, w] = preprocess.inputSize;
  const common = { size: [h, w] as [number, number], mean: preprocess.mean, std: preprocess.std, cropPct: preprocess.cropPct, ratio: recipe.ratio };
  return {
    train: {
      ...common, train: true, interpolation: interpolationOf(recipe.trainInterpolation), scale: recipe.scale, hflip: recipe.hflip,
      autoAugment: recipe.aa, reprob: recipe.reprob, remode: recipe.remode, recount: recipe.recount,
    },
    eval: {
      ...common, train: false, interpolation: interpolationOf(preprocess.interpolation), scale: null, hflip: 0, autoAugment: null,
      reprob: 0, remode: 'pixel', recount: 1,
    },
  };
}

export async function prepareRun(options: TrainOptions, log: (line: string) => void): Promise<RunSetup> {
  if (options.resume) {
    const path = join(options.out, 'checkpoint.safetensors');
    const saved = await loadTrainCheckpoint(path).catch((error: Error) => {
      throw new ArgumentError('resume', path, `cannot read the checkpoint (${error.message})`, { cause: error });
    });
    const { meta } = saved;
    const model = buildSeededModel(meta.model, meta.overrides, meta.recipe.seed);
    for (const w of model.weights) {
      const data = saved.model.get(w.originalName);
      if (data === undefined) throw new ArgumentError('resume', path, `no weight '${w.originalName}' in the checkpoint`);
      w.write(tf.tensor(data, w.shape as number[]));
    }
    const dataSpec = options.data ?? meta.data;
    const split = { valCount: options.valCount ?? meta.split.valCount, valLabels: options.valLabels ?? meta.split.valLabels };
    const { train, val } = await openSplits(dataSpec, split);
    const t = transforms(meta.recipe, meta.preprocess);
    return { model, modelName: meta.model, overrides: meta.overrides, recipe: meta.recipe, preprocess: meta.preprocess, dataSpec, split, train, val, trainTransform: t.train, evalTransform: t.eval, resumeFrom: saved };
  }

  const recipe: Recipe = { ...TIMM_DEFAULTS, ...options.recipe };
  if (options.data === undefined) throw new ArgumentError('data', undefined, 'required (cifar10:<path>, cifar100:<path>, imagefolder:<dir>)');
  const dataSpec = options.data;
  const { kind } = parseDataSpec(dataSpec);
  const { train, val } = await openSplits(dataSpec, options);
  const numClasses = options.numClasses ?? recipe.numClasses ?? train.numClasses;
  const overrides: Record<string, unknown> = { ...options.arch, numClasses };
  if (recipe.dropPath !== null) overrides.dropPathRate = recipe.dropPath;
  if (recipe.drop !== null) overrides.dropRate = recipe.drop;
  let norm = datasetNorm(kind);
  let cropPct = recipe.cropPct ?? (kind.startsWith('cifar') ? 1 : IMAGENET1K.cropPct);
  let interpolation = recipe.interpolation ?? 'bicubic';
  let modelName: string;
  let model: tf.LayersModel;
  if (options.init !== undefined) {
    const init = await loadInitModel(options.init);
    modelName = options.model ?? architectureOf(init.preprocess);
    model = buildSeededModel(modelName, overrides, recipe.seed);
    const report = copyMatchingWeights(init.model, model);
    init.model.dispose();
    log(`initial weights ${options.init}: ${report.copied.length} weights copied, ${report.fresh.length} newly initialised` +
      (report.fresh.length > 0 ? ` (${report.fresh.map((f) => `${f.name} [${f.shape.join('x')}]${f.initShape === null ? '' : ` was [${f.initShape.join('x')}]`}`).join(', ')})` : '') +
      (report.unused.length > 0 ? `, ${report.unused.length} unused` : ''));
    if (report.copied.length === 0) throw new ArgumentError('init', options.init, `no weight of it matches ${modelName}`);
    norm = { mean: init.preprocess.mean, std: init.preprocess.std };
    cropPct = init.preprocess.cropPct;
    interpolation = init.preprocess.interpolation;
  } else {
    const name = options.model ?? recipe.model;
    if (name === undefined || name === null) throw new ArgumentError('model', undefined, 'required for a new run (or init from a converted model, or resume)');
    modelName = name;
    model = buildSeededModel(modelName, overrides, recipe.seed);
  }
  const [h, w] = inputSizeOf(model);
  const preprocess: ModelPreprocess = {
    model: modelName, inputSize: [3, h, w], mean: recipe.mean ?? norm.mean, std: recipe.std ?? norm.std, cropPct, interpolation,
    labels: numClasses === train.numClasses ? [...train.classNames] : Array.from({ length: numClasses }, (_, i) => `class_${i}`),
  };
  const t = transforms(recipe, preprocess);
  return { model, modelName, overrides, recipe, preprocess, dataSpec, split: { valCount: options.valCount, valLabels: options.valLabels }, train, val, trainTransform: t.train, evalTransform: t.eval, resumeFrom: null };
}
