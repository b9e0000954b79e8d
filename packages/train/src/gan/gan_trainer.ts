// SPDX-License-Identifier: MIT
// One StyleNAT GAN training iteration as upstream runs it (SHI-Labs/StyleNAT `src/train.py`): a D step on the
// logistic loss with grad-norm clipping, a lazy R1 step every `regEvery` iterations (weighted `r1/2 * regEvery`,
// with Adam's lr and betas adjusted by regEvery/(regEvery+1)), a G step on the non-saturating loss, then the
// G EMA update. Adam(0, 0.99), TTUR (G lr = D lr / 4). z and x-flips are derived from (seed, step), so a resumed
// run continues exactly as an uninterrupted one. Checkpoints are StyleNAT directories plus optimizer state.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { latentsFromSeeds, StyleNATDiscriminator, StyleNATGenerator } from '@natzoo/models';
import type { StyleNATConfig } from '@natzoo/models';
import type { ParamSet, StyleNATDiscriminatorConfig } from '@natzoo/models/advanced';
import { clipGradNorm, discriminatorLogisticLoss, generatorNonSaturatingLoss, r1Penalty } from './gan_losses.js';
import { loadStyleNATDir, saveStyleNATDir } from './stylenat_dir.js';
import { ArgumentError } from '@natzoo/core';

type NamedTensor = { name: string; tensor: tf.Tensor };

export interface GanTrainConfig {
  batch: number;
  /** Discriminator learning rate (upstream 2e-4). */
  dLr: number;
  /** Generator learning rate; with `ttur` it is `dLr / 4`. */
  gLr: number;
  ttur: boolean;
  beta1: number;
  beta2: number;
  /** R1 weight gamma (upstream 10); 0 disables R1. */
  r1: number;
  /** Lazy regularisation interval (upstream 16). */
  regEvery: number;
  /** G EMA decay per iteration (upstream `0.5 ** (32 / 10000)`). */
  emaDecay: number;
  /** Max global grad norm of the D step (upstream 5). */
  dClip: number;
  /** Random horizontal flips of real images. */
  xflip: boolean;
  /** Seeds z, flips and the data order. */
  seed: number;
}

export const GAN_DEFAULTS: GanTrainConfig = {
  batch: 8, dLr: 2e-4, gLr: 4e-5, ttur: true, beta1: 0, beta2: 0.99, r1: 10, regEvery: 16, emaDecay: 0.5 ** (32 / 10000), dClip: 5, xflip: true, seed: 0,
};

export interface StepStats {
  step: number;
  dLoss: number;
  gLoss: number;
  /** The R1 penalty when this step regularised, else null. */
  r1: number | null;
  dGradNorm: number;
}

/** A 32-bit mix of two integers (for per-step seeds). */
export function mix32(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x7f4a7c15, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x21f0aaad);
  h ^= h >>> 15;
  return h >>> 0;
}

/** Gradients for every trainable variable of `params`, in their order, zeros where none flowed (as upstream's `+ 0 * pred`). */
function orderedGrads(params: ParamSet, grads: tf.NamedTensorMap): NamedTensor[] {
  return params.trainable().map((v) => ({ name: v.name, tensor: grads[v.name] ?? tf.zerosLike(v) }));
}

export class StyleNATGanTrainer {
  readonly config: GanTrainConfig;
  readonly g: StyleNATGenerator;
  readonly gEma: StyleNATGenerator;
  readonly d: StyleNATDiscriminator;
  readonly optG: tf.AdamOptimizer;
  readonly optD: tf.AdamOptimizer;
  step = 0;

  constructor(modules: { g: StyleNATGenerator; gEma: StyleNATGenerator; d: StyleNATDiscriminator }, config: Partial<GanTrainConfig> = {}) {
    this.config = { ...GAN_DEFAULTS, ...config };
    const c = this.config;
    if (!(Number.isInteger(c.batch) && c.batch > 0)) throw new Error(`batch ${c.batch}: expected a positive integer`);
    if (c.batch > 4 && c.batch % 4 !== 0) throw new Error(`batch ${c.batch}: the minibatch-stddev group (4) must divide it`);
    if (!(Number.isInteger(c.regEvery) && c.regEvery > 0)) throw new Error(`regEvery ${c.regEvery}: expected a positive integer`);
    ({ g: this.g, gEma: this.gEma, d: this.d } = modules);
    const ratio = c.regEvery / (c.regEvery + 1);
    const gLr = c.ttur ? c.dLr / 4 : c.gLr;
    this.optG = tf.train.adam(gLr, c.beta1, c.beta2, 1e-8);
    this.optD = tf.train.adam(c.dLr * ratio, c.beta1 ** ratio, c.beta2 ** ratio, 1e-8);
  }

