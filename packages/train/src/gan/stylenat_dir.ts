// SPDX-License-Identifier: MIT
// A StyleNAT model directory: model.json (format 'natzoo-stylenat': configurations, provenance, weights manifest)
// and weights.bin. Written into a temporary sibling directory and renamed into place, so an interrupted write
// (conversion, a training checkpoint) leaves the previous directory or nothing, never half of one.
import { decodeStyleNAT, encodeStyleNAT, isStyleNATModelJson } from '@natzoo/models/advanced';
import type { StyleNATModelJson, StyleNATModuleName, StyleNATModules } from '@natzoo/models/advanced';
import { readModelDirJson, readWeightShards } from '../convert/model_dir.js';
import { ModelDirError } from '../convert/model_topology.js';
import { writeDirAtomic } from '../io/atomic_dir.js';

export { writeDirAtomic };

const WEIGHTS_FILE = 'weights.bin';

/** Saves the modules (g_ema, and g / d when given) with `meta` as a StyleNAT model directory. */
export async function saveStyleNATDir(dir: string, modules: StyleNATModules, meta?: Record<string, unknown>, overwrite = false, extraFiles?: ReadonlyMap<string, Uint8Array | string>): Promise<void> {
  const { modelJson, weightData } = await encodeStyleNAT(modules, WEIGHTS_FILE, meta);
  const files = new Map<string, Uint8Array | string>([
    ['model.json', `${JSON.stringify(modelJson, null, 1)}\n`],
    [WEIGHTS_FILE, new Uint8Array(weightData)],
  ]);
  for (const [name, bytes] of extraFiles ?? []) files.set(name, bytes);
  await writeDirAtomic(dir, files, overwrite);
}

/** Reads model.json of `dir`; null when it is not a StyleNAT directory (e.g. a classifier's LayersModel). */
export async function readStyleNATModelJson(dir: string): Promise<StyleNATModelJson | null> {
  const json = await readModelDirJson(dir, 'model.json');
  return isStyleNATModelJson(json) ? json : null;
}

/** model.json of the StyleNAT directory `dir`, or a ModelDirError when it is not one. */
export async function requireStyleNATModelJson(dir: string): Promise<StyleNATModelJson> {
  const modelJson = await readStyleNATModelJson(dir);
  if (modelJson === null) throw new ModelDirError(dir, 'model.json', "not a StyleNAT model (format 'natzoo-stylenat')");
  return modelJson;
}

/** Loads a StyleNAT directory (only the `only` modules when given; g_ema always). */
export async function loadStyleNATDir(dir: string, only?: readonly StyleNATModuleName[]): Promise<{ modules: StyleNATModules; modelJson: StyleNATModelJson }> {
  const fail = (problem: string): never => {
    throw new ModelDirError(dir, 'model.json', problem);
  };
  const modelJson = await requireStyleNATModelJson(dir);
  const weights = await readWeightShards(dir, modelJson.weightsManifest, fail);
  return { modules: decodeStyleNAT(modelJson, weights, only), modelJson };
}
