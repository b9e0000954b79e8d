// SPDX-License-Identifier: MIT
// A converted model on disk: tfjs LayersModel format (model.json + 4 MB weight shards, optionally quantized)
// plus preprocess.json, written atomically (io/atomic_dir.ts), so a failed write leaves nothing behind.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { parsePreprocess } from '@natzoo/models';
import type { ModelPreprocess } from '@natzoo/models';
import { writeDirAtomic } from '../io/atomic_dir.js';
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

/** A converted model directory as a tfjs IOHandler (weights read into memory) plus its preprocess.json. */
export async function readModelDir(dir: string): Promise<{ handler: tf.io.IOHandler; preprocess: ModelPreprocess }> {
  const read = async (name: string) => {
    try {
      return await readFile(join(dir, name));
    } catch {
      throw new Error(`--model ${dir}: cannot read ${name}; expected a converted model directory (natzoo convert)`);
    }
  };
  const parse = async (name: string): Promise<unknown> => {
    const text = (await read(name)).toString('utf8');
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new Error(`--model ${dir}: ${name} is not valid JSON (${(error as Error).message})`, { cause: error });
    }
  };
  const modelJson = (await parse('model.json')) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  if (modelJson?.modelTopology == null || !Array.isArray(modelJson.weightsManifest)) {
    throw new Error(`--model ${dir}: model.json is not a tfjs LayersModel (no modelTopology / weightsManifest)`);
  }
  const preprocess = parsePreprocess(join(dir, 'preprocess.json'), (await read('preprocess.json')).toString('utf8'));
  const specs = modelJson.weightsManifest.flatMap((group) => group.weights);
  const shards = await Promise.all(modelJson.weightsManifest.flatMap((group) => group.paths).map(read));
  const weightData = joinWeights(shards.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer));
  return { handler: tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: specs, weightData }), preprocess };
}

/** Loads a directory written by saveModelDir (or any tfjs LayersModel directory with a preprocess.json). */
export async function loadModelDir(dir: string): Promise<{ model: tf.LayersModel; preprocess: ModelPreprocess }> {
  const { handler, preprocess } = await readModelDir(dir);
  return { model: await tf.loadLayersModel(handler), preprocess };
}
