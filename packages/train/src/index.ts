// SPDX-License-Identifier: MIT
// @natzoo/train: datasets, training loops, checkpoint readers and converters, and the natzoo CLI.
// They land with the conversion and training work; until then the package exposes the backend chooser the
// training scripts start from.
export { setBestBackend } from '@natzoo/core';
export type { NodeBackendName } from '@natzoo/core';
// Checkpoint and array readers (Node only: they read files).
export { CheckpointError } from './checkpoint/errors.js';
export { DTYPES, itemSize, isFloatDType, type DType } from './checkpoint/dtype.js';
export { Storage, type StorageSource } from './checkpoint/storage.js';
export { TensorRecord, contiguousStride, type TypedArrayFor } from './checkpoint/tensor_record.js';
export { PyComplex, PyGlobal, PyOrderedDict, PyRecord, PySlice, NumpyDType, type PickleDict, type PickleValue } from './checkpoint/pickle_values.js';
export { readTorchCheckpoint, detectFileKind, type FileKind, type TorchCheckpoint, type TorchReadOptions } from './checkpoint/torch_checkpoint.js';
export { readSafetensors, writeSafetensors, type ArrayTensor, type SafetensorsFile, type WritableTensor } from './checkpoint/safetensors.js';
export { loadCheckpoint, loadStateDict, type LoadedCheckpoint, type LoadOptions, type StateDict } from './checkpoint/state_dict.js';
export { describeValue, type DescribeOptions, type JsonValue } from './checkpoint/describe.js';
export { readNpy, writeNpy, type NpyArray, type NpyData, type NpyDType, type WriteNpyOptions } from './io/npy.js';
export { convertCheckpoint } from './convert/convert_checkpoint.js';
export type { ConvertOptions } from './convert/convert_checkpoint.js';
export { loadModelDir, saveModelDir } from './convert/model_dir.js';
export type { ModelPreprocess } from './convert/model_dir.js';
export { imageToInput } from './preprocess/image_input.js';
export { defaultCacheDir, downloadToCache } from './io/download.js';
// Conversion helpers, datasets and the CLI's commands as functions.
export { fetchCheckpoint, isUrl } from './convert/fetch_checkpoint.js';
export { modelInputSize, preprocessFor, splitConfig, type SplitConfig } from './convert/preprocess_config.js';
export { readCifarBinary, type LabelledImages } from './data/cifar_binary.js';
export { labelNames, readLabelFile } from './preprocess/labels.js';
export { classifyImages, formatClassification, type Classification, type ClassifyResult } from './cli/classify.js';
export { evaluate, type EvalResult } from './cli/evaluate.js';
export { predict, type PredictOptions } from './cli/predict.js';
export { DEFAULT_MODEL, SHIPPED_DIR, resolveModelDir, type ResolveOptions } from './cli/model_ref.js';
export { BACKENDS, useBackend, type BackendChoice } from './cli/backend.js';
export { convertCli, convertCommand, describeConversion, readConfig, runConvert } from './cli/convert_command.js';
export type { ConvertReport } from './convert/convert_checkpoint.js';
export { applyInputSize } from './convert/input_size.js';
export { OrderedDictToSave, torchPickle, writeTorchCheckpoint, type TorchSaveValue } from './checkpoint/torch_writer.js';
export { exportFormat, exportWeights, type ExportFormat } from './cli/export.js';
// StyleNAT: model directories, conversion, generation.
export { loadStyleNATDir, readStyleNATModelJson, saveStyleNATDir, writeDirAtomic } from './gan/stylenat_dir.js';
export { convertStyleNATCheckpoint, isStyleNATModelName, STYLENAT_MODELS } from './gan/convert_stylenat.js';
export { generate, parseSeeds, tileImages, type GenerateCliOptions } from './cli/generate.js';
export { clipGradNorm, discriminatorLogisticLoss, generatorNonSaturatingLoss, r1Penalty } from './gan/gan_losses.js';
export { GAN_DEFAULTS, StyleNATGanTrainer, type GanTrainConfig, type StepStats } from './gan/gan_trainer.js';
export { imageFolder, type ImageSource } from './gan/image_folder.js';
export { FeatureAccumulator, featureStatistics, frechetDistance, type FeatureStatistics } from './gan/fid.js';
export { batchIndices, trainGan, type TrainGanOptions } from './gan/train_gan.js';
export { generatedFeatureStatistics, type FeatureExtractor, type GeneratedStatisticsOptions } from './gan/fid_generator.js';