  /** New G (random), G-EMA (a copy of G) and D. */
  static create(gConfig: StyleNATConfig, dConfig: StyleNATDiscriminatorConfig, config: Partial<GanTrainConfig> = {}): StyleNATGanTrainer {
    const g = new StyleNATGenerator(gConfig);
    const gEma = new StyleNATGenerator(gConfig);
    gEma.params.assignFrom(g.params);
    return new StyleNATGanTrainer({ g, gEma, d: new StyleNATDiscriminator(dConfig) }, config);
  }

  /** z for this step's G or D pass: seeds derived from (seed, step, pass, index). */
  private latents(pass: number): tf.Tensor2D {
    const seeds = Array.from({ length: this.config.batch }, (_, i) => mix32(mix32(this.config.seed, this.step), pass * 65536 + i));
    return latentsFromSeeds(seeds, this.g.config.styleDim);
  }

  /** Flips a random half of the batch left-right (decided by seed and step). */
  private augment(real: tf.Tensor4D): tf.Tensor4D {
    if (!this.config.xflip) return real;
    const flips = Array.from({ length: real.shape[0] }, (_, i) => (mix32(mix32(this.config.seed ^ 0x51f15eed, this.step), i) & 1) === 1);
    return tf.tidy(() => {
      const mask = tf.reshape(tf.tensor1d(flips.map(Number)), [-1, 1, 1, 1]);
      return tf.add(tf.mul(tf.reverse(real, 2), mask), tf.mul(real, tf.sub(1, mask))) as tf.Tensor4D;
    });
  }

  private discriminate = (images: tf.Tensor4D): tf.Tensor => this.d.call(images);

  /** PyTorch's spectral_norm runs one power iteration per training forward; done outside gradient scopes. */
  private powerIterations(n: number): void {
    for (let i = 0; i < n; i++) this.d.updateSpectralNorm();
  }

  /** One iteration on a batch of real images (NHWC, ImageNet-normalised like the generator's output). */
  async trainStep(realImages: tf.Tensor4D): Promise<StepStats> {
    const c = this.config;
    if (realImages.shape[0] !== c.batch) throw new Error(`trainStep: the batch has ${realImages.shape[0]} images, the config ${c.batch}`);
    const real = this.augment(realImages);
    try {
      // D step: fakes are made outside the gradient scope (no G gradients needed).
      const fake = tf.tidy(() => this.g.forward(this.latents(0)).image);
      const dParams = this.d.params.trainable();
      this.powerIterations(2);
      const { value: dLossT, grads: dGradsRaw } = tf.variableGrads(() => {
        const fakeLogits = this.discriminate(fake);
        return discriminatorLogisticLoss(this.discriminate(real), fakeLogits);
      }, dParams);
      fake.dispose();
      const { grads: dGrads, norm: dGradNorm } = clipGradNorm(dGradsRaw, c.dClip);
      this.optD.applyGradients(orderedGrads(this.d.params, dGrads));
      tf.dispose(Object.values(dGrads));
      const dLoss = (await dLossT.data())[0]!;
      dLossT.dispose();

      // Lazy R1 on the same real batch.
      let r1: number | null = null;
      if (c.r1 > 0 && this.step % c.regEvery === 0) {
        this.powerIterations(1);
        const { value, grads } = tf.variableGrads(() => tf.mul(r1Penalty(this.discriminate, real), (c.r1 / 2) * c.regEvery) as tf.Scalar, dParams);
        this.optD.applyGradients(orderedGrads(this.d.params, grads));
        tf.dispose(Object.values(grads));
        r1 = (await value.data())[0]! / ((c.r1 / 2) * c.regEvery);
        value.dispose();
      }

      // G step.
      this.powerIterations(1);
      const { value: gLossT, grads: gGrads } = tf.variableGrads(
        () => generatorNonSaturatingLoss(this.discriminate(this.g.forward(this.latents(1)).image)),
        this.g.params.trainable(),
      );
      this.optG.applyGradients(orderedGrads(this.g.params, gGrads));
      tf.dispose(Object.values(gGrads));
      const gLoss = (await gLossT.data())[0]!;
      gLossT.dispose();

      this.updateEma();
      this.step++;
      return { step: this.step, dLoss, gLoss, r1, dGradNorm };
    } finally {
      if (real !== realImages) real.dispose();
    }
  }

