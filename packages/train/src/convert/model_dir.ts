// SPDX-License-Identifier: MIT
// A converted model on disk: tfjs LayersModel format (model.json + 4 MB weight shards, optionally quantized)
// plus preprocess.json, written atomically (io/atomic_dir.ts), so a failed write leaves nothing behind.
import { realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ArgumentError } from '@natzoo/core';
import { parsePreprocess, PreprocessError } from '@natzoo/models';
import type { ModelPreprocess } from '@natzoo/models';
import { recoverDirAtomic, writeDirAtomic } from '../io/atomic_dir.js';
import { confinedFile, readConfined } from '../io/confined_file.js';
import { checkTopology, manifestBytes, ModelDirError } from './model_topology.js';
import { quantizeWeights, type Quantization, type WeightsToSave } from './weight_quantization.js';
import { weightShards } from './weight_shards.js';

export type { ModelPreprocess };

export interface SaveModelDirOptions {
  /** Replace an existing directory; default false (refuse). */
  overwrite?: boolean;
  /** Store float32 weights as float16 or uint8 (tfjs dequantizes them on load). */
  quantize?: Quantization;
}

function joinWeights(data: tf.io.WeightData): ArrayBuffer {
  if (!Array.isArray(data)) return data;
  const total = data.reduce((sum, part) => sum + part.byteLength, 0);
  const out = new Uint8Array(total);
  data.reduce((at, part) => (out.set(new Uint8Array(part), at), at + part.byteLength), 0);
  return out.buffer;
}

/** Writes `model` and `preprocess` to `dir` atomically; refuses to replace an existing directory unless `overwrite`. */
export async function saveModelDir(model: tf.LayersModel, dir: string, preprocess: ModelPreprocess, options: SaveModelDirOptions = {}): Promise<void> {
  const files = new Map<string, Uint8Array | string>();
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      let weights: WeightsToSave = { specs: artifacts.weightSpecs ?? [], data: joinWeights(artifacts.weightData ?? new ArrayBuffer(0)) };
      if (options.quantize !== undefined) weights = quantizeWeights(weights, options.quantize);
      const shards = weightShards(weights.data);
      const modelJson = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: 'natzoo convert',
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: shards.map((s) => s.name), weights: weights.specs }],
      };
      files.set('model.json', JSON.stringify(modelJson));
      for (const shard of shards) files.set(shard.name, shard.bytes);
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.data.byteLength } };
    }),
  );
  files.set('preprocess.json', `${JSON.stringify(preprocess, null, 2)}\n`);
  await writeDirAtomic(dir, files, options.overwrite === true);
}

/** model.json and preprocess.json are read whole; a real one is kilobytes to a few megabytes. */
const MAX_JSON_BYTES = 64 * 2 ** 20;

type Fail = (problem: string) => never;

/** A JSON file of a model directory (confined to it, size-limited), parsed; `root` is where `dir` leads, if known. */
export async function readModelDirJson(dir: string, name: string, root = dir): Promise<unknown> {
  const fail: Fail = (problem) => {
    throw new ModelDirError(dir, name, problem);
  };
  // A write interrupted between its two renames leaves the directory briefly absent: finish it first.
  if (!(await stat(dir).then(() => true, () => false))) await recoverDirAtomic(dir);
  const file = await confinedFile(root, name, (problem) => fail(`${problem}; expected a converted model directory (natzoo convert)`));
  if (file.size > MAX_JSON_BYTES) fail(`${file.size} bytes, more than the ${MAX_JSON_BYTES} a model's JSON may hold`);
  try {
    return JSON.parse((await readConfined(file, name, fail)).toString('utf8'));
  } catch (error) {
    if (error instanceof ModelDirError) throw error;
    return fail(`not valid JSON (${(error as Error).message})`);
  }
}

/**
 * The weight shards a manifest lists, each confined to `dir` and a regular file, their sizes checked against what
 * the manifest's shapes need before anything is read; returned joined in manifest order.
 */
