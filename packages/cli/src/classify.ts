// SPDX-License-Identifier: MIT
// `natzoo classify`: sharp decodes each image to RGB pixels; @natzoo/models' classifier does the rest (timm's
// eval transform, the forward pass, softmax and top-k), exactly as it does in a page; on this thread, or with
// the images spread over worker threads.
import * as tf from '@tensorflow/tfjs';
import { evalTransform, loadClassifier, rankClasses } from '@natzoo/models';
import { checkWorkerCount, decodeImageFile, readModelDir, startInferencePool, withModelDirErrors } from '@natzoo/train';
import type { InferenceBackend } from '@natzoo/train';

export interface Classification {
  image: string;
  top: { label: string; index: number; prob: number }[];
  logits: number[];
}

export interface ClassifyResult {
  model: string;
  backend: string;
  /** Worker threads used, when more than one. */
  workers?: number;
  results: Classification[];
}

export interface ClassifyParallel {
  /** Worker threads, each with its own tfjs and model copy, one image per job (default 1: this thread). */
  workers?: number | undefined;
  /** The workers' backend (wasm or cpu). */
  backend?: InferenceBackend | undefined;
}

/** Logits of one image, on this thread or on the next free worker. */
type ScoreImage = (image: string) => Promise<Float32Array>;

async function imageScorer(modelDir: string, workers: number, backend: InferenceBackend | undefined) {
  const { handler, preprocess } = await readModelDir(modelDir);
  if (workers > 1) {
    const pool = await startInferencePool(modelDir, { workers, ...(backend ? { backend } : {}) });
    const score: ScoreImage = async (image) => pool.predict(evalTransform(await decodeImageFile(image), preprocess), 1, image);
    return { preprocess, backend: pool.backend, score, close: () => pool.close() };
  }
  const classifier = await withModelDirErrors(modelDir, () => loadClassifier(handler, { preprocess }));
  const score: ScoreImage = async (image) => {
    const input = await classifier.preprocessImage(await decodeImageFile(image));
    const logits = tf.tidy(() => classifier.predict(input));
    input.dispose();
    const values = (await logits.data()) as Float32Array;
    logits.dispose();
    return values;
  };
  return { preprocess, backend: tf.getBackend(), score, close: async () => classifier.dispose() };
}

/**
 * Classifies each image with the model in `modelDir`; `top` labels per image, most probable first. With
 * `parallel.workers` above 1 the images are spread over worker threads (results in input order, same logits).
 */
export async function classifyImages(
  modelDir: string,
  images: readonly string[],
  top = 5,
  onImage?: (done: number, total: number) => void,
  parallel: ClassifyParallel = {},
): Promise<ClassifyResult> {
  if (!(Number.isSafeInteger(top) && top > 0)) throw new Error(`--top ${top}: expected a positive integer`);
  const workers = checkWorkerCount(parallel.workers ?? 1);
  const { preprocess, backend, score, close } = await imageScorer(modelDir, workers, parallel.backend);
  try {
    const results: Classification[] = [];
    // Images are decoded ahead while workers compute: up to two per worker in flight, reported in order.
    const inFlight: { image: string; logits: Promise<Float32Array> }[] = [];
    const rank = async () => {
      const { image, logits: pending } = inFlight.shift()!;
      const logits = await pending;
      const ranked = tf.tensor1d(logits);
      const top5 = await rankClasses(ranked, preprocess.labels, top).finally(() => ranked.dispose());
      results.push({ image, top: top5.map((p) => ({ label: p.className, index: p.index, prob: p.probability })), logits: Array.from(logits) });
      onImage?.(results.length, images.length);
    };
    for (const image of images) {
      const logits = score(image);
      void logits.catch(() => undefined); // awaited in order by rank; this keeps a later image's failure from going unhandled first
      inFlight.push({ image, logits });
      if (inFlight.length >= 2 * workers) await rank();
    }
    while (inFlight.length > 0) await rank();
    return { model: preprocess.model, backend, ...(workers > 1 ? { workers } : {}), results };
  } finally {
    await close();
  }
}

/** The human-readable report: one block per image, probabilities as percentages. */
export function formatClassification({ model, backend, results }: ClassifyResult): string {
  const lines = [`model ${model} on '${backend}'`];
  for (const { image, top } of results) {
    lines.push(image);
    for (const { label, prob } of top) lines.push(`  ${(prob * 100).toFixed(2).padStart(6)}%  ${label}`);
  }
  return lines.join('\n');
}
