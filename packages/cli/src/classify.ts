// SPDX-License-Identifier: MIT
// `natzoo classify`: decode images with sharp, timm's eval preprocessing, top-k labels with probabilities.
import * as tf from '@tensorflow/tfjs';
import { imageToInput, loadModelDir } from '@natzoo/train';

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

/** Classifies each image with the model in `modelDir`; `top` labels per image, most probable first. */
export async function classifyImages(modelDir: string, images: readonly string[], top = 5): Promise<ClassifyResult> {
  if (!(Number.isSafeInteger(top) && top > 0)) throw new Error(`--top ${top}: expected a positive integer`);
  const { model, preprocess } = await loadModelDir(modelDir);
  try {
    const [, height, width] = preprocess.inputSize;
    const results: Classification[] = [];
    for (const image of images) {
      const input = await imageToInput(image, preprocess);
      const logits = tf.tidy(() => model.predict(tf.tensor4d(input, [1, height, width, 3])) as tf.Tensor);
      const probs = tf.softmax(logits);
      const [values, p] = [Array.from(await logits.data()), Array.from(await probs.data())];
      tf.dispose([logits, probs]);
      const ranked = p
        .map((prob, index) => ({ label: preprocess.labels[index] ?? `class_${index}`, index, prob }))
        .sort((a, b) => b.prob - a.prob)
        .slice(0, top);
      results.push({ image, top: ranked, logits: values });
    }
    return { model: preprocess.model, backend: tf.getBackend(), results };
  } finally {
    model.dispose();
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
