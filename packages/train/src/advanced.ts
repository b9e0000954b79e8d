// SPDX-License-Identifier: MIT
// @natzoo/train/advanced: everything @natzoo/train exports plus the pieces behind it (pickle values and storages,
// container readers, augmentation primitives, data loaders, GAN losses, atomic writes, configuration splitting),
// for code that extends the readers or the training loops. Node only, like the main entry.
// Checkpoint and array readers. Those below take a file path or a byte source; the byte-source readers and the
// conversion alone, without anything Node-only, are the `@natzoo/train/convert` entry.
export { blobSource, bufferSource, type ByteSource } from './io/byte_source.js';
export { fetchSource, FetchSourceError, type FetchSourceOptions, type FetchSourceProblem } from './io/fetch_source.js';
export { openFileSource } from './io/file_source.js';
export { sha256Hex } from './io/sha256.js';
export { BudgetError, CheckpointError } from './checkpoint/errors.js';
export { DEFAULT_READ_BUDGET, type ReadBudget } from './checkpoint/read_budget.js';
export { DTYPES, itemSize, isFloatDType, type DType } from './checkpoint/dtype.js';
export { Storage, type StorageSource } from './checkpoint/storage.js';
export { TensorRecord, contiguousStride, type TypedArrayFor } from './checkpoint/tensor_record.js';
export { PyComplex, PyGlobal, PyOrderedDict, PyRecord, PySlice, NumpyDType, type PickleDict, type PickleValue } from './checkpoint/pickle_values.js';
export { detectFileKind, loadCheckpoint, loadStateDict, readTorchCheckpoint } from './checkpoint/checkpoint_files.js';
export type { FileKind, TorchCheckpoint, TorchReadOptions } from './checkpoint/torch_checkpoint.js';
export { readSafetensors, writeSafetensors, type ArrayTensor, type SafetensorsFile, type WritableTensor } from './checkpoint/safetensors.js';
export { selectWeights } from './checkpoint/state_dict.js';
export { safetensorsChunks } from './checkpoint/safetensors_encode.js';
export { npyChunks } from './io/npy_encode.js';
export type { LoadedCheckpoint, LoadOptions, StateDict } from './checkpoint/state_dict.js';
export { describeValue, type DescribeOptions, type JsonValue } from './checkpoint/describe.js';
export { writeAll, writeFileAtomic } from './io/atomic_write.js';
export { recoverDirAtomic, type AtomicDirStep } from './io/atomic_dir.js';
export { readNpy, writeNpy, type NpyArray, type NpyData, type NpyDType, type WriteNpyOptions } from './io/npy.js';
export { convertCheckpoint } from './convert/convert_checkpoint.js';
export type { ConvertOptions } from './convert/convert_checkpoint.js';
export { convertModel, disposeConverted, type ConvertedClassifierModel, type ConvertedModel, type ConvertedStyleNATModel, type ConvertOptionsForInput } from './convert/convert_model.js';
export type { ConvertInput } from './convert/convert_input.js';
export { ConfigInferenceError, inferConfig, isFamilyName, type AskedField, type ConfigInference, type InferOptions, type InferredField, type OpenField, type VariantField } from './convert/infer/infer_config.js';
export type { CheckpointProvenance, ConvertModelOptions } from './convert/convert_options.js';
export { loadModelDir, readModelDir, saveModelDir, withModelDirErrors, type SaveModelDirOptions } from './convert/model_dir.js';
export { QUANTIZATIONS, quantizeWeights, type Quantization, type WeightsToSave } from './convert/weight_quantization.js';
export { SHARD_BYTES, weightShards } from './convert/weight_shards.js';
export { HubError, type HubProblem } from './hub/hub_error.js';
export { downloadBytes, type ByteProgress, type DownloadOptions } from './hub/download_bytes.js';
export { DEFAULT_HUB_ENDPOINT, defaultHubEndpoint, hubFileUrl, resolvePretrained, type PretrainedPlan, type PretrainedRefOptions } from './hub/pretrained_ref.js';
export { convertPretrained, loadPretrained, pretrainedCacheKey, type LoadPretrainedOptions, type PretrainedCache, type PretrainedOptions, type PretrainedStage } from './hub/load_pretrained.js';
export { isCurrent, weightsVersion } from './hub/weights_version.js';
export { dirCache, pretrainedDir, pretrainedModelDir, type PretrainedDirOptions } from './hub/node_cache.js';
export { ModelDirError } from './convert/model_topology.js';
export type { ModelPreprocess } from './convert/model_dir.js';
export { imageToInput } from './preprocess/image_input.js';
export { defaultCacheDir, downloadToCache } from './io/download.js';
// Conversion helpers, datasets and the CLI's commands as functions.
export { fetchCheckpoint, isUrl } from './convert/fetch_checkpoint.js';
export { modelInputSize, preprocessFor, splitConfig, type SplitConfig } from './convert/preprocess_config.js';
export { readCifarBinary, type LabelledImages } from './data/cifar_binary.js';
export { readLabelFile } from './preprocess/labels.js';
export { decodeImageFile, ImageDecodeError, DEFAULT_MAX_ASPECT_RATIO, DEFAULT_MAX_PIXELS, type DecodeImageOptions } from './preprocess/decode_image.js';
export type { ConvertReport } from './convert/convert_options.js';
export { applyInputSize } from './convert/input_size.js';
export { OrderedDictToSave, torchPickle, writeTorchCheckpoint, type TorchSaveValue } from './checkpoint/torch_writer.js';
// StyleNAT: model directories, conversion, generation.
export { loadStyleNATDir, readStyleNATModelJson, saveStyleNATDir, writeDirAtomic } from './gan/stylenat_dir.js';
export { clipGradNorm, discriminatorLogisticLoss, generatorNonSaturatingLoss, r1Penalty } from './gan/gan_losses.js';
export { GAN_DEFAULTS, StyleNATGanTrainer, type GanTrainConfig, type StepStats } from './gan/gan_trainer.js';
export { imageFolder, type ImageSource } from './gan/image_folder.js';
export { FeatureAccumulator, featureStatistics, frechetDistance, type FeatureStatistics } from './gan/fid.js';
export { batchIndices, trainGan, type TrainGanOptions } from './gan/train_gan.js';
export { generatedFeatureStatistics, type FeatureExtractor, type GeneratedStatisticsOptions } from './gan/fid_generator.js';
// Training: data, augmentation, optimizers, the loop (natzoo train).
export { readCifarPickle, readCifarPickleBatch } from './data/cifar_pickle.js';
export type { CifarVariant } from './data/cifar_binary.js';
export { FileDataset, PixelDataset, SubsetDataset, holdOut, type ImageDataset, type SampleSource } from './data/dataset.js';
export { imageFolderClasses, readImageFolder, readFlatLabelledFolder, readUnlabelledImages } from './data/image_folder.js';
export { openDataSpec, parseDataSpec, DATA_KINDS, type DataKind, type DataSplits } from './data/data_spec.js';
export { BatchLoader, type Batch, type LoaderOptions } from './data/batch_loader.js';
export { DecodePool, inlinePreparer, type SamplePreparer } from './data/decode_pool.js';
export { prepareSample, type TransformConfig, type SampleKey } from './data/sample_transform.js';
export { mixBatch, smoothOneHot, type MixupOptions } from './augment/mixup.js';
export { parseRandAugment, randAugment, type RandAugmentConfig } from './augment/rand_augment.js';
export { randomErase, type RandomErasingOptions } from './augment/random_erasing.js';
export { randomResizedCropBox, evalResize } from './augment/crop.js';
export { AdamW, type AdamWOptions } from './optim/adamw.js';
export { SGD, type SGDOptions } from './optim/sgd.js';
export { CosineSchedule, type CosineScheduleOptions } from './optim/schedule.js';
export { clipGradients, type ClipMode } from './optim/clip_grad.js';
export { ModelEma } from './optim/ema.js';
export { isNoWeightDecay, trainableParams, type TrainableParam } from './optim/no_weight_decay.js';
export type { Optimizer } from './optim/optimizer.js';
export { Rng, rngFor, type Sfc32State } from './train/rng.js';
export { computeGradients, softTargetCrossEntropy, type StepOptions } from './train/train_step.js';
export { applyWithRecompute, planRecompute, type RecomputePlan } from './train/recompute.js';
export { TIMM_DEFAULTS, readRecipeFile, recipeFromObject, type Recipe } from './train/recipe.js';
export { train, type TrainResult } from './train/trainer.js';
export type { TrainOptions, TrainStepProgress } from './train/run_setup.js';
export { loadTrainCheckpoint, saveTrainCheckpoint, type CheckpointMeta, type TrainPosition } from './train/train_checkpoint.js';
export { evaluateModel, type EvalMetrics } from './train/evaluate_model.js';
