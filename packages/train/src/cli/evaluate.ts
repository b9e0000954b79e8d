// SPDX-License-Identifier: MIT
// `natzoo eval`: top-1 / top-5 of a converted model on CIFAR-10 binary batches or an ImageFolder tree
// (`<dir>/<class>/*`, classes in sorted order as torchvision numbers them), with a progress bar.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { SingleBar, Presets } from 'cli-progress';
import { loadModelDir } from '../convert/model_dir.js';
import type { ModelPreprocess } from '../convert/model_dir.js';
import { readCifarBinary } from '../data/cifar_binary.js';
import { writeNpy } from '../io/npy.js';
import { imageToInput } from '../preprocess/image_input.js';

export interface EvalResult {
  count: number;
  top1: number;
  top5: number;
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
      for (let i = 0; i < inputs.length; i++) {
        const c = i % 3;
        inputs[i] = (pixels[from * 3072 + i]! / 255 - pre.mean[c]!) / pre.std[c]!;
      }
      return { inputs, labels: labels.subarray(from, to) };
    },
  };
}

async function imageFolderDataset(root: string, pre: ModelPreprocess): Promise<Dataset> {
  const classes = (await readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  if (classes.length === 0) throw new Error(`--data imagefolder:${root}: no class folders`);
  const items: { path: string; label: number }[] = [];
  for (const [label, name] of classes.entries()) {
    for (const file of (await readdir(join(root, name))).sort()) items.push({ path: join(root, name, file), label });
  }
  const [, height, width] = pre.inputSize;
  return {
    count: items.length,
    batch: async (from, to) => {
      const inputs = new Float32Array((to - from) * height * width * 3);
      for (let i = from; i < to; i++) inputs.set(await imageToInput(items[i]!.path, pre), (i - from) * height * width * 3);
      return { inputs, labels: Int32Array.from(items.slice(from, to), (item) => item.label) };
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
  const classes = preprocess.labels.length;
  const batchSize = opts.batchSize ?? 64;
  const logits = opts.saveLogits ? new Float32Array(data.count * classes) : null;
  const bar = new SingleBar({ format: 'eval [{bar}] {value}/{total} images | top-1 {top1}% | ETA {eta}s', stream: process.stderr }, Presets.shades_classic);
  bar.start(data.count, 0, { top1: '-' });
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
      const truth = row[labels[n]!]!;
      const above = row.reduce((count, v) => count + (v > truth ? 1 : 0), 0);
      if (above === 0) top1++;
      if (above < 5) top5++;
    }
    bar.update(to, { top1: ((100 * top1) / to).toFixed(2) });
  }
  bar.stop();
  if (logits !== null) await writeNpy(opts.saveLogits!, logits, [data.count, classes]);
  return { count: data.count, top1: top1 / data.count, top5: top5 / data.count };
}