  /** G-EMA <- decay * G-EMA + (1 - decay) * G. */
  updateEma(): void {
    const decay = this.config.emaDecay;
    tf.tidy(() => {
      for (const [key, ema] of this.gEma.params.vars) ema.assign(tf.add(tf.mul(ema, decay), tf.mul(this.g.params.get(key), 1 - decay)));
    });
  }

  /** Writes a resumable checkpoint directory (atomically replaced): G-EMA, G, D, both optimizers, step and config. */
  async save(dir: string, meta: Record<string, unknown> = {}): Promise<void> {
    const optimizers: Record<string, NamedTensor[]> = { g: await this.optG.getWeights(), d: await this.optD.getWeights() };
    const named: tf.NamedTensorMap = {};
    const order: Record<string, string[]> = {};
    for (const [which, weights] of Object.entries(optimizers)) {
      order[which] = weights.map((w, i) => {
        const name = `${which}/${i}`;
        named[name] = w.tensor;
        return name;
      });
    }
    const { data, specs } = await tf.io.encodeWeights(named);
    // getWeights returns the live moment variables plus a fresh iteration-count scalar (ours to dispose).
    for (const weights of Object.values(optimizers)) weights.find((w) => w.name === 'iter')?.tensor.dispose();
    const trainer = { step: this.step, config: this.config, optimizer: { specs, order } };
    await saveStyleNATDir(dir, { g_ema: this.gEma, g: this.g, d: this.d }, { kind: 'stylenat-gan-checkpoint', step: this.step, ...meta }, true, new Map<string, string | Uint8Array>([
      ['trainer.json', `${JSON.stringify(trainer, null, 1)}\n`],
      ['optimizer.bin', new Uint8Array(data)],
    ]));
  }

  /** Reloads a directory written by `save` (config overrides apply on top of the saved config). */
  static async resume(dir: string, overrides: Partial<GanTrainConfig> = {}, opts: { restoreOptimizer?: boolean } = {}): Promise<StyleNATGanTrainer> {
    const { modules } = await loadStyleNATDir(dir);
    if (modules.g === undefined || modules.d === undefined) throw new ArgumentError('resume', dir, `not a training checkpoint (needs g and d)`);
    const state = JSON.parse(await readFile(join(dir, 'trainer.json'), 'utf8')) as {
      step: number;
      config: GanTrainConfig;
      optimizer: { specs: tf.io.WeightsManifestEntry[]; order: Record<'g' | 'd', string[]> };
    };
    const trainer = new StyleNATGanTrainer({ g: modules.g, gEma: modules.g_ema, d: modules.d }, { ...state.config, ...overrides });
    trainer.step = state.step;
    if (opts.restoreOptimizer === false) return trainer;
    const bytes = await readFile(join(dir, 'optimizer.bin'));
    const tensors = tf.io.decodeWeights(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), state.optimizer.specs);
    // Adam keeps its moments by position in the gradient list, which orderedGrads keeps fixed: restore in order.
    for (const [which, opt] of [['g', trainer.optG], ['d', trainer.optD]] as const) {
      const list = state.optimizer.order[which].map((name) => ({ name, tensor: tensors[name]! }));
      if (list.length > 0) await opt.setWeights(list);
    }
    tf.dispose(Object.values(tensors));
    return trainer;
  }

  dispose(): void {
    this.g.dispose();
    this.gEma.dispose();
    this.d.dispose();
    this.optG.dispose();
    this.optD.dispose();
  }
}
