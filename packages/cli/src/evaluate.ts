// SPDX-License-Identifier: MIT
// `natzoo eval`: top-1 / top-5 of a converted model on CIFAR-10 binary batches or an ImageFolder tree
// (`<dir>/<class>/*`, classes in sorted order as torchvision numbers them), with a progress bar.
import * as tf from '@tensorflow/tfjs';
import { evalTransform } from '@natzoo/models';
import { imageFolderClasses, imageToInput, loadModelDir, readCifarBinary, readImageFolder, writeNpy } from '@natzoo/train';
import type { ModelPreprocess } from '@natzoo/train';
import { progressBar } from './progress.js';

export interface EvalResult {
  count: number;
  /** Fractions of `count`. */
  top1: number;
  top5: number;
  /** How many images were right at top-1 and at top-5. */
  correct1: number;
  correct5: number;
}

/** A source of preprocessed batches: `count` items, `batch(from, to)` gives NHWC floats and labels. */
interface Dataset {
  count: number;
  batch(from: number, to: number): Promise<{ inputs: Float32Array; labels: Int32Array }>;
}

async function cifarDataset(path: string, pre: ModelPreprocess): Promise<Dataset> {
  const { pixels, labels } = await readCifarBinary(path);
  const [, height, width] = pre.inputSize;
  if (height !== 32 || width !== 32) throw new Error(`--data cifar10: the model takes ${height}x${width} inputs, CIFAR images are 32x32`);
  return {
    count: labels.length,
    batch: async (from, to) => {
      const inputs = new Float32Array((to - from) * 3072);
      for (let i = from; i < to; i++) inputs.set(evalTransform({ data: pixels.subarray(i * 3072, (i + 1) * 3072), width: 32, height: 32 }, pre), (i - from) * 3072);
      return { inputs, labels: labels.subarray(from, to) };
    },
  };
}

async function imageFolderDataset(root: string, pre: ModelPreprocess): Promise<Dataset> {
  // Folders named after the model's classes index its labels; otherwise sorted order, as torchvision numbers them.
  const folders = await imageFolderClasses(root);
  const images = await readImageFolder(root, folders.every((name) => pre.labels.includes(name)) ? pre.labels : undefined);
  const [, height, width] = pre.inputSize;
  return {
    count: images.size,
    batch: async (from, to) => {
      const inputs = new Float32Array((to - from) * height * width * 3);
      for (let i = from; i < to; i++) inputs.set(await imageToInput(images.path(i), pre), (i - from) * height * width * 3);
      return { inputs, labels: Int32Array.from({ length: to - from }, (_, k) => images.label(from + k)) };
    },
  };
}

export async function evaluate(opts: { model: string; data: string; saveLogits?: string; batchSize?: number }): Promise<EvalResult> {
  const { model, preprocess } = await loadModelDir(opts.model);
  const [kind, ...rest] = opts.data.split(':');
  const path = rest.join(':');
  if ((kind !== 'cifar10' && kind !== 'imagefolder') || path === '') {
    throw new Error(`--data ${opts.data}: expected cifar10:<file-or-dir> or imagefolder:<dir>`);
  }
  const data = kind === 'cifar10' ? await cifarDataset(path, preprocess) : await imageFolderDataset(path, preprocess);
  const [, height, width] = preprocess.inputSize;
  const classes = model.outputs[0]!.shape[1]!;
  const batchSize = opts.batchSize ?? 64;
  if (!(Number.isSafeInteger(batchSize) && batchSize > 0)) throw new Error(`--batch-size ${batchSize}: expected a positive integer`);
  const logits = opts.saveLogits ? new Float32Array(data.count * classes) : null;
  const bar = progressBar('eval [{bar}] {value}/{total} images | top-1 {top1}% | ETA {eta}s');
  let top1 = 0;
  let top5 = 0;
  for (let from = 0; from < data.count; from += batchSize) {
    const to = Math.min(from + batchSize, data.count);
    const { inputs, labels } = await data.batch(from, to);
    const out = tf.tidy(() => model.predict(tf.tensor4d(inputs, [to - from, height, width, 3])) as tf.Tensor);
    const values = (await out.data()) as Float32Array;
    out.dispose();
    logits?.set(values, from * classes);
    for (let n = 0; n < to - from; n++) {
      const row = values.subarray(n * classes, (n + 1) * classes);
      if (labels[n]! >= classes) throw new Error(`--data ${opts.data}: label ${labels[n]} of image ${from + n} is out of range for ${classes} classes`);
      const truth = row[labels[n]!]!;
      const above = row.reduce((count, v) => count + (v > truth ? 1 : 0), 0);
      if (above === 0) top1++;
      if (above < 5) top5++;
    }
    bar.update(to, data.count, { top1: ((100 * top1) / to).toFixed(2) });
  }
  bar.stop();
  if (logits !== null) await writeNpy(opts.saveLogits!, logits, [data.count, classes]);
  model.dispose();
  return { count: data.count, top1: top1 / data.count, top5: top5 / data.count, correct1: top1, correct5: top5 };
}