export async function readWeightShards(dir: string, manifest: unknown, fail: Fail): Promise<ArrayBuffer> {
  if (!Array.isArray(manifest)) return fail('weightsManifest is not a list');
  const groups = manifest as { paths?: unknown; weights?: unknown }[];
  if (!groups.every((g) => typeof g === 'object' && g !== null && Array.isArray(g.paths) && Array.isArray(g.weights))) {
    fail('weightsManifest groups need paths and weights lists');
  }
  const paths = groups.flatMap((g) => g.paths as unknown[]);
  const expected = manifestBytes(groups.flatMap((g) => g.weights as tf.io.WeightsManifestEntry[]), fail);
  const files = await Promise.all(paths.map((p) => confinedFile(dir, p, fail)));
  const total = files.reduce((n, f) => n + f.size, 0);
  if (total !== expected) fail(`the weight files hold ${total} bytes but the manifest's weights need ${expected}`);
  const shards = await Promise.all(files.map((f, i) => readConfined(f, paths[i] as string, fail)));
  return joinWeights(shards.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer));
}

/**
 * A converted model directory as a tfjs IOHandler (weights read into memory) plus its preprocess.json. Paths are
 * confined to `dir`, sizes checked against the manifest and the layer graph checked before tfjs sees it; every
 * problem is a ModelDirError naming the directory and the file.
 */
export async function readModelDir(dir: string): Promise<{ handler: tf.io.IOHandler; preprocess: ModelPreprocess }> {
  const fail: Fail = (problem) => {
    throw new ModelDirError(dir, 'model.json', problem);
  };
  if (!(await stat(dir).then(() => true, () => false))) await recoverDirAtomic(dir);
  // saveModelDir's directory is a link to its current version: every file is read from that one version, so a
  // replacement during the read cannot mix two models (the old version may vanish: then it is an error).
  const root = await realpath(dir).catch(() => dir);
  const modelJson = (await readModelDirJson(dir, 'model.json', root)) as { modelTopology?: unknown; weightsManifest?: unknown } | null;
  if (modelJson?.modelTopology == null || !Array.isArray(modelJson.weightsManifest)) {
    fail('not a tfjs LayersModel (no modelTopology / weightsManifest)');
  }
  checkTopology(modelJson!.modelTopology, fail);
  let preprocess: ModelPreprocess;
  try {
    preprocess = parsePreprocess(join(dir, 'preprocess.json'), (await readModelDirJson(dir, 'preprocess.json', root)) as object);
  } catch (error) {
    if (error instanceof PreprocessError) throw new ModelDirError(dir, 'preprocess.json', error.message.slice(error.file.length + 2));
    throw error;
  }
  const weightData = await readWeightShards(root, modelJson!.weightsManifest, fail);
  const specs = (modelJson!.weightsManifest as { weights: tf.io.WeightsManifestEntry[] }[]).flatMap((group) => group.weights);
  return { handler: tf.io.fromMemory({ modelTopology: modelJson!.modelTopology as object, weightSpecs: specs, weightData }), preprocess };
}

/** Runs a tfjs step on a model directory's contents, naming the directory and model.json in whatever it throws. */
export async function withModelDirErrors<T>(dir: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    // An ArgumentError is about the caller's options (an input size), not the directory.
    if (error instanceof ModelDirError || error instanceof ArgumentError || !(error instanceof Error)) throw error;
    throw new ModelDirError(dir, 'model.json', `tfjs cannot build the model: ${error.message}`);
  }
}

/** Loads a directory written by saveModelDir (or any tfjs LayersModel directory with a preprocess.json). */
export async function loadModelDir(dir: string): Promise<{ model: tf.LayersModel; preprocess: ModelPreprocess }> {
  const { handler, preprocess } = await readModelDir(dir);
  return { model: await withModelDirErrors(dir, () => tf.loadLayersModel(handler)), preprocess };
}
