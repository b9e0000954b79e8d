// SPDX-License-Identifier: MIT
// @natzoo/train (Node): PyTorch checkpoints read without executing anything, conversion to natzoo model
// directories and back, image decoding, and the classification and StyleNAT training loops, as users call them.
// The browser-safe readers and conversion over byte sources are `@natzoo/train/convert`; the pieces behind
// these functions (pickle values, container readers, loaders, augmentation, losses) are `@natzoo/train/advanced`.

// Checkpoints and arrays.
export { loadCheckpoint, loadStateDict, readTorchCheckpoint } from './checkpoint/checkpoint_files.js';
export type { LoadedCheckpoint, LoadOptions, StateDict } from './checkpoint/state_dict.js';
export { TensorRecord } from './checkpoint/tensor_record.js';
export { BudgetError, CheckpointError } from './checkpoint/errors.js';
export { DEFAULT_READ_BUDGET, type ReadBudget } from './checkpoint/read_budget.js';
export { describeValue } from './checkpoint/describe.js';
export { readSafetensors, writeSafetensors } from './checkpoint/safetensors.js';
export { OrderedDictToSave, writeTorchCheckpoint } from './checkpoint/torch_writer.js';
export { readNpy, writeNpy, type NpyArray } from './io/npy.js';

// Conversion and model directories.
export { convertCheckpoint } from './convert/convert_checkpoint.js';
export type { ConvertOptions } from './convert/convert_checkpoint.js';
export type { ConvertReport } from './convert/convert_options.js';
export { convertModel, disposeConverted } from './convert/convert_model.js';
export { ConfigInferenceError, inferConfig, type ConfigInference } from './convert/infer/infer_config.js';
export { fetchCheckpoint, isUrl } from './convert/fetch_checkpoint.js';
export { defaultCacheDir, downloadToCache } from './io/download.js';
export { loadModelDir, readModelDir, saveModelDir, withModelDirErrors, type SaveModelDirOptions } from './convert/model_dir.js';
export { QUANTIZATIONS, type Quantization } from './convert/weight_quantization.js';
export type { ModelPreprocess } from './convert/model_dir.js';
export { ModelDirError } from './convert/model_topology.js';
export { loadStyleNATDir, saveStyleNATDir } from './gan/stylenat_dir.js';

// Pretrained models by name (hub ids and release tags; browser-safe, also in @natzoo/train/convert) and their
// Node cache directory.
export { HubError, type HubProblem } from './hub/hub_error.js';
export type { ByteProgress } from './hub/download_bytes.js';
export { defaultHubEndpoint } from './hub/pretrained_ref.js';
export { convertPretrained, loadPretrained, type LoadPretrainedOptions, type PretrainedOptions } from './hub/load_pretrained.js';
export { pretrainedModelDir, type PretrainedDirOptions } from './hub/node_cache.js';

// Images and labels.
export { decodeImageFile, ImageDecodeError } from './preprocess/decode_image.js';
export { imageToInput } from './preprocess/image_input.js';
export { readLabelFile } from './preprocess/labels.js';

// Data-parallel inference over worker threads.
export {
  checkWorkerCount, InferenceWorkerError, maxInferenceWorkers, predictInJobs, startInferencePool,
  type InferenceBackend, type InferencePool, type InferencePoolOptions, type WorkerPoolOptions,
} from './workers/inference_pool.js';
export { generateInJobs, startGeneratorPool, type GeneratorPool, type GeneratorPoolOptions } from './workers/generator_pool.js';

// Classification training.
export { train, type TrainResult } from './train/trainer.js';
export type { TrainOptions, TrainStepProgress } from './train/run_setup.js';
export { readRecipeFile, recipeFromObject, TIMM_DEFAULTS, type Recipe } from './train/recipe.js';
export { computeGradients, type StepOptions } from './train/train_step.js';
export { checkWorkers, GradientWorkers, shardSizes, type GradientWorkersOptions } from './train/gradient_workers.js';
export { planRecompute, type RecomputePlan } from './train/recompute.js';
export { evaluateModel, type EvalMetrics } from './train/evaluate_model.js';
export { loadTrainCheckpoint, saveTrainCheckpoint } from './train/train_checkpoint.js';
export { AdamW } from './optim/adamw.js';
export { SGD } from './optim/sgd.js';
export { CosineSchedule } from './optim/schedule.js';
export { ModelEma } from './optim/ema.js';
export { trainableParams } from './optim/no_weight_decay.js';
export { Rng, rngFor } from './train/rng.js';
export { openDataSpec } from './data/data_spec.js';
export { readCifarBinary } from './data/cifar_binary.js';
export { imageFolderClasses, readImageFolder, readUnlabelledImages } from './data/image_folder.js';

// StyleNAT GAN training and FID.
export { trainGan, type TrainGanOptions } from './gan/train_gan.js';
export { StyleNATGanTrainer } from './gan/gan_trainer.js';
export { FeatureAccumulator, featureStatistics, frechetDistance } from './gan/fid.js';
export { generatedFeatureStatistics } from './gan/fid_generator.js';
