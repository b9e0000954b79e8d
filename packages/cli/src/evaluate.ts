// SPDX-License-Identifier: MIT
// `natzoo eval`: top-1 / top-5 of a converted model on CIFAR-10 binary batches or an ImageFolder tree
// (`<dir>/<class>/*`, classes in sorted order as torchvision numbers them), with a progress bar; on this thread
// or spread over worker threads batch by batch (each batch runs whole on one worker, so the logits are the same).
import * as tf from '@tensorflow/tfjs';
import { evalTransform } from '@natzoo/models';
import { checkWorkerCount, imageFolderClasses, imageToInput, loadModelDir, readCifarBinary, readImageFolder, readModelDir, startInferencePool, writeNpy } from '@natzoo/train';
import type { InferenceBackend, ModelPreprocess } from '@natzoo/train';
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

/** Logits `[count, classes]` of a batch; `name` names it in errors. */
type ScoreBatch = (inputs: Float32Array, count: number, name: string) => Promise<Float32Array>;

/** The model on this thread, or `workers` worker threads each with its own copy; `close` frees either. */
async function batchScorer(modelDir: string, workers: number, backend: InferenceBackend | undefined) {
  if (workers > 1) {
    const [{ preprocess }, pool] = await Promise.all([readModelDir(modelDir), startInferencePool(modelDir, { workers, ...(backend ? { backend } : {}) })]);
    const score: ScoreBatch = (inputs, count, name) => pool.predict(inputs, count, name);
    return { preprocess, classes: pool.outputSize, score, close: () => pool.close() };
  }
  const { model, preprocess } = await loadModelDir(modelDir);
  const [, height, width] = preprocess.inputSize;
  const score: ScoreBatch = async (inputs, count) => {
    const out = tf.tidy(() => model.predict(tf.tensor4d(inputs, [count, height, width, 3])) as tf.Tensor);
    const values = (await out.data()) as Float32Array;
    out.dispose();
    return values;
  };
  return { preprocess, classes: model.outputs[0]!.shape[1]!, score, close: async () => model.dispose() };
}

export interface EvaluateOptions {
  model: string;
  data: string;
  saveLogits?: string | undefined;
  batchSize?: number | undefined;
  /** Worker threads, each running whole batches with its own tfjs and model copy (default 1: this thread). */
  workers?: number | undefined;
  /** The workers' backend (wasm or cpu); with one worker the active backend runs the model. */
  backend?: InferenceBackend | undefined;
}

export async function evaluate(opts: EvaluateOptions): Promise<EvalResult> {
  const batchSize = opts.batchSize ?? 64;
  if (!(Number.isSafeInteger(batchSize) && batchSize > 0)) throw new Error(`--batch-size ${batchSize}: expected a positive integer`);
  const workers = checkWorkerCount(opts.workers ?? 1);
  const [kind, ...rest] = opts.data.split(':');
  const path = rest.join(':');
  if ((kind !== 'cifar10' && kind !== 'imagefolder') || path === '') {
    throw new Error(`--data ${opts.data}: expected cifar10:<file-or-dir> or imagefolder:<dir>`);
  }
  const { preprocess, classes, score, close } = await batchScorer(opts.model, workers, opts.backend);
  try {
    const data = kind === 'cifar10' ? await cifarDataset(path, preprocess) : await imageFolderDataset(path, preprocess);
    const logits = opts.saveLogits ? new Float32Array(data.count * classes) : null;
    const bar = progressBar('eval [{bar}] {value}/{total} images | top-1 {top1}% | ETA {eta}s');
    let top1 = 0;
    let top5 = 0;
    // Batches are prepared ahead while workers compute: up to two per worker in flight, counted in order.
    const inFlight: { from: number; labels: Int32Array; values: Promise<Float32Array> }[] = [];
    const count = async () => {
      const { from, labels, values: pending } = inFlight.shift()!;
      const values = await pending;
      logits?.set(values, from * classes);
      for (let n = 0; n < labels.length; n++) {
        const row = values.subarray(n * classes, (n + 1) * classes);
        if (labels[n]! >= classes) throw new Error(`--data ${opts.data}: label ${labels[n]} of image ${from + n} is out of range for ${classes} classes`);
        const truth = row[labels[n]!]!;
        const above = row.reduce((above, v) => above + (v > truth ? 1 : 0), 0);
        if (above === 0) top1++;
        if (above < 5) top5++;
      }
      const to = from + labels.length;
      bar.update(to, data.count, { top1: ((100 * top1) / to).toFixed(2) });
    };
    for (let from = 0; from < data.count; from += batchSize) {
      const to = Math.min(from + batchSize, data.count);
      const { inputs, labels } = await data.batch(from, to);
      const values = score(inputs, to - from, `${opts.data} images ${from}..${to - 1}`);
      void values.catch(() => undefined); // awaited in order below; this keeps a later batch's failure from going unhandled first
      inFlight.push({ from, labels, values });
      if (inFlight.length >= 2 * workers) await count();
    }
    while (inFlight.length > 0) await count();
    bar.stop();
    if (logits !== null) await writeNpy(opts.saveLogits!, logits, [data.count, classes]);
    return { count: data.count, top1: top1 / data.count, top5: top5 / data.count, correct1: top1, correct5: top5 };
  } finally {
    await close();
  }
}
