// SPDX-License-Identifier: MIT
// The training loop: epochs of seeded, prefetched batches; per step Mixup/CutMix, forward and backward with
// seeded dropout and drop path, optional gradient clipping, the optimizer update at the scheduled learning
// rate and the EMA update; per epoch validation (top-1/top-5, EMA too) and an atomic checkpoint; a checkpoint
// every `checkpointEvery` steps as well, so a killed run loses at most that many steps and `resume` continues
// with exactly the losses the uninterrupted run would have logged.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { mixBatch } from '../augment/mixup.js';
import { BatchLoader } from '../data/batch_loader.js';
import { DecodePool, inlinePreparer, type SamplePreparer } from '../data/decode_pool.js';
import { AdamW } from '../optim/adamw.js';
import { clipGradients } from '../optim/clip_grad.js';
import { ModelEma } from '../optim/ema.js';
import { trainableParams } from '../optim/no_weight_decay.js';
import type { Optimizer } from '../optim/optimizer.js';
import { CosineSchedule } from '../optim/schedule.js';
import { SGD } from '../optim/sgd.js';
import { evaluateModel, type EvalMetrics } from './evaluate_model.js';
import { rngFor } from './rng.js';
import { RunLog } from './run_log.js';
import { prepareRun, type RunSetup, type TrainOptions } from './run_setup.js';
import { saveTrainCheckpoint, type CheckpointMeta, type TrainPosition } from './train_checkpoint.js';
import { planRecompute } from './recompute.js';
import { checkMicroBatch, computeGradients, type StepOptions } from './train_step.js';
import { exportTrained } from './export_trained.js';
import { checkWorkers, GradientWorkers } from './gradient_workers.js';

export interface TrainResult {
  out: string;
  position: TrainPosition;
  lastEval: EvalMetrics | null;
  checkpoint: string;
}

function makeOptimizer(setup: RunSetup, params: ReturnType<typeof trainableParams>): Optimizer {
  const r = setup.recipe;
  if (r.opt === 'adamw') return new AdamW(params, { weightDecay: r.weightDecay, beta1: r.optBetas[0], beta2: r.optBetas[1], eps: r.optEps });
  // timm: 'sgd' is Nesterov momentum, 'momentum' plain momentum.
  return new SGD(params, { momentum: r.momentum, weightDecay: r.weightDecay, nesterov: r.opt === 'sgd' });
}

/** How a step runs (not what it computes): recomputation and micro-batches. */
function executionOptions(model: tf.LayersModel, options: TrainOptions, log: (line: string) => void): StepOptions {
  const out: StepOptions = {};
  if (options.microBatch !== undefined) out.microBatch = checkMicroBatch(options.microBatch, 'microBatch');
  if (options.recompute !== false) {
    const plan = planRecompute(model);
    if ('unsupported' in plan) log(`training without recomputation: ${plan.unsupported}`);
    else out.recompute = plan;
  }
  return out;
}

