// SPDX-License-Identifier: MIT
// What an inference worker runs: the model of its task, loaded once, answering jobs of `count` items.
import * as tf from '@tensorflow/tfjs';
import { checkInputSize, predictAtAnySize } from '@natzoo/models/advanced';
import { generateImages, meanLatent } from '@natzoo/models';
import { loadModelDir } from '../convert/model_dir.js';
import { loadStyleNATDir } from '../gan/stylenat_dir.js';
import type { ClassifierTask, GeneratorTask, WorkerTask } from './inference_messages.js';

export interface WorkerModel {
  /** Floats per item in and out. */
  inputSize: number;
  outputSize: number;
  /** The outputs `[count, outputSize]` of `count` items (`[count, inputSize]`). */
  run(inputs: Float32Array, count: number): tf.Tensor;
}

async function loadClassifier(task: ClassifierTask): Promise<WorkerModel> {
  const { model, preprocess } = await loadModelDir(task.modelDir);
  const [height, width] = task.inputSize ?? [preprocess.inputSize[1], preprocess.inputSize[2]];
  // An explicit size is checked up front, so a model that cannot take it fails while loading, naming the size.
  if (task.inputSize !== undefined) checkInputSize(model, height, width);
  return {
    inputSize: height * width * 3,
    outputSize: model.outputs[0]!.shape[1]!,
    run: (inputs, count) => tf.tidy(() => predictAtAnySize(model, tf.tensor4d(inputs, [count, height, width, 3])) as tf.Tensor),
  };
}

async function loadGenerator(task: GeneratorTask): Promise<WorkerModel> {
  const generator = (await loadStyleNATDir(task.modelDir, ['g_ema'])).modules.g_ema;
  const { styleDim, size } = generator.config;
  // Every worker computes the same mean from the same seeds on the same backend: the same bits everywhere.
  const meanW = task.truncation === 1 ? undefined : meanLatent(generator, task.truncationSamples);
  const perItem = task.mixing ? 2 : 1;
  return {
    inputSize: perItem * styleDim,
    outputSize: size * size * 3,
    run: (inputs, count) =>
      tf.tidy(() => {
        const latents = tf.tensor3d(inputs, [count, perItem, styleDim]);
        const z = tf.reshape(tf.slice(latents, [0, 0, 0], [-1, 1, -1]), [count, styleDim]) as tf.Tensor2D;
        const mixZ = task.mixing ? (tf.reshape(tf.slice(latents, [0, 1, 0], [-1, 1, -1]), [count, styleDim]) as tf.Tensor2D) : undefined;
        return generateImages(generator, z, { truncation: task.truncation, meanW, mixZ, crossover: task.crossover });
      }),
  };
}

/** Loads the model of `task` on the current backend. */
export function loadWorkerModel(task: WorkerTask): Promise<WorkerModel> {
  return task.kind === 'classifier' ? loadClassifier(task) : loadGenerator(task);
}
