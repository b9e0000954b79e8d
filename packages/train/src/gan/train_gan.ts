// SPDX-License-Identifier: MIT
// The StyleNAT GAN training loop: an image folder, a StyleNATGanTrainer, sample grids from G-EMA on fixed seeds,
// atomic checkpoints (`<out>/checkpoint`, a StyleNAT directory that `natzoo generate` reads) and automatic resume,
// and a JSON-lines log of the losses. The data order depends only on (seed, step), so a resumed run sees the same
// batches as an uninterrupted one.
import { appendFile, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { denormalizeImages, latentsFromSeeds, tileImages } from '@natzoo/models';
import { normalizeImages, resolveDiscriminatorConfig, resolveStyleNATConfig, STYLENAT_DISCRIMINATOR_FFHQ256, STYLENAT_FFHQ256 } from '@natzoo/models/advanced';
import { writeAll, writeFileAtomic } from '../io/atomic_write.js';
import { mix32, StyleNATGanTrainer } from './gan_trainer.js';
import type { GanTrainConfig, StepStats } from './gan_trainer.js';
import { imageFolder } from './image_folder.js';
import type { ImageSource } from './image_folder.js';
import { loadStyleNATDir } from './stylenat_dir.js';
import { ArgumentError } from '@natzoo/core';

export interface TrainGanOptions {
  /** Folder of training images (any depth). */
  data: string;
  /** Run directory: checkpoint/, samples/, log.jsonl. */
  out: string;
  /** Total iterations to reach (a resumed run continues up to it). */
  steps: number;
  /** Generator options over the FFHQ-256 settings (ours or upstream names: size, style_dim, in_channels, ...). */
  generator?: Record<string, unknown>;
  /** Discriminator options (size defaults to the generator's). */
  discriminator?: Record<string, unknown>;
  /** Start from a converted StyleNAT directory holding g, g_ema and d (fine-tuning). */
  init?: string;
  train?: Partial<GanTrainConfig>;
  /** Write a G-EMA sample grid every this many iterations (0: never). */
  sampleEvery?: number;
  /** Seeds of the sample grid. */
  sampleSeeds?: number[];
  /** Save a checkpoint every this many iterations (and always at the end). */
  checkpointEvery?: number;
  /** Resume from `<out>/checkpoint` when it exists (default true). */
  resume?: boolean;
  onStep?: (stats: StepStats, total: number) => void;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** The dataset indices of iteration `step`: a fresh permutation per epoch, seeded by (seed, epoch). */
export function batchIndices(count: number, batch: number, step: number, seed: number): number[] {
  const out: number[] = [];
  const permutations = new Map<number, Uint32Array>();
  for (let k = 0; k < batch; k++) {
    const position = step * batch + k;
    const epoch = Math.floor(position / count);
    let perm = permutations.get(epoch);
    if (perm === undefined) {
      perm = Uint32Array.from({ length: count }, (_, i) => i);
      let state = mix32(seed, epoch);
      for (let i = count - 1; i > 0; i--) {
        state = mix32(state, i);
        const j = state % (i + 1);
        [perm[i], perm[j]] = [perm[j]!, perm[i]!];
      }
      permutations.set(epoch, perm);
    }
    out.push(perm[position % count]!);
  }
  return out;
}

async function writeSampleGrid(trainer: StyleNATGanTrainer, seeds: number[], path: string): Promise<void> {
  const size = trainer.gEma.config.size;
  const pixels = tf.tidy(() => {
    const z = latentsFromSeeds(seeds, trainer.gEma.config.styleDim);
    return Uint8Array.from(tf.round(tf.mul(denormalizeImages(trainer.gEma.forward(z).image), 255)).dataSync());
  });
  const grid = tileImages(pixels, seeds.length, size, Math.ceil(Math.sqrt(seeds.length)), 2);
  const png = await sharp(grid.data, { raw: { width: grid.width, height: grid.height, channels: 3 } }).png().toBuffer();
  await writeFileAtomic(path, (handle) => writeAll(handle, png));
}

async function startTrainer(opts: TrainGanOptions, checkpoint: string): Promise<StyleNATGanTrainer> {
  if (opts.resume !== false && (await exists(join(checkpoint, 'trainer.json')))) return StyleNATGanTrainer.resume(checkpoint, opts.train);
  if (opts.init !== undefined) {
    const { modules } = await loadStyleNATDir(opts.init);
    if (modules.g === undefined || modules.d === undefined) throw new ArgumentError('init', opts.init, `needs g and d (convert a training checkpoint that has them)`);
    return new StyleNATGanTrainer({ g: modules.g, gEma: modules.g_ema, d: modules.d }, opts.train);
  }
  const gConfig = resolveStyleNATConfig('generator', STYLENAT_FFHQ256, { legacy: false, ...opts.generator });
  const dConfig = resolveDiscriminatorConfig('discriminator', { ...STYLENAT_DISCRIMINATOR_FFHQ256, size: gConfig.size }, opts.discriminator);
  return StyleNATGanTrainer.create(gConfig, dConfig, opts.train);
}

/** Trains until `opts.steps` iterations; returns the last iteration's statistics. */
export async function trainGan(opts: TrainGanOptions): Promise<{ step: number; last: StepStats | null }> {
  const checkpoint = join(opts.out, 'checkpoint');
  const samples = join(opts.out, 'samples');
  await mkdir(samples, { recursive: true });
  const trainer = await startTrainer(opts, checkpoint);
  try {
    if (trainer.d.config.size !== trainer.g.config.size) throw new Error(`discriminator size ${trainer.d.config.size} != generator size ${trainer.g.config.size}`);
    const source: ImageSource = await imageFolder(opts.data, trainer.g.config.size);
    const { batch, seed } = trainer.config;
    const seeds = opts.sampleSeeds ?? Array.from({ length: 16 }, (_, i) => i);
    let last: StepStats | null = null;
    while (trainer.step < opts.steps) {
      const indices = batchIndices(source.count, batch, trainer.step, seed);
      const pixels = await source.read(indices);
      const size = source.size;
      const real = tf.tidy(() => normalizeImages(tf.tensor4d(pixels, [batch, size, size, 3])));
      last = await trainer.trainStep(real);
      real.dispose();
      await appendFile(join(opts.out, 'log.jsonl'), `${JSON.stringify({ ...last, time: new Date().toISOString() })}\n`);
      opts.onStep?.(last, opts.steps);
      if (opts.sampleEvery !== undefined && opts.sampleEvery > 0 && trainer.step % opts.sampleEvery === 0) {
        await writeSampleGrid(trainer, seeds, join(samples, `step_${String(trainer.step).padStart(7, '0')}.png`));
      }
      const every = opts.checkpointEvery ?? 1000;
      if (trainer.step === opts.steps || (every > 0 && trainer.step % every === 0)) await trainer.save(checkpoint, { data: opts.data });
    }
    return { step: trainer.step, last };
  } finally {
    trainer.dispose();
  }
}