/**
 * Runs (or resumes) a training run. It changes no tfjs kernels: on the cpu and wasm backends call
 * registerTrainingKernels() from '@natzoo/core/training-kernels' first (after importing the backend), which
 * makes conv and Dense backward passes several times faster and gives wasm the gradient kernels it lacks (conv
 * models cannot train on wasm without it).
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const log = options.log ?? ((line: string) => console.error(line));
  const workers = checkWorkers(options.workers ?? 1);
  await mkdir(options.out, { recursive: true });
  const setup = await prepareRun(options, log);
  const { model, recipe, preprocess } = setup;
  const seed = recipe.seed;
  const runLog = new RunLog(join(options.out, 'log.jsonl'));
  const checkpointPath = join(options.out, 'checkpoint.safetensors');

  const params = trainableParams(model.weights);
  const optimizer = makeOptimizer(setup, params);
  const stepOptions = executionOptions(model, options, log);
  const ema = recipe.modelEma ? new ModelEma(model.weights, recipe.modelEmaDecay) : null;
  let position: TrainPosition = { epoch: 0, stepInEpoch: 0, globalStep: 0 };
  let bestTop1: number | null = null;
  if (setup.resumeFrom !== null) {
    const r = setup.resumeFrom;
    optimizer.loadState(r.optim, r.meta.optimizer.updates);
    if (ema !== null) ema.loadState(r.ema.size > 0 ? r.ema : r.model);
    position = r.meta.position;
    bestTop1 = r.meta.bestTop1;
    const g = position.globalStep;
    const kept = await runLog.truncate((rec) => (rec.type === 'epoch' ? (rec.epoch as number) < position.epoch : (rec.globalStep as number) <= g));
    const lostEpochRecord = position.stepInEpoch === 0 && position.epoch > 0 && !kept.some((rec) => rec.type === 'epoch' && rec.epoch === position.epoch - 1);
    if (lostEpochRecord && r.meta.lastEpochRecord !== null) await runLog.append(r.meta.lastEpochRecord);
    log(`resumed from ${checkpointPath}: epoch ${position.epoch}, step ${position.stepInEpoch} of it, ${g} updates`);
  } else {
    await runLog.truncate(() => false);
  }
  await runLog.append({ type: 'start', globalStep: position.globalStep, model: setup.modelName, data: setup.dataSpec, resumed: setup.resumeFrom !== null, recipe, backend: tf.getBackend(), recompute: stepOptions.recompute !== undefined, microBatch: stepOptions.microBatch ?? null, workers });

  const [height, width] = setup.trainTransform.size;
  const preparer: SamplePreparer = options.decodeWorkers > 0 && setup.train.source(0).kind === 'file' ? new DecodePool(options.decodeWorkers) : inlinePreparer;
  const trainLoader = new BatchLoader(setup.train, setup.trainTransform, preparer, { batchSize: recipe.batchSize, shuffle: true, dropLast: true, seed, prefetch: options.prefetch });
  const valLoader = setup.val === null ? null : new BatchLoader(setup.val, setup.evalTransform, preparer, { batchSize: options.evalBatchSize ?? recipe.batchSize, shuffle: false, dropLast: false, seed, prefetch: options.prefetch });
  const stepsPerEpoch = trainLoader.stepsPerEpoch;
  const schedule = new CosineSchedule({ baseLr: recipe.lr, epochs: recipe.epochs, warmupEpochs: recipe.warmupEpochs, warmupLr: recipe.warmupLr, minLr: recipe.minLr, cooldownEpochs: recipe.cooldownEpochs });
  const totalEpochs = schedule.totalEpochs;
  const numClasses = preprocess.labels.length;

  const snapshot = async (pos: TrainPosition, lastEpochRecord: Record<string, unknown> | null) => {
    const weights = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const w of model.weights) weights.set(w.originalName, { shape: [...w.shape] as number[], data: (await w.read().data()) as Float32Array });
    const opt = await optimizer.saveState();
    const meta: CheckpointMeta = {
      format: 'natzoo-train-checkpoint/1', model: setup.modelName, overrides: setup.overrides, preprocess, recipe, data: setup.dataSpec, split: setup.split,
      position: pos, rng: { algorithm: 'sfc32', seed, streams: "rngFor(seed, 'order'|'sample'|'mix'|'step', counters)" },
      optimizer: { kind: optimizer.kind, updates: opt.updates }, ema: ema !== null, bestTop1, lastEpochRecord,
    };
    await saveTrainCheckpoint(checkpointPath, meta, { model: weights, optim: opt.tensors, ema: ema === null ? null : await ema.saveState() });
  };

  if (setup.resumeFrom === null && options.init !== undefined && valLoader !== null) {
    // The starting point of a fine-tune, to compare the epochs against.
    const before = await evaluateModel(model, valLoader);
    await runLog.append({ type: 'eval', phase: 'init', globalStep: 0, val: before });
    log(`initial weights ${options.init} before training: val top-1 ${(100 * before.top1).toFixed(2)}% top-5 ${(100 * before.top5).toFixed(2)}% loss ${before.loss.toFixed(4)}`);
  }
  let lastEval: EvalMetrics | null = null;
  const gradientWorkers = workers === 1 ? null : await GradientWorkers.start(model, {
    workers, model: setup.modelName, overrides: setup.overrides, seed, recompute: stepOptions.recompute !== undefined, ...(stepOptions.microBatch === undefined ? {} : { microBatch: stepOptions.microBatch }),
  });
  try {
    for (let epoch = position.epoch; epoch < totalEpochs; epoch++) {
      const startStep = epoch === position.epoch ? position.stepInEpoch : 0;
      let lossSum = 0;
      let lossCount = 0;
      let skipped = 0;
      const epochStart = performance.now();
      for await (const batch of trainLoader.epoch(epoch, startStep)) {
        const stepStart = performance.now();
        for (const s of batch.skipped) {
          skipped++;
          log(`skipped unreadable image ${s.path}: ${s.error}`);
          await runLog.append({ type: 'skip', globalStep: position.globalStep, path: s.path, error: s.error });
        }
        const n = batch.labels.length;
        const globalStep = position.globalStep;
        const lr = schedule.lrForStep(epoch, batch.step, stepsPerEpoch);
        let loss = NaN;
        let gradNorm: number | null = null;
        if (n > 0) {
          const mixed = mixBatch(rngFor(seed, 'mix', globalStep), batch.inputs, batch.labels, height, width, {
            mixupAlpha: recipe.mixup, cutmixAlpha: recipe.cutmix, prob: recipe.mixupProb, switchProb: recipe.mixupSwitchProb, smoothing: recipe.smoothing, numClasses,
          });
          const x = tf.tensor4d(batch.inputs, [n, height, width, 3]);
          const y = tf.tensor2d(mixed.targets, [n, numClasses]);
          const stepRng = rngFor(seed, 'step', globalStep);
          const step = gradientWorkers === null ? computeGradients(model, params, x, y, stepRng, stepOptions) : await gradientWorkers.computeGradients(params, x, y, stepRng, stepOptions);
          x.dispose();
          y.dispose();
          loss = step.loss;
          let grads = step.grads;
          if (recipe.clipGrad !== null) {
            const clipped = clipGradients(grads, recipe.clipGrad, recipe.clipMode);
            grads = clipped.grads;
            gradNorm = clipped.norm;
          }
          optimizer.apply(grads, lr);
          for (const g of grads.values()) g.dispose();
          ema?.update();
        }
        position = { epoch, stepInEpoch: batch.step + 1, globalStep: globalStep + 1 };
        const seconds = (performance.now() - stepStart) / 1000;
        const ips = n / seconds;
        if (Number.isFinite(loss)) {
          lossSum += loss;
          lossCount++;
        }
        await runLog.append({ type: 'step', epoch, step: batch.step, globalStep: position.globalStep, lr, loss, images: n, imgPerSec: Math.round(ips * 10) / 10, ...(gradNorm === null ? {} : { gradNorm }) });
        options.onStep?.({ epoch: epoch + 1, totalEpochs, step: batch.step + 1, stepsPerEpoch, loss, lr, imagesPerSecond: ips });
        if (!Number.isFinite(loss)) throw new Error(`loss is ${loss} at step ${position.globalStep}; stopping (lower --lr, or set clip_grad)`);
        const mid = position.stepInEpoch < stepsPerEpoch;
        if (mid && options.checkpointEvery > 0 && position.globalStep % options.checkpointEvery === 0) await snapshot(position, null);
      }
      const epochRecord: Record<string, unknown> = {
        type: 'epoch', epoch, globalStep: position.globalStep, trainLoss: lossCount > 0 ? lossSum / lossCount : null,
        seconds: Math.round((performance.now() - epochStart) / 100) / 10, skipped,
      };
      if (valLoader !== null) {
        lastEval = await evaluateModel(model, valLoader);
        epochRecord.val = lastEval;
        if (ema !== null) epochRecord.valEma = await ema.withEmaWeights(() => evaluateModel(model, valLoader));
        bestTop1 = Math.max(bestTop1 ?? 0, lastEval.top1);
      }
      position = { epoch: epoch + 1, stepInEpoch: 0, globalStep: position.globalStep };
      await snapshot(position, epochRecord);
      await runLog.append(epochRecord);
      const v = lastEval === null || valLoader === null ? '' : `, val top-1 ${(100 * lastEval.top1).toFixed(2)}% top-5 ${(100 * lastEval.top5).toFixed(2)}% loss ${lastEval.loss.toFixed(4)}`;
      log(`epoch ${epoch + 1}/${totalEpochs}: train loss ${(epochRecord.trainLoss as number | null)?.toFixed(4) ?? '-'}${v}`);
    }
    await exportTrained(options, setup, ema, log);
  } finally {
    await gradientWorkers?.close();
    await preparer.close();
    optimizer.dispose();
    ema?.dispose();
  }
  return { out: options.out, position, lastEval, checkpoint: checkpointPath };
}
