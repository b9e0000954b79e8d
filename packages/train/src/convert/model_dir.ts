// SPDX-License-Identifier: MIT
// A converted model on disk: tfjs LayersModel format (model.json + one weight shard) plus preprocess.json,
// written into a temporary sibling directory and renamed into place, so a failed write leaves nothing behind.
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@natzoo/models';

/** How images must be prepared for a converted model, and what its outputs mean (timm's eval transform). */
export interface ModelPreprocess {
  model: string;
  /** `[channels, height, width]`. */
  inputSize: [number, number, number];
  mean: [number, number, number];
  std: [number, number, number];
  cropPct: number;
  interpolation: string;
  labels: string[];
  source?: { checkpoint: string; sha256: string };
}

const WEIGHTS_FILE = 'weights.bin';

function joinWeights(data: tf.io.WeightData): ArrayBuffer {
  if (!Array.isArray(data)) return data;
  const total = data.reduce((sum, part) => sum + part.byteLength, 0);
  const out = new Uint8Array(total);
  data.reduce((at, part) => (out.set(new Uint8Array(part), at), at + part.byteLength), 0);
  return out.buffer;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** Writes `model` and `preprocess` to `dir`; refuses to replace an existing directory unless `overwrite`. */
export async function saveModelDir(model: tf.LayersModel, dir: string, preprocess: ModelPreprocess, overwrite = false): Promise<void> {
  if ((await exists(dir)) && !overwrite) throw new Error(`--out ${dir} already exists; pass --overwrite to replace it`);
  await mkdir(dirname(dir), { recursive: true });
  const staging = join(dirname(dir), `.${basename(dir)}.tmp-${process.pid}-${Date.now()}`);
  await mkdir(staging);
  try {
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        const weights = joinWeights(artifacts.weightData ?? new ArrayBuffer(0));
        const modelJson = {
          format: 'layers-model',
          generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
          convertedBy: 'natzoo convert',
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
        };
        await writeFile(join(staging, 'model.json'), JSON.stringify(modelJson));
        await writeFile(join(staging, WEIGHTS_FILE), new Uint8Array(weights));
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
      }),
    );
    await writeFile(join(staging, 'preprocess.json'), `${JSON.stringify(preprocess, null, 2)}\n`);
    if (overwrite) await rm(dir, { recursive: true, force: true });
    await rename(staging, dir);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

/** Loads a directory written by saveModelDir (or any tfjs LayersModel directory with a preprocess.json). */
export async function loadModelDir(dir: string): Promise<{ model: tf.LayersModel; preprocess: ModelPreprocess }> {
  const read = async (name: string) => {
    try {
      return await readFile(join(dir, name));
    } catch {
      throw new Error(`--model ${dir}: cannot read ${name}; expected a converted model directory (natzoo convert)`);
    }
  };
  const modelJson = JSON.parse((await read('model.json')).toString('utf8')) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const preprocess = JSON.parse((await read('preprocess.json')).toString('utf8')) as ModelPreprocess;
  const specs = modelJson.weightsManifest.flatMap((group) => group.weights);
  const shards = await Promise.all(modelJson.weightsManifest.flatMap((group) => group.paths).map(read));
  const weightData = joinWeights(shards.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer));
  const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: specs, weightData }));
  return { model, preprocess };
}
