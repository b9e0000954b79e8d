// SPDX-License-Identifier: MIT
// `natzoo classify`: sharp decodes each image to RGB pixels; @natzoo/models' classifier does the rest (timm's
// eval transform, the forward pass, softmax and top-k), exactly as it does in a page.
import * as tf from '@tensorflow/tfjs';
import { InputSizeError, loadClassifier, rankClasses } from '@natzoo/models';
import type { InputSize } from '@natzoo/models';
import { decodeImageFile, readModelDir, withModelDirErrors } from '@natzoo/train';
import type { DecodeImageOptions } from '@natzoo/train/advanced';

export interface Classification {
  image: string;
  top: { label: string; index: number; prob: number }[];
  logits: number[];
}

export interface ClassifyResult {
  model: string;
  backend: string;
  results: Classification[];
}

export interface ClassifyImagesOptions {
  /** Labels per image (default 5). */
  top?: number;
  /** The model input size (default: the model's preprocess.json). */
  inputSize?: InputSize | undefined;
  /** Limits of the image decoder (pixels, aspect ratio). */
  image?: DecodeImageOptions;
}

/** `--input-size`: a side (`256`) or `HEIGHTxWIDTH` (`224x320`). */
export function parseInputSize(text: string): InputSize {
  const match = /^(\d+)(?:[x,](\d+))?$/i.exec(text.trim());
  if (match === null) throw new InputSizeError([Number.NaN, Number.NaN], null, null, `expected a side such as 256 or HEIGHTxWIDTH such as 224x320; got '${text}'`);
  return match[2] === undefined ? Number(match[1]) : [Number(match[1]), Number(match[2])];
}

/** Classifies each image with the model in `modelDir`; `top` labels per image, most probable first. */
export async function classifyImages(modelDir: string, images: readonly string[], { top = 5, inputSize, image: limits = {} }: ClassifyImagesOptions = {}, onImage?: (done: number, total: number) => void): Promise<ClassifyResult> {
  if (!(Number.isSafeInteger(top) && top > 0)) throw new Error(`--top ${top}: expected a positive integer`);
  const { handler, preprocess } = await readModelDir(modelDir);
  const classifier = await withModelDirErrors(modelDir, () => loadClassifier(handler, inputSize === undefined ? { preprocess } : { preprocess, inputSize }));
  try {
    const results: Classification[] = [];
    for (const image of images) {
      const input = await classifier.preprocessImage(await decodeImageFile(image, limits));
      const logits = tf.tidy(() => classifier.predict(input));
      input.dispose();
      const values = Array.from(await logits.data());
      const ranked = await rankClasses(logits, classifier.labels, top);
      logits.dispose();
      results.push({ image, top: ranked.map((p) => ({ label: p.className, index: p.index, prob: p.probability })), logits: values });
      onImage?.(results.length, images.length);
    }
    return { model: preprocess.model, backend: tf.getBackend(), results };
  } finally {
    classifier.dispose();
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
