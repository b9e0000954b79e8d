// SPDX-License-Identifier: MIT
// loadClassifier: a converted model plus its preprocess.json as one object with tfjs-models' shape
// (`(await load()).classify(image)` -> [{className, probability}], most probable first). Browser and Node:
// images are transformed by the pure-TypeScript eval transform, so both prepare them the same way.
import * as tf from '@tensorflow/tfjs';
import { ModelArgumentError } from '../errors.js';
import { checkInputSize, InputSizeError, predictAtAnySize } from '../input_size.js';
import { resolveSource } from './classifier_source.js';
import type { ClassifierSource, SourceOptions } from './classifier_source.js';
import { evalTransform } from './eval_transform.js';
import { imagePixels } from './image_pixels.js';
import type { ClassifierImage } from './image_pixels.js';
import type { ModelPreprocess } from './preprocess.js';
import { rankClasses } from './rank_classes.js';
import type { Prediction } from './rank_classes.js';

export type { Prediction };

/** A model input size: a square side, or `[height, width]`. */
export type InputSize = number | readonly [number, number];

export interface ImageSizeOptions {
  /**
   * The model input size for this image (the eval transform resizes and crops to it); default the classifier's
   * `inputSize`. Any size the model accepts (NAT, DiNAT, ConvMLP: any size from a minimum up; CCT: only its own),
   * else an InputSizeError saying what it accepts.
   */
  inputSize?: InputSize;
}

export interface ClassifyOptions extends ImageSizeOptions {
  /** How many classes to return (default 5; at most the number of classes). */
  topk?: number;
}

export interface LoadClassifierOptions extends SourceOptions {
  /** Called with the fraction of the weights loaded (URL sources). */
  onProgress?: (fraction: number) => void;
  /** The default input size of `classify` (default: preprocess.json's); checked against the model at load. */
  inputSize?: InputSize;
}

export interface Classifier {
  /** The `topk` most probable classes of `image`, most probable first. */
  classify(image: ClassifierImage, options?: ClassifyOptions): Promise<Prediction[]>;
  /** `image` through the eval transform: the `[1, H, W, 3]` model input (the caller disposes it). */
  preprocessImage(image: ClassifierImage, options?: ImageSizeOptions): Promise<tf.Tensor4D>;
  /** The `topk` most probable classes of a prepared `[1, H, W, 3]` input (see preprocessImage). */
  classifyInput(input: tf.Tensor4D, options?: ClassifyOptions): Promise<Prediction[]>;
  /** Logits `[N, classes]` of prepared inputs `[N, H, W, 3]` (the caller disposes them). */
  predict(batch: tf.Tensor4D): tf.Tensor2D;
  /** Class names in logit order. */
  readonly labels: readonly string[];
  /** The default input size `[height, width]` (preprocess.inputSize unless options.inputSize chose another). */
  readonly inputSize: readonly [number, number];
  readonly preprocess: ModelPreprocess;
  readonly model: tf.LayersModel;
  /** Frees the model's weights. */
  dispose(): void;
}

/** `[height, width]` of an InputSize, or an InputSizeError. */
function sizeOf(size: InputSize): [number, number] {
  const [h, w] = typeof size === 'number' ? [size, size] : size;
  if (!(Number.isSafeInteger(h) && h! > 0 && Number.isSafeInteger(w) && w! > 0)) {
    throw new InputSizeError([Number(h), Number(w)], null, null, 'expected a positive integer side or [height, width]');
  }
  return [h!, w!];
}

/**
 * Checks that the model and its preprocess.json describe the same input and classes. The input size may differ
 * from the one the model was built at when the model accepts it (checkInputSize).
 */
function checkAgreement(model: tf.LayersModel, preprocess: ModelPreprocess, name: string): void {
  if (model.outputs.length !== 1) throw new ModelArgumentError(`loadClassifier: ${name} has ${model.outputs.length} outputs; a classifier has one`);
  const channels = model.inputs[0]!.shape[3];
  const [c, h, w] = preprocess.inputSize;
  if (channels !== c) {
    throw new ModelArgumentError(`loadClassifier: preprocess.json's inputSize [${c}, ${h}, ${w}] does not fit ${name}, which takes ${channels} channels`);
  }
  // Named as its preprocess.json names it: `name` may only say where it came from ("the IOHandler").
  checkInputSize(model, h, w, preprocess.model);
  const classes = model.outputs[0]!.shape[1];
  if (classes !== preprocess.labels.length) {
    throw new ModelArgumentError(`loadClassifier: preprocess.json names ${preprocess.labels.length} classes but ${name} has ${classes} outputs`);
  }
}

/**
 * Loads a classifier from `source`: a converted model's URL (its model.json or directory; preprocess.json is
 * read beside it), a tfjs IOHandler or URL scheme such as `indexeddb://` (with `options.preprocess`), the
 * files of a converted model picked by the user, or a pretrained tag with `options.modelUrl`.
 */
export async function loadClassifier(source: ClassifierSource, options: LoadClassifierOptions = {}): Promise<Classifier> {
  const resolved = await resolveSource(source, options);
  const loadOptions: tf.io.LoadOptions = {};
  if (options.onProgress !== undefined) loadOptions.onProgress = options.onProgress;
  if (options.fetchFunc !== undefined) loadOptions.fetchFunc = options.fetchFunc;
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(resolved.model, loadOptions);
  } catch (error) {
    throw new Error(`cannot load model ${resolved.name}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return classifierFromModel(model, resolved.preprocess, resolved.name, options.inputSize === undefined ? {} : { inputSize: options.inputSize });
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/**
 * A Classifier around a model already built (e.g. converted in memory by `@natzoo/train/convert`) and its
 * preprocessing; `name` is what errors call it. The classifier owns the model from here on.
 */
export function classifierFromModel(model: tf.LayersModel, preprocess: ModelPreprocess, name = preprocess.model, options: ImageSizeOptions = {}): Classifier {
  if (options.inputSize !== undefined) preprocess = { ...preprocess, inputSize: [preprocess.inputSize[0], ...sizeOf(options.inputSize)] };
  checkAgreement(model, preprocess, name);
  const [, height, width] = preprocess.inputSize;
  const predict = (batch: tf.Tensor4D): tf.Tensor2D => predictAtAnySize(model, batch) as tf.Tensor2D;
  const classifyInput = async (input: tf.Tensor4D, { topk = 5 }: ClassifyOptions = {}): Promise<Prediction[]> => {
    if (input.shape[0] !== 1) throw new ModelArgumentError(`classify: input must be one image [1, H, W, 3]; got [${input.shape.join(', ')}]`);
    const logits = predict(input);
    try {
      return await rankClasses(logits, preprocess.labels, topk);
    } finally {
      logits.dispose();
    }
  };
  const preprocessImage = async (image: ClassifierImage, { inputSize }: ImageSizeOptions = {}): Promise<tf.Tensor4D> => {
    const [h, w] = inputSize === undefined ? [height, width] : sizeOf(inputSize);
    if (h !== height || w !== width) checkInputSize(model, h, w, preprocess.model);
    return tf.tensor4d(evalTransform(await imagePixels(image), { ...preprocess, inputSize: [3, h, w] }), [1, h, w, 3]);
  };

  return {
    classify: async (image, opts) => {
      const input = await preprocessImage(image, opts);
      try {
        return await classifyInput(input, opts);
      } finally {
        input.dispose();
      }
    },
    preprocessImage,
    classifyInput,
    predict,
    labels: preprocess.labels,
    inputSize: [height, width],
    preprocess,
    model,
    dispose: () => model.dispose(),
  };
}
