// SPDX-License-Identifier: MIT
// @natzoo/train/convert: checkpoint reading and conversion that run in a browser as well as in Node. Everything
// reads from a byte source (an ArrayBuffer, a Blob/File, ranged fetches of a URL) and nothing touches the file
// system; the main entry adds the Node helpers that take file paths and write model directories.
export { blobSource, bufferSource, type ByteSource } from './io/byte_source.js';
export { fetchSource, FetchSourceError, type FetchSourceOptions, type FetchSourceProblem } from './io/fetch_source.js';
export { sha256Hex } from './io/sha256.js';
export { BudgetError, CheckpointError } from './checkpoint/errors.js';
export { DEFAULT_READ_BUDGET, type ReadBudget } from './checkpoint/read_budget.js';
export { DTYPES, itemSize, isFloatDType, type DType } from './checkpoint/dtype.js';
export { Storage, type StorageSource } from './checkpoint/storage.js';
export { TensorRecord, contiguousStride, type TypedArrayFor } from './checkpoint/tensor_record.js';
export { PyComplex, PyGlobal, PyOrderedDict, PyRecord, PySlice, NumpyDType, type PickleDict, type PickleValue } from './checkpoint/pickle_values.js';
export { detectFileKind, readTorchCheckpoint, type FileKind, type TorchCheckpoint, type TorchReadOptions } from './checkpoint/torch_checkpoint.js';
export { readSafetensors, type ArrayTensor, type SafetensorsFile, type WritableTensor } from './checkpoint/safetensors_reader.js';
export { safetensorsChunks } from './checkpoint/safetensors_encode.js';
export { loadCheckpoint, loadStateDict, selectWeights, type LoadedCheckpoint, type LoadOptions, type StateDict } from './checkpoint/state_dict.js';
export { describeValue, type DescribeOptions, type JsonValue } from './checkpoint/describe.js';
export { readNpy, type NpyArray, type NpyData, type NpyDType } from './io/npy_reader.js';
export { npyChunks, type WriteNpyOptions } from './io/npy_encode.js';
export { convertModel, disposeConverted, type ConvertedClassifierModel, type ConvertedModel, type ConvertedStyleNATModel, type ConvertOptionsForInput } from './convert/convert_model.js';
export type { ConvertInput } from './convert/convert_input.js';
export { ConfigInferenceError, inferConfig, isFamilyName, type AskedField, type ConfigInference, type InferOptions, type InferredField, type OpenField, type VariantField } from './convert/infer/infer_config.js';
export type { CheckpointProvenance, ConvertModelOptions, ConvertReport } from './convert/convert_options.js';
export type { ModelPreprocess } from '@natzoo/models';
export { isStyleNATModelName, STYLENAT_MODELS } from './gan/convert_stylenat.js';
export { QUANTIZATIONS, quantizeWeights, type Quantization, type WeightsToSave } from './convert/weight_quantization.js';
export { SHARD_BYTES, weightShards } from './convert/weight_shards.js';
// Pretrained models by name: hub ids and registry tags, downloaded with progress, converted, cached by the caller.
export { HubError, type HubProblem } from './hub/hub_error.js';
export { hubFetch, type HubFetchOptions } from './hub/hub_fetch.js';
export { hubModelSpec, hubPreprocess, type HubModelSpec } from './hub/hub_config.js';
export { downloadBytes, type ByteProgress, type Download, type DownloadOptions } from './hub/download_bytes.js';
export { DEFAULT_HUB_ENDPOINT, HUB_WEIGHT_FILES, defaultHubEndpoint, hubFileUrl, resolvePretrained, type PretrainedPlan, type PretrainedRefOptions } from './hub/pretrained_ref.js';
export { convertPretrained, loadPretrained, pretrainedCacheKey, type LoadPretrainedOptions, type PretrainedCache, type PretrainedOptions, type PretrainedStage } from './hub/load_pretrained.js';
export { isCurrent, weightsVersion } from './hub/weights_version.js';
