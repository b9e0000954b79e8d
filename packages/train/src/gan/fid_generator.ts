// SPDX-License-Identifier: MIT
// Feature statistics of generated images for FID: samples from a StyleNAT generator (seeds `seed..seed+count-1`,
// optional truncation) go, as [0, 1] NHWC RGB at the generator's size, through an extractor the caller supplies
// (typically a converted Inception-v3 that resizes to 299 and returns pool3 features [B, 2048]).
import * as tf from '@tensorflow/tfjs';
import { denormalizeImages, generateImages, latentsFromSeeds, meanLatent } from '@natzoo/models';
import type { StyleNATGenerator } from '@natzoo/models';
import { FeatureAccumulator } from './fid.js';
import type { FeatureStatistics } from './fid.js';

export type FeatureExtractor = (images01: tf.Tensor4D) => tf.Tensor2D | Promise<tf.Tensor2D>;

export interface GeneratedStatisticsOptions {
  count: number;
  batch?: number;
  seed?: number;
  truncation?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Mean and covariance of `extract` over `count` generated images. */
export async function generatedFeatureStatistics(generator: StyleNATGenerator, extract: FeatureExtractor, opts: GeneratedStatisticsOptions): Promise<FeatureStatistics> {
  const batch = opts.batch ?? 8;
  const seed = opts.seed ?? 0;
  const psi = opts.truncation ?? 1;
  const meanW = psi === 1 ? undefined : meanLatent(generator);
  let acc: FeatureAccumulator | null = null;
  try {
    for (let done = 0; done < opts.count; done += batch) {
      const n = Math.min(batch, opts.count - done);
      const images = tf.tidy(() => {
        const z = latentsFromSeeds(Array.from({ length: n }, (_, i) => seed + done + i), generator.config.styleDim);
        return denormalizeImages(generateImages(generator, z, { truncation: psi, meanW }));
      });
      const features = await extract(images);
      images.dispose();
      if (features.rank !== 2 || features.shape[0] !== n) throw new Error(`the feature extractor returned [${features.shape.join(', ')}] for ${n} images; expected [${n}, D]`);
      acc ??= new FeatureAccumulator(features.shape[1]);
      acc.add((await features.data()) as Float32Array, n);
      features.dispose();
      opts.onProgress?.(done + n, opts.count);
    }
  } finally {
    meanW?.dispose();
  }
  if (acc === null) throw new Error(`count ${opts.count}: nothing generated`);
  return acc.statistics();
}
