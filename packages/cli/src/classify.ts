// SPDX-License-Identifier: MIT
// `natzoo classify`: sharp decodes each image to RGB pixels; @natzoo/models' classifier does the rest (timm's
// eval transform, the forward pass, softmax and top-k), exactly as it does in a page; on this thread, or with
// the images spread over worker threads.
import * as tf from '@tensorflow/tfjs';
import { evalTransform, InputSizeError, loadClassifier, rankClasses } from '@natzoo/models';
import type { ModelPreprocess } from '@natzoo/models';
import { checkWorkerCount, decodeImageFile, readModelDir, startInferencePool, withModelDirErrors } from '@natzoo/train';
import type { InferenceBackend } from '@natzoo/train';
import type { DecodeImageOptions } from '@natzoo/train/advanced';

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

export interface ClassifyImagesOptions {
  /** Labels per image (default 5). */
  top?: number;
  /** The model input size `[height, width]` (default: the model's preprocess.json). */
  inputSize?: [number, number] | undefined;
  /** Limits of the image decoder (pixels, aspect ratio). */
  image?: DecodeImageOptions;
  /** Worker threads, each with its own tfjs and model copy, one image per job (default 1: this thread). */
  workers?: number | undefined;
  /** The workers' backend (wasm or cpu). */
  backend?: InferenceBackend | undefined;
}

/** `--input-size`: a side (`256`) or `HEIGHTxWIDTH` (`224x320`). */
export function parseInputSize(text: string): [number, number] {
  const match = /^(\d+)(?:[x,](\d+))?$/i.exec(text.trim());
  if (match === null) throw new InputSizeError([Number.NaN, Number.NaN], null, null, `expected a side such as 256 or HEIGHTxWIDTH such as 224x320; got '${text}'`);
  const height = Number(match[1]);
  return [height, match[2] === undefined ? height : Number(match[2])];
}

/** Logits of one image, on this thread or on the next free worker. */
type ScoreImage = (image: string) => Promise<Float32Array>;

async function imageScorer(modelDir: string, workers: number, { inputSize, image: limits = {}, backend }: ClassifyImagesOptions) {
  const { handler, preprocess } = await readModelDir(modelDir);
  if (workers > 1) {
    const pool = await startInferencePool(modelDir, { workers, ...(backend ? { backend } : {}), inputSize });
    const transform: ModelPreprocess = inputSize === undefined ? preprocess : { ...preprocess, inputSize: [preprocess.inputSize[0], ...inputSize] };
    const score: ScoreImage = async (image) => pool.predict(evalTransform(await decodeImageFile(image, limits), transform), 1, image);
    return { preprocess, backend: pool.backend, score, close: () => pool.close() };
  }
  const classifier = await withModelDirErrors(modelDir, () => loadClassifier(handler, inputSize === undefined ? { preprocess } : { preprocess, inputSize }));
  const score: ScoreImage = async (image) => {
    const input = await classifier.preprocessImage(await decodeImageFile(image, limits));
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
 * `options.workers` above 1 the images are spread over worker threads (results in input order, same logits).
 */
export async function classifyImages(
  modelDir: string,
  images: readonly string[],
  options: ClassifyImagesOptions = {},
  onImage?: (done: number, total: number) => void,
): Promise<ClassifyResult> {
  const top = options.top ?? 5;
  if (!(Number.isSafeInteger(top) && top > 0)) throw new Error(`--top ${top}: expected a positive integer`);
  const workers = checkWorkerCount(options.workers ?? 1);
  const { preprocess, backend, score, close } = await imageScorer(modelDir, workers, options);
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
